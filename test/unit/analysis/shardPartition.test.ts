// The partition behind `analyze --shard i/n`: every sample in exactly one shard, stably, evenly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  inShard,
  parseShardSpec,
  shardFileName,
  shardOfSample,
} from '../../../src/core/analysis/shardPartition';

test('--shard accepts i/n with 0 <= i < n and says which form it expects otherwise', () => {
  assert.deepEqual(parseShardSpec('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShardSpec('3/4'), { index: 3, count: 4 });
  assert.deepEqual(parseShardSpec(' 0 / 1 '), { index: 0, count: 1 });
  for (const bad of ['4/4', '5/4'])
    assert.throws(() => parseShardSpec(bad), /i must be below n.*0\/4 to 3\/4/);
  assert.throws(() => parseShardSpec('0/0'), /n must be at least 1/);
  for (const bad of ['1', '-1/4', '1.5/4', 'a/b', '1/4/2', '', '$(JOB_COMPLETION_INDEX)/4'])
    assert.throws(() => parseShardSpec(bad), /not of the form i\/n: expected i\/n with whole numbers/, bad);
  assert.throws(() => parseShardSpec('0/1000000'), /at most/);
  assert.equal(shardFileName({ index: 2, count: 8 }), '2-of-8.json');
});

test('the shard of an id is fixed by sha256 of the id (same answer on every machine and run)', () => {
  // Recomputed here from the definition: the first 48 bits of sha256(id), modulo n.
  for (const id of ['counter-describe', 'a', 'é#1']) {
    const first48 = createHash('sha256').update(id, 'utf8').digest().readUIntBE(0, 6);
    for (const n of [1, 2, 3, 4, 7, 64]) assert.equal(shardOfSample(id, n), first48 % n);
  }
});

test('every id lands in exactly one shard, and shards get about equal shares', () => {
  fc.assert(
    fc.property(fc.string(), fc.integer({ min: 1, max: 50 }), (id, n) => {
      const owners = Array.from({ length: n }, (_, i) => i).filter((i) =>
        inShard(id, { index: i, count: n }),
      );
      return owners.length === 1 && owners[0] === shardOfSample(id, n);
    }),
  );
  const counts = new Array<number>(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[shardOfSample(`sample-${i}`, 8)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `shard sizes ${counts.join(', ')}`);
});
