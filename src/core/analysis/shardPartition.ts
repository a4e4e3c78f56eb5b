// Splitting one analyze run over n machines: every sample belongs to exactly one shard, chosen by a
// hash of its id, so each machine can work out its own part from the dataset alone (no coordinator)
// and the same sample lands in the same shard on every run.
import { createHash } from 'node:crypto';

/** Shard `index` of `count` (0 <= index < count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** A --shard value that is not of the form i/n. */
export class ShardSpecError extends Error {}

// Above this the partition is more a typo than a plan; it also keeps file names short.
export const MAX_SHARDS = 100_000;

/** Parses "i/n" (e.g. "0/4"), with clear errors for every other form. */
export function parseShardSpec(text: string): ShardSpec {
  const expected =
    'expected i/n with whole numbers 0 <= i < n, e.g. --shard 0/4 for the first of four shards';
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ShardSpecError(`--shard "${text}" is not of the form i/n: ${expected}`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new ShardSpecError(`--shard "${text}": n must be at least 1 (${expected})`);
  if (count > MAX_SHARDS) throw new ShardSpecError(`--shard "${text}": n is at most ${MAX_SHARDS}`);
  if (index >= count)
    throw new ShardSpecError(
      `--shard "${text}": i must be below n (shards count from 0, so ${count} shards are 0/${count} to ${count - 1}/${count})`,
    );
  return { index, count };
}

export function formatShardSpec(spec: ShardSpec): string {
  return `${spec.index}/${spec.count}`;
}

/** The shard a sample id belongs to: the first 48 bits of sha256(id), modulo n. */
export function shardOfSample(sampleId: string, count: number): number {
  const digest = createHash('sha256').update(sampleId, 'utf8').digest();
  // 48 bits stay exact in a double; the modulo bias for n << 2^48 is negligible.
  return digest.readUIntBE(0, 6) % count;
}

export function inShard(sampleId: string, spec: ShardSpec): boolean {
  return shardOfSample(sampleId, spec.count) === spec.index;
}

/** The shard's results file name: `<i>-of-<n>.json`. */
export function shardFileName(spec: ShardSpec): string {
  return `${spec.index}-of-${spec.count}.json`;
}
