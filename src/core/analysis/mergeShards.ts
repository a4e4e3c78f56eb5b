// Shard results files and their merge. `analyze --shard i/n` writes one file per shard (its samples,
// the clips they use, the failures, where its media cache is); merge checks that the files form one
// complete, consistent run of the same dataset, then builds the results a single run would have made:
// samples in index order, clips in video order, dataset-level context recomputed over all samples.
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { DatasetIndex } from '../dataset/indexDataset';
import type { Sample } from '../dataset/sample';
import { canonicalJson } from '../media/mediaCache';
import type { AnalysisResults, ClipAnalysis, SampleAnalysis } from './analysisTypes';
import { ANALYSIS_VERSION, applyDatasetContext, selectSamples } from './analyzeDataset';
import { formatShardSpec, shardFileName, shardOfSample } from './shardPartition';
import type { ShardSpec } from './shardPartition';

export const SHARD_FORMAT = 'video-curator-shard';
export const SHARD_FORMAT_VERSION = 1;
const SHARD_FILE_PATTERN = /^\d+-of-\d+\.json$/;

/** The samples the whole run covers (before partitioning), so merge can tell a complete set. */
export interface ShardSelection {
  only?: string[];
  limit?: number;
  /** How many samples the run selected, over all shards. */
  samples: number;
  /** sha256 over the selected samples' ids and videos, in index order. */
  fingerprint: string;
}

export interface ShardResults {
  format: typeof SHARD_FORMAT;
  formatVersion: number;
  shard: ShardSpec;
  selection: ShardSelection;
  /** The media cache this shard wrote (filmstrips and posters in `results` point into it). */
  cacheRoot: string;
  /** This shard's part. Dataset-level context (TPL percentiles, low-tpl) is left to the merge. */
  results: AnalysisResults;
}

export interface LoadedShard {
  path: string;
  shard: ShardResults;
}

/** A shard set that cannot be merged; the message says which file and what to do. */
export class ShardMergeError extends Error {}

export function selectionOf(
  index: DatasetIndex,
  options: { only?: ReadonlySet<string>; limit?: number },
): ShardSelection {
  const selected = selectSamples(index.samples, options);
  return {
    ...(options.only ? { only: [...options.only].sort() } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    samples: selected.length,
    fingerprint: fingerprintSamples(selected),
  };
}

function fingerprintSamples(samples: readonly Sample[]): string {
  const hash = createHash('sha256');
  for (const s of samples) hash.update(`${s.id}\0${s.video ?? ''}\n`);
  return hash.digest('hex');
}

export function makeShardResults(
  results: AnalysisResults,
  spec: ShardSpec,
  selection: ShardSelection,
  cacheRoot: string,
): ShardResults {
  return {
    format: SHARD_FORMAT,
    formatVersion: SHARD_FORMAT_VERSION,
    shard: spec,
    selection,
    cacheRoot: resolve(cacheRoot),
    results,
  };
}

/** Reads shard files; a folder stands for every `<i>-of-<n>.json` in it. */
export async function readShardFiles(paths: readonly string[]): Promise<LoadedShard[]> {
  const files: string[] = [];
  for (const given of paths) {
    const path = resolve(given);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ShardMergeError(`shard results not found: ${path}`);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => SHARD_FILE_PATTERN.test(n)).sort(byShardName);
      if (names.length === 0)
        throw new ShardMergeError(
          `no shard results (<i>-of-<n>.json) in ${path}: run \`video-curator analyze <folder> --shard i/n\` first`,
        );
      files.push(...names.map((n) => join(path, n)));
    } else files.push(path);
  }
  const loaded: LoadedShard[] = [];
  for (const path of files) {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new ShardMergeError(
        `${path} is not readable JSON (${(error as Error).message}); run that shard again`,
      );
    }
    loaded.push({ path, shard: checkShape(path, value) });
  }
  return loaded;
}

