// Grouping into a Map of arrays in place: copying the array on every insert is quadratic, and a
// 100k-record annotation file makes that minutes.
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Appends every item, for lists that can be dataset-sized: `target.push(...items)` passes each item
 * as an argument, and past ~120k of them the call stack overflows.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
