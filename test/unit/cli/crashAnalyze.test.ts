// `video-curator analyze` SIGKILLed mid-run, as a real process on the generated demo dataset: the
// next run resumes from the cache (clips finished before the kill are not analysed again), no cache
// read ever meets a damaged entry, and the results equal those of a run that was never interrupted.
// Kill points are chosen by watching the cache fill (and, for the random rounds, a seeded delay; set
// CRASH_ANALYZE_SEED to replay); the assertions hold for every kill point.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AnalysisResults } from '../../../src/core/analysis/analysisTypes';
import { generateDemoDataset } from '../../../src/core/demo/demoDataset';
import { datasetCacheRoot, MediaCache } from '../../../src/core/media/mediaCache';
import { ffmpeg, noFfmpeg } from '../../helpers/mediaFixtures';
import { runCli } from '../../helpers/runCli';
import { mulberry32 } from '../../../src/core/analysis/seededRandom';

const repo = join(__dirname, '..', '..', '..');
const DAMAGED = /discarded damaged cache entry/;

interface AnalyzeJson {
  analysis: AnalysisResults & { cache: { clipsReused: number; clipsAnalysed: number } };
}

/** Keys that hold how long something took: they differ between any two runs. */
const TIMING_KEY = /^(seconds|stageSeconds|createdAt)$/;

/** The results with what legitimately differs between runs taken out: timings, dates, output paths. */
function comparable(results: AnalysisResults): unknown {
  const copy = JSON.parse(
    JSON.stringify(results, (key, value: unknown) => (TIMING_KEY.test(key) ? undefined : value)),
  ) as AnalysisResults & Record<string, unknown>;
  delete copy.results;
  delete copy.report;
  delete copy.cache;
  const byVideo = (a: { video: string }, b: { video: string }) =>
    a.video < b.video ? -1 : a.video > b.video ? 1 : 0;
  // Clips finish in any order when two run side by side.
  return { ...copy, clips: [...copy.clips].sort(byVideo), failures: [...copy.failures].sort(byVideo) };
}

/** The clip-analysis entries on disk: path → inode (a rewrite by temp + rename gives a new inode). */
async function clipEntries(folder: string): Promise<Map<string, number>> {
  const root = join(datasetCacheRoot(folder), 'clip-analysis');
  const found = new Map<string, number>();
  for (const shard of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(join(root, shard)).catch(() => [] as string[])) {
      if (!name.endsWith('.json')) continue;
      const info = await stat(join(root, shard, name)).catch(() => undefined);
      if (info) found.set(join(shard, name), info.ino);
    }
  }
  return found;
}

/** Reads every entry in the cache through MediaCache, as a run would: all must verify. */
async function readWholeCache(folder: string): Promise<{ json: number; dirs: number; damaged: string[] }> {
  const damaged: string[] = [];
  const cache = new MediaCache(datasetCacheRoot(folder), { log: (line) => damaged.push(line) });
  let json = 0;
  let dirs = 0;
  for (const kind of await readdir(cache.root).catch(() => [] as string[])) {
    if (kind.startsWith('.')) continue;
    for (const shard of await readdir(join(cache.root, kind))) {
      for (const name of await readdir(join(cache.root, kind, shard))) {
        if (name.startsWith('.')) continue;
        if (name.endsWith('.json')) {
          assert.notEqual(await cache.getJson(kind, name.slice(0, -5)), undefined, `${kind}/${name}`);
          json++;
        } else if ((await stat(join(cache.root, kind, shard, name))).isDirectory()) {
          assert.ok(await cache.getDir(kind, name), `${kind}/${name}/`);
          dirs++;
        }
      }
    }
  }
  return { json, dirs, damaged };
}

interface Killed {
  entriesAtKill: Map<string, number>;
  stderr: string;
}

/**
 * Starts `analyze`, SIGKILLs it once `when` says so (polled every 10 ms against the clip entries on
 * disk and the time since start), and resolves after it is dead. Fails if it ends on its own first.
 */