function byShardName(a: string, b: string): number {
  const [ai, an] = a.split(/-of-|\./).map(Number);
  const [bi, bn] = b.split(/-of-|\./).map(Number);
  return an - bn || ai - bi;
}

function checkShape(path: string, value: unknown): ShardResults {
  const shard = value as Partial<ShardResults> | null;
  if (!shard || typeof shard !== 'object' || shard.format !== SHARD_FORMAT)
    throw new ShardMergeError(
      `${path} is not a shard results file (written by \`video-curator analyze --shard i/n\`)`,
    );
  if (shard.formatVersion !== SHARD_FORMAT_VERSION)
    throw new ShardMergeError(
      `${path} has shard format ${String(shard.formatVersion)}, this video-curator reads ${SHARD_FORMAT_VERSION}: run every shard with the same version`,
    );
  const spec = shard.shard;
  if (
    !spec ||
    !Number.isInteger(spec.index) ||
    !Number.isInteger(spec.count) ||
    spec.count < 1 ||
    spec.index < 0 ||
    spec.index >= spec.count
  )
    throw new ShardMergeError(`${path}: its shard number is not a valid i/n`);
  const results = shard.results;
  if (
    !results ||
    !Array.isArray(results.samples) ||
    !Array.isArray(results.clips) ||
    !Array.isArray(results.failures) ||
    typeof shard.selection?.fingerprint !== 'string' ||
    typeof shard.cacheRoot !== 'string'
  )
    throw new ShardMergeError(
      `${path} is incomplete (no samples, clips, failures or selection): run that shard again`,
    );
  return shard as ShardResults;
}

/**
 * Checks the shard set and combines it into one run's results for `index` (the dataset as it is
 * now: it must be the one the shards saw). `cacheRoot` is the cache the merged results point into;
 * shards that used another cache must have been imported there first (importShardCaches).
 */
