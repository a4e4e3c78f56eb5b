// Where a sample's number sits in its dataset: percentiles for colouring (p10/p50/p90) and a rank
// for the "bottom share" flag. Non-finite values (samples without a TPL) are left out.

export interface Percentiles {
  p10: number;
  p50: number;
  p90: number;
}

/** The q-quantile (0..1) of ascending values, linear between closest ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Ascending finite values. */
export function sortedFinite(values: Iterable<number | undefined>): number[] {
  const out: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  return out.sort((a, b) => a - b);
}

/** p10, p50, p90 of the finite values; undefined when there are none. */
export function tplPercentiles(values: Iterable<number | undefined>): Percentiles | undefined {
  const sorted = sortedFinite(values);
  if (sorted.length === 0) return undefined;
  return { p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

/**
 * Mid-rank percentile in 0..1 of `value` among ascending `sorted` values: (below + equal / 2) / n.
 * Ties share one rank, so a dataset of equal values puts every sample at 0.5, none in a bottom share.
 */
export function percentileRank(value: number, sorted: readonly number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const below = firstAtLeast(sorted, value);
  let equal = 0;
  while (below + equal < sorted.length && sorted[below + equal] === value) equal++;
  return (below + equal / 2) / sorted.length;
}

function firstAtLeast(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