async function analyzeAndKill(
  folder: string,
  when: (entries: number, elapsedMs: number) => boolean,
): Promise<Killed> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'analyze', folder, '--json'],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const started = Date.now();
  let entriesAtKill = new Map<string, number>();
  for (;;) {
    if (ended) break;
    const entries = await clipEntries(folder);
    if (when(entries.size, Date.now() - started)) {
      child.kill('SIGKILL');
      // What is on disk now is at least what was there at the kill; nothing writes after it.
      entriesAtKill = entries;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const { signal } = await exited;
  assert.equal(signal, 'SIGKILL', `analyze ended before the kill point; stderr:\n${stderr}`);
  return {
    entriesAtKill: new Map([...(await clipEntries(folder))].filter(([k]) => entriesAtKill.has(k))),
    stderr,
  };
}

describe('analyze killed with SIGKILL', { skip: noFfmpeg }, () => {
  let root: string;
  // One dataset folder for every run: a clip's identity (and so its dialogue seed) includes its path.
  let folder: string;
  let reference: { results: AnalysisResults };
  /** Starts over with no cache and no results, as if the dataset had never been analysed. */
  const freshState = () => rm(join(folder, '.video-curator'), { recursive: true, force: true });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'vc-crash-analyze-'));
    folder = join(root, 'demo');
    await generateDemoDataset(folder, { ffmpeg: ffmpeg! });
    // The uninterrupted run every interrupted one must match.
    const run = await runCli(['analyze', folder, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout) as AnalyzeJson;
    assert.ok(json.analysis.clips.length >= 5, 'the demo has clips to analyse');
    assert.equal(json.analysis.cache.clipsReused, 0);
    reference = { results: json.analysis };
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('after a kill mid-run, the re-run reuses the finished clips and ends with the same results', async () => {
    await freshState();
    const total = reference.results.clips.length;
    // Kill once two clips are cached: some done, some not.
    const killed = await analyzeAndKill(folder, (entries) => entries >= 2);
    const atKill = killed.entriesAtKill;
    assert.ok(atKill.size >= 2 && atKill.size < total, `${atKill.size} of ${total} clips cached at the kill`);
    assert.doesNotMatch(killed.stderr, DAMAGED);

    const rerun = await runCli(['analyze', folder, '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.doesNotMatch(rerun.stderr, DAMAGED, 'no cache read met a damaged entry');
    const json = JSON.parse(rerun.stdout) as AnalyzeJson;
    assert.ok(
      json.analysis.cache.clipsReused >= atKill.size,
      `reused ${json.analysis.cache.clipsReused}, ${atKill.size} were cached at the kill`,
    );
    assert.equal(json.analysis.cache.clipsReused + json.analysis.cache.clipsAnalysed, total);
    // The entries finished before the kill were read, not rewritten: same files, same inodes.
    const after = await clipEntries(folder);
    for (const [entry, inode] of atKill) assert.equal(after.get(entry), inode, `${entry} was analysed again`);
    assert.equal(after.size, total);
    assert.deepEqual(comparable(json.analysis), comparable(reference.results));
    // The killed run's raw-frame scratch (tens of MB per clip on real video) is gone after the re-run.
    const temps = await readdir(join(datasetCacheRoot(folder), '.tmp')).catch(() => [] as string[]);
    assert.deepEqual(
      temps.filter((name) => name.startsWith('scratch-')),
      [],
    );
  });

  test('three kills at random points: every cache entry left behind verifies, and the last run matches', async (t) => {
    const seed = Number(process.env.CRASH_ANALYZE_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (CRASH_ANALYZE_SEED=${seed} replays the kill points)`);
    const random = mulberry32(seed);
    await freshState();
    const total = reference.results.clips.length;
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = (await clipEntries(folder)).size;
      if (before >= total) break; // everything is cached already: nothing left to interrupt
      // Once 0-2 more clips are cached, then 0-1.5 s later: mid-clip, between clips, or in the samples stage.
      const target = Math.min(total, before + Math.floor(random() * 3));
      const extraMs = random() * 1500;
      let reachedAt: number | undefined;
      const killed = await analyzeAndKill(folder, (entries, elapsed) => {
        if (entries >= total) return true;
        if (entries >= target) reachedAt ??= elapsed;
        return reachedAt !== undefined && elapsed >= reachedAt + extraMs;
      });
      assert.doesNotMatch(killed.stderr, DAMAGED, `round ${round}`);
      const check = await readWholeCache(folder);
      assert.deepEqual(check.damaged, [], `round ${round}: damaged entries after the kill`);
      seen.push((await clipEntries(folder)).size);
    }
    t.diagnostic(`clips cached after each kill: ${seen.join(', ')} of ${total}`);
    const cachedBefore = (await clipEntries(folder)).size;
    const last = await runCli(['analyze', folder, '--json']);
    assert.equal(last.code, 0, last.stderr);
    assert.doesNotMatch(last.stderr, DAMAGED);
    const json = JSON.parse(last.stdout) as AnalyzeJson;
    assert.ok(json.analysis.cache.clipsReused >= cachedBefore);
    assert.deepEqual(comparable(json.analysis), comparable(reference.results));
    const check = await readWholeCache(folder);
    assert.deepEqual(check.damaged, []);
    assert.ok(check.dirs >= total, `${check.dirs} board-image folders for ${total} clips`);
  });
});