export function mergeShards(
  index: DatasetIndex,
  loaded: readonly LoadedShard[],
  cacheRoot: string,
): AnalysisResults {
  if (loaded.length === 0) throw new ShardMergeError('no shard results to merge');
  const first = loaded[0];
  const name = (l: LoadedShard): string => `shard ${formatShardSpec(l.shard.shard)} (${l.path})`;

  // One complete set: the same n everywhere, every i once.
  const count = first.shard.shard.count;
  for (const l of loaded)
    if (l.shard.shard.count !== count)
      throw new ShardMergeError(
        `${name(l)} is one of ${l.shard.shard.count} shards but ${name(first)} is one of ${count}: merge the files of one run only`,
      );
  const byIndex = new Map<number, LoadedShard>();
  for (const l of loaded) {
    const seen = byIndex.get(l.shard.shard.index);
    if (seen)
      throw new ShardMergeError(
        `shard ${formatShardSpec(l.shard.shard)} is given twice: ${seen.path} and ${l.path}`,
      );
    byIndex.set(l.shard.shard.index, l);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new ShardMergeError(
      `missing ${missing.length} of ${count} shards: ${missing
        .slice(0, 10)
        .map((i) => shardFileName({ index: i, count }))
        .join(
          ', ',
        )}${missing.length > 10 ? ', ...' : ''} (run \`video-curator analyze <folder> --shard i/${count}\` for each)`,
    );
  const shards = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, l]) => l);

  // The same dataset, selection, settings and analysis version.
  for (const l of shards) {
    const r = l.shard.results;
    if (r.version !== ANALYSIS_VERSION)
      throw new ShardMergeError(
        `${name(l)} has results version ${r.version}, this video-curator writes ${ANALYSIS_VERSION}: run it again`,
      );
    if (r.folder !== index.folder)
      throw new ShardMergeError(
        `${name(l)} analysed ${r.folder}, not ${index.folder}: merge on the path the shards saw (results hold absolute paths)`,
      );
    if (canonicalJson(r.settings) !== canonicalJson(first.shard.results.settings))
      throw new ShardMergeError(
        `${name(l)} ran with other settings than ${name(first)}: ${canonicalJson(r.settings)} vs ${canonicalJson(first.shard.results.settings)}; run every shard with the same options and device`,
      );
    if (canonicalJson(l.shard.selection) !== canonicalJson(first.shard.selection))
      throw new ShardMergeError(
        `${name(l)} selected other samples than ${name(first)} (different --only/--limit, or the dataset changed between them): run every shard with the same options on the same dataset`,
      );
  }
  const recorded = first.shard.selection;
  const expected = selectSamples(index.samples, {
    ...(recorded.only ? { only: new Set(recorded.only) } : {}),
    ...(recorded.limit !== undefined ? { limit: recorded.limit } : {}),
  });
  if (fingerprintSamples(expected) !== recorded.fingerprint)
    throw new ShardMergeError(
      `the dataset in ${index.folder} has changed since the shards ran (samples or their videos differ): run the shards again`,
    );
  checkModels(shards, name);

  // Samples: each in its own shard, once, all present; then in index order.
  const found = new Map<string, SampleAnalysis>();
  for (const l of shards) {
    for (const s of l.shard.results.samples) {
      const owner = shardOfSample(s.sampleId, count);
      if (owner !== l.shard.shard.index)
        throw new ShardMergeError(
          `${name(l)} holds sample "${s.sampleId}", which belongs to shard ${owner}/${count}: the file was not written by that shard`,
        );
      if (found.has(s.sampleId)) throw new ShardMergeError(`${name(l)} holds sample "${s.sampleId}" twice`);
      found.set(s.sampleId, s);
    }
  }
  const absent = expected.filter((s) => !found.has(s.id));
  if (absent.length)
    throw new ShardMergeError(
      `${absent.length} samples have no result, e.g. "${absent[0].id}" (shard ${shardOfSample(absent[0].id, count)}/${count}): run that shard again`,
    );
  // A deep copy, so the low-tpl flags added below do not touch the shard objects.
  const samples = expected.map((s) => structuredClone(found.get(s.id)!));

  // Clips: a clip shared by samples in several shards was analysed in each; keep the first, after
  // checking they describe the same content with the same parameters.
  const clips = new Map<string, ClipAnalysis>();
  const clipShard = new Map<string, LoadedShard>();
  for (const l of shards) {
    for (const clip of l.shard.results.clips) {
      const seen = clips.get(clip.video);
      if (!seen) {
        clips.set(clip.video, rebase(clip, l.shard.cacheRoot, cacheRoot));
        clipShard.set(clip.video, l);
      } else if (
        seen.identity !== clip.identity ||
        canonicalJson([seen.params, seen.models]) !== canonicalJson([clip.params, clip.models])
      )
        throw new ShardMergeError(
          `${clip.video} differs between ${name(clipShard.get(clip.video)!)} and ${name(l)} (the video changed, or other parameters or models): run the shards again`,
        );
    }
  }
  const failures = new Map<string, AnalysisResults['failures'][number]>();
  for (const l of shards)
    for (const f of l.shard.results.failures) if (!failures.has(f.video)) failures.set(f.video, f);
  const byKey = <T>(entries: Map<string, T>): T[] =>
    [...entries.keys()].sort().map((key) => entries.get(key)!);

  const percentiles = applyDatasetContext(samples);
  const mergedClips = byKey(clips);
  return {
    version: ANALYSIS_VERSION,
    folder: index.folder,
    createdAt: new Date().toISOString(),
    settings: first.shard.results.settings,
    clips: mergedClips,
    samples,
    failures: byKey(failures),
    dataset: {
      ...(percentiles ? { tplPercentiles: percentiles } : {}),
      samples: samples.length,
      clips: mergedClips.length,
      // Shards run side by side: the run took as long as its slowest shard.
      seconds: Math.max(...shards.map((l) => l.shard.results.dataset.seconds)),
    },
  };
}

