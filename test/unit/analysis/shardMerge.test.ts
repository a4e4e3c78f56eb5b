// Scale-out end to end: one `analyze` run, then the same dataset analysed as 4 shards in 4 separate
// processes (side by side, two of them on a separate cache) and merged. The merged results.json must
// equal the single run's in everything but timings and dates, and merge must refuse broken sets.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AnalysisResults } from '../../../src/core/analysis/analysisTypes';
import { mergeShards, readShardFiles } from '../../../src/core/analysis/mergeShards';
import type { LoadedShard } from '../../../src/core/analysis/mergeShards';
import { shardOfSample } from '../../../src/core/analysis/shardPartition';
import { generateDemoDataset } from '../../../src/core/demo/demoDataset';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import type { DatasetIndex } from '../../../src/core/dataset/indexDataset';
import { datasetCacheRoot } from '../../../src/core/media/mediaCache';
import { ffmpeg, noFfmpeg } from '../../helpers/mediaFixtures';
import { runCli } from '../../helpers/runCli';
import { mergeCommand, shardCommand } from '../deploy/shardCommandForm';

const SHARDS = 4;

/** Drops what legitimately differs between two runs of the same analysis: wall times and the date. */
function comparable(results: AnalysisResults): unknown {
  const { createdAt: _date, dataset, clips, ...rest } = structuredClone(results);
  const { seconds: _wall, ...datasetRest } = dataset;
  return {
    ...rest,
    dataset: datasetRest,
    clips: clips.map(({ seconds: _clipWall, stageSeconds: _stages, ...clip }) => clip),
  };
}

async function readResults(folder: string): Promise<AnalysisResults> {
  return JSON.parse(
    await readFile(join(folder, '.video-curator', 'results.json'), 'utf8'),
  ) as AnalysisResults;
}

describe('analyze --shard i/4 in 4 processes, then merge, equals one analyze run', { skip: noFfmpeg }, () => {
  let work: string;
  let root: string;
  let single: AnalysisResults;
  let merged: AnalysisResults;
  let shardsDir: string;
  let scratchCache: string;
  let index: DatasetIndex;
  let shards: LoadedShard[];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vc-shards-'));
    root = join(work, 'dataset');
    shardsDir = join(work, 'shared', 'shards');
    scratchCache = join(work, 'scratch-cache');
    await generateDemoDataset(root, { ffmpeg: ffmpeg! });

    const one = await runCli(['analyze', root, '--device', 'cpu']);
    assert.equal(one.code, 0, one.stderr);
    single = await readResults(root);
    // Start the shards from nothing, so they analyse rather than read the single run's cache.
    await rm(join(root, '.video-curator'), { recursive: true, force: true });

    const runs = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        runCli([
          ...shardCommand(root, i, SHARDS, shardsDir),
          '--device',
          'cpu',
          // Shards 2 and 3 keep their media cache apart (e.g. node-local): merge must import it.
          ...(i >= 2 ? ['--cache', scratchCache] : []),
        ]),
      ),
    );
    for (const [i, run] of runs.entries()) assert.equal(run.code, 0, `shard ${i}: ${run.stderr}`);
    await assert.rejects(
      stat(join(root, '.video-curator', 'results.json')),
      'shards leave results.json to merge',
    );

    const merge = await runCli(mergeCommand(root, shardsDir));
    assert.equal(merge.code, 0, merge.stderr);
    assert.match(merge.stdout, /merged 4 shards, imported \d+ cache entries/);
    merged = await readResults(root);
    index = await indexDataset(root);
    shards = await readShardFiles([shardsDir]);
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the split is real: every shard has samples, and some clip is analysed by two shards', () => {
    assert.equal(shards.length, SHARDS);
    const clipShards = new Map<string, number>();
    for (const { shard } of shards) {
      assert.ok(shard.results.samples.length > 0, `shard ${shard.shard.index} has samples`);
      for (const s of shard.results.samples)
        assert.equal(shardOfSample(s.sampleId, SHARDS), shard.shard.index);
      for (const c of shard.results.clips) clipShards.set(c.video, (clipShards.get(c.video) ?? 0) + 1);
    }
    assert.ok([...clipShards.values()].some((n) => n > 1));
  });

  test('merged results.json equals the single run, except wall times and the date', () => {
    assert.ok(single.clips.length >= 5 && single.samples.length >= 10 && single.failures.length >= 1);
    assert.deepStrictEqual(comparable(merged), comparable(single));
  });

  test('the editor finds everything in the dataset: filmstrips and posters are in its own cache', async () => {
    await rm(scratchCache, { recursive: true, force: true });
    const cache = datasetCacheRoot(root);
    for (const clip of merged.clips) {
      for (const file of [...clip.filmstrip.map((f) => f.file), ...(clip.poster ? [clip.poster] : [])]) {
        assert.ok(file.startsWith(`${cache}/`), file);
        assert.ok((await stat(file)).size > 0, file);
      }
    }
    await stat(join(root, '.video-curator', 'report.html'));
  });

  test('merge refuses a set with a shard missing, given twice, or from another run', () => {
    const fail = (set: LoadedShard[], pattern: RegExp) =>
      assert.throws(() => mergeShards(index, set, datasetCacheRoot(root)), pattern);
    fail(shards.slice(0, 3), /missing 1 of 4 shards: 3-of-4\.json/);
    fail([...shards, shards[1]], /shard 1\/4 is given twice/);
    const other = structuredClone(shards[2]);
    other.shard.shard = { index: 2, count: 8 };
    fail([shards[0], shards[1], other, shards[3]], /one of 8 shards but .* one of 4/);
    const settings = structuredClone(shards[3]);
    settings.shard.results.settings = { ...settings.shard.results.settings, provider: 'cuda' };
    fail([shards[0], shards[1], shards[2], settings], /other settings/);
    const selection = structuredClone(shards[1]);
    selection.shard.selection = { ...selection.shard.selection, limit: 3 };
    fail([shards[0], selection, shards[2], shards[3]], /selected other samples/);
    const stray = structuredClone(shards[0]);
    stray.shard.results.samples.push(structuredClone(shards[1].shard.results.samples[0]));
    fail([stray, shards[1], shards[2], shards[3]], /belongs to shard 1\/4/);
    const lost = structuredClone(shards[2]);
    lost.shard.results.samples.pop();
    fail([shards[0], shards[1], lost, shards[3]], /samples have no result/);
    const model = structuredClone(shards[3]);
    const use = model.shard.results.clips[0].models[0];
    model.shard.results.clips[0].models[0] = { ...use, version: `${use.version}-other` };
    fail([shards[0], shards[1], shards[2], model], new RegExp(`model ${use.id} is version`));
  });

  test('merge refuses a dataset that changed since the shards ran', () => {
    const changed: DatasetIndex = { ...index, samples: index.samples.slice(1) };
    assert.throws(
      () => mergeShards(changed, shards, datasetCacheRoot(root)),
      /has changed since the shards ran/,
    );
  });

  test('the CLI says what is wrong and writes nothing when the set is incomplete', async () => {
    const partial = join(work, 'partial');
    await cp(shardsDir, partial, { recursive: true });
    await rm(join(partial, '1-of-4.json'));
    const before = await readFile(join(root, '.video-curator', 'results.json'), 'utf8');
    const run = await runCli(mergeCommand(root, partial));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing 1 of 4 shards: 1-of-4\.json/);
    assert.equal(await readFile(join(root, '.video-curator', 'results.json'), 'utf8'), before);
    const bad = await runCli(['analyze', root, '--shard', '4/4']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /i must be below n/);
  });
});
