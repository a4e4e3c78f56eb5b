import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appendAll, pushTo } from '../../src/core/collections';

test('appendAll takes dataset-sized lists, where push(...items) overflows the stack', () => {
  const items = Array.from({ length: 500_000 }, (_, i) => i);
  assert.throws(() => [].push(...(items as never[])), RangeError, 'this engine would overflow on spread');
  const target = [-1];
  appendAll(target, items);
  assert.equal(target.length, 500_001);
  assert.equal(target[500_000], 499_999);
  appendAll(target, new Set([7]));
  assert.equal(target.at(-1), 7);
});

test('pushTo groups in place', () => {
  const groups = new Map<string, number[]>();
  for (const [k, v] of [
    ['a', 1],
    ['b', 2],
    ['a', 3],
  ] as const)
    pushTo(groups, k, v);
  assert.deepEqual(
    [...groups],
    [
      ['a', [1, 3]],
      ['b', [2]],
    ],
  );
});