/** Every model any shard used must have one version across shards (same image, same models folder). */
function checkModels(shards: readonly LoadedShard[], name: (l: LoadedShard) => string): void {
  const versions = new Map<string, { version: string; shard: LoadedShard }>();
  for (const l of shards) {
    for (const use of modelUses(l.shard.results)) {
      const seen = versions.get(use.id);
      if (!seen) versions.set(use.id, { version: use.version, shard: l });
      else if (seen.version !== use.version)
        throw new ShardMergeError(
          `model ${use.id} is version ${seen.version} in ${name(seen.shard)} but ${use.version} in ${name(l)}: run every shard with the same image and models`,
        );
    }
  }
}

function modelUses(results: AnalysisResults): { id: string; version: string }[] {
  const uses: { id: string; version: string }[] = [];
  const isUse = (v: unknown): v is { id: string; version: string } =>
    !!v &&
    typeof (v as { id?: unknown }).id === 'string' &&
    typeof (v as { version?: unknown }).version === 'string';
  const walk = (value: unknown, key: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, key === 'models' ? 'model' : '');
    } else if (value && typeof value === 'object') {
      if (key === 'model' && isUse(value)) uses.push(value);
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(results.clips, '');
  walk(results.samples, '');
  return uses;
}

/** A copy of `value` with every string under folder `from` moved under `to`. */
function rebase<T>(value: T, from: string, to: string): T {
  if (resolve(from) === resolve(to)) return value;
  const prefix = resolve(from) + sep;
  const target = resolve(to) + sep;
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    typeof item === 'string' && item.startsWith(prefix) ? target + item.slice(prefix.length) : item,
  ) as T;
}

/**
 * Copies the entries of shard caches other than `targetRoot` into it (entries already there are
 * kept), rewriting paths inside JSON entries, so the editor finds filmstrips and a later run finds
 * cached clips. Each entry lands by rename from a temp, as MediaCache's own writes do.
 */
export async function importShardCaches(
  shards: readonly LoadedShard[],
  targetRoot: string,
): Promise<{ entries: number }> {
  const target = resolve(targetRoot);
  const sources = [...new Set(shards.map((l) => resolve(l.shard.cacheRoot)))].filter((r) => r !== target);
  let entries = 0;
  for (const source of sources) {
    if (!(await stat(source).catch(() => undefined))?.isDirectory())
      throw new ShardMergeError(
        `the shards' cache ${source} is not there: merge where the shards' storage is mounted at the same path`,
      );
    for (const kind of await listVisible(source)) {
      for (const bucket of await listVisible(join(source, kind))) {
        for (const entry of await listVisible(join(source, kind, bucket))) {
          const final = join(target, kind, bucket, entry);
          if (await stat(final).catch(() => undefined)) continue;
          const temp = join(target, '.tmp', `import-${process.pid}-${randomBytes(6).toString('hex')}`);
          await mkdir(join(target, '.tmp'), { recursive: true });
          try {
            await cp(join(source, kind, bucket, entry), temp, { recursive: true, preserveTimestamps: true });
            await rebaseJsonFiles(temp, source, target);
            await mkdir(join(target, kind, bucket), { recursive: true });
            if (await stat(final).catch(() => undefined)) continue;
            await rename(temp, final);
            entries++;
          } finally {
            await rm(temp, { recursive: true, force: true });
          }
        }
      }
    }
  }
  return { entries };
}

async function listVisible(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.')).sort();
}

async function rebaseJsonFiles(path: string, from: string, to: string): Promise<void> {
  const info = await stat(path);
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await rebaseJsonFiles(join(path, name), from, to);
    return;
  }
  if (!path.endsWith('.json')) return;
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return; // not ours to fix: the cache treats an unreadable entry as a miss
  }
  const moved = JSON.stringify(rebase(value, from, to));
  if (moved !== JSON.stringify(value)) await writeFile(path, moved);
}
