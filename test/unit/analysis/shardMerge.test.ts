// Scale-out end to end: one `analyze` run, then the same dataset analysed as 4 shards in 4 separate
// processes (side by side, two of them on a separate cache) and merged. The merged results.json must
// equal the single run's in everything but timings and dates, and merge must refuse broken sets.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AnalysisResults, ClipAnalysis, SampleAnalysis } from '../../../src/core/analysis/analysisTypes';
import { mergeShards, readShardFiles, ShardMergeError } from '../../../src/core/analysis/mergeShards';
import type { LoadedShard, ShardResults } from '../../../src/core/analysis/mergeShards';
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

  test('a later plain analyze finds every clip in the dataset cache, pointing into it', async () => {
    // The scratch cache is gone (the test above removed it): everything must come from the import.
    await rm(scratchCache, { recursive: true, force: true });
    const run = await runCli(['analyze', root, '--device', 'cpu', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /discarded damaged cache entry/);
    const report = JSON.parse(run.stdout) as {
      analysis: AnalysisResults & { cache: { clipsReused: number; clipsAnalysed: number } };
    };
    assert.equal(report.analysis.cache.clipsAnalysed, 0, 'no clip analysed again');
    assert.equal(report.analysis.cache.clipsReused, merged.clips.length);
    const again = await readResults(root);
    const cache = datasetCacheRoot(root);
    for (const clip of again.clips) {
      for (const file of [...clip.filmstrip.map((f) => f.file), ...(clip.poster ? [clip.poster] : [])]) {
        assert.ok(file.startsWith(`${cache}/`), file);
        assert.ok((await stat(file)).size > 0, file);
      }
    }
    assert.deepStrictEqual(comparable(again), comparable(single));
  });

  test('merge moves only cache paths: other strings under the shard cache stay as they are', () => {
    const moved = structuredClone(shards[0]);
    moved.shard.cacheRoot = scratchCache;
    const clip = moved.shard.results.clips[0];
    const note = join(scratchCache, 'notes', 'a.txt');
    clip.tracks.params = { ...clip.tracks.params, note };
    const result = mergeShards(index, [moved, shards[1], shards[2], shards[3]], datasetCacheRoot(root));
    const out = result.clips.find((c) => c.video === clip.video)!;
    assert.equal(out.tracks.params.note, note);
    assert.deepEqual(out.filmstrip, clip.filmstrip, 'paths outside the shard cache are not moved');
  });

  test('merge and analyze --shard refuse a cache folder holding the dataset or inside its .video-curator', async () => {
    for (const [cacheRoot, pattern] of [
      [dirname(root), /contains the dataset folder/],
      [join(root, '.video-curator', 'scratch'), /inside the dataset's/],
    ] as const) {
      const odd = structuredClone(shards[2]);
      odd.shard.cacheRoot = cacheRoot;
      assert.throws(
        () => mergeShards(index, [shards[0], shards[1], odd, shards[3]], datasetCacheRoot(root)),
        (error: Error) =>
          error instanceof ShardMergeError && pattern.test(error.message) && /shard 2\/4/.test(error.message),
      );
      const run = await runCli([
        ...shardCommand(root, 0, SHARDS, join(work, 'refused')),
        '--cache',
        cacheRoot,
      ]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, pattern);
      await assert.rejects(stat(join(work, 'refused')), 'nothing written');
    }
  });

  test('merge refuses a video analysed in one shard and failed in another, naming both', () => {
    const owner = shards.find((l) => l.shard.results.clips.length > 0)!;
    const clip = owner.shard.results.clips[0];
    const other = shards.find(
      (l) => l !== owner && !l.shard.results.clips.some((c) => c.video === clip.video),
    )!;
    const failed = structuredClone(other);
    failed.shard.results.failures.push({
      video: clip.video,
      code: 'timeout',
      message: 'decoding took too long',
    });
    const set = shards.map((l) => (l === other ? failed : l));
    assert.throws(
      () => mergeShards(index, set, datasetCacheRoot(root)),
      (error: Error) =>
        error instanceof ShardMergeError &&
        error.message.includes(clip.video) &&
        error.message.includes(`analysed in shard ${owner.shard.shard.index}/4`) &&
        error.message.includes(`failed in shard ${other.shard.shard.index}/4`) &&
        error.message.includes('timeout') &&
        error.message.includes(`run shard ${other.shard.shard.index}/4 again`),
    );
  });

  test('a hand-edited shard file is refused with what is wrong, not a crash', async () => {
    const edits: [string, (file: ShardResults) => void, RegExp][] = [
      [
        'no dataset',
        (f) => delete (f.results as Partial<AnalysisResults>).dataset,
        /results\.dataset is not an object/,
      ],
      [
        'null settings',
        (f) => ((f.results as { settings: unknown }).settings = null),
        /results\.settings is not an object/,
      ],
      [
        'string seconds',
        (f) => ((f.results.dataset as { seconds: unknown }).seconds = 'slow'),
        /results\.dataset\.seconds/,
      ],
      [
        'clip without video',
        (f) => delete (f.results.clips[0] as Partial<ClipAnalysis>).video,
        /results\.clips\[0\]\.video/,
      ],
      [
        'filmstrip not a list',
        (f) => ((f.results.clips[0] as { filmstrip: unknown }).filmstrip = 'x'),
        /results\.clips\[0\]\.filmstrip/,
      ],
      [
        'sample without flags',
        (f) => delete (f.results.samples[0] as Partial<SampleAnalysis>).flags,
        /results\.samples\[0\]\.flags/,
      ],
      [
        'failure without code',
        (f) => ((f.results as { failures: unknown }).failures = [{ video: 'v' }]),
        /results\.failures\[0\]/,
      ],
    ];
    for (const [what, edit, pattern] of edits) {
      const folder = join(work, 'edited', what.replaceAll(' ', '-'));
      await cp(shardsDir, folder, { recursive: true });
      const file = join(folder, '1-of-4.json');
      const value = JSON.parse(await readFile(file, 'utf8')) as ShardResults;
      if (!value.results.clips.length)
        value.results.clips.push(structuredClone(shards[0].shard.results.clips[0]));
      edit(value);
      await writeFile(file, JSON.stringify(value));
      await assert.rejects(
        async () => mergeShards(index, await readShardFiles([folder]), datasetCacheRoot(root)),
        (error: Error) =>
          error instanceof ShardMergeError && pattern.test(error.message) && error.message.includes(file),
        what,
      );
    }
    const run = await runCli(mergeCommand(root, join(work, 'edited', 'no-dataset')));
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /1-of-4\.json is damaged or was edited \(results\.dataset is not an object\)/);
    assert.doesNotMatch(run.stderr, /TypeError/);
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
