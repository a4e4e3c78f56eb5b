// Shard results files and their merge. `analyze --shard i/n` writes one file per shard (its samples,
// the clips they use, the failures, where its media cache is); merge checks that the files form one
// complete, consistent run of the same dataset, then builds the results a single run would have made:
// samples in index order, clips in video order, dataset-level context recomputed over all samples.
import { createHash } from 'node:crypto';
import { copyFile, cp, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { DatasetIndex } from '../dataset/indexDataset';
import type { Sample } from '../dataset/sample';
import { canonicalJson, datasetCacheRoot, DIR_MANIFEST, MediaCache } from '../media/mediaCache';
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
    !isRecord(spec) ||
    !Number.isInteger(spec.index) ||
    !Number.isInteger(spec.count) ||
    spec.count < 1 ||
    spec.index < 0 ||
    spec.index >= spec.count
  )
    throw new ShardMergeError(`${path}: its shard number is not a valid i/n`);
  const results = shard.results;
  if (
    !isRecord(results) ||
    !Array.isArray(results.samples) ||
    !Array.isArray(results.clips) ||
    !Array.isArray(results.failures) ||
    !isRecord(shard.selection) ||
    typeof shard.selection.fingerprint !== 'string' ||
    typeof shard.cacheRoot !== 'string'
  )
    throw new ShardMergeError(
      `${path} is incomplete (no samples, clips, failures or selection): run that shard again`,
    );
  const problem = shapeProblem(shard as ShardResults);
  if (problem)
    throw new ShardMergeError(`${path} is damaged or was edited (${problem}): run that shard again`);
  return shard as ShardResults;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** The first field merge (and the report it writes) reads that is missing or of the wrong type. */
function shapeProblem(shard: ShardResults): string | undefined {
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const { selection, results } = shard;
  if (!isNumber(selection.samples)) return 'selection.samples is not a number';
  if (selection.only !== undefined && !(Array.isArray(selection.only) && selection.only.every(isString)))
    return 'selection.only is not a list of sample ids';
  if (selection.limit !== undefined && !isNumber(selection.limit)) return 'selection.limit is not a number';
  if (!isNumber(results.version)) return 'results.version is not a number';
  if (!isString(results.folder)) return 'results.folder is not a path';
  if (!isRecord(results.settings)) return 'results.settings is not an object';
  if (!isRecord(results.dataset)) return 'results.dataset is not an object';
  if (!isNumber(results.dataset.seconds)) return 'results.dataset.seconds is not a number';
  for (const [i, clip] of (results.clips as unknown[]).entries()) {
    const at = `results.clips[${i}]`;
    if (!isRecord(clip)) return `${at} is not an object`;
    if (!isString(clip.video)) return `${at}.video is not a path`;
    if (!isString(clip.identity)) return `${at}.identity is not a string`;
    if (!isNumber(clip.duration)) return `${at}.duration is not a number`;
    if (!isRecord(clip.params)) return `${at}.params is not an object`;
    if (
      !Array.isArray(clip.models) ||
      !clip.models.every((m) => isRecord(m) && isString(m.id) && isString(m.version))
    )
      return `${at}.models is not a list of models`;
    if (!Array.isArray(clip.filmstrip) || !clip.filmstrip.every((f) => isRecord(f) && isString(f.file)))
      return `${at}.filmstrip is not a list of frames with files`;
    if (clip.poster !== undefined && !isString(clip.poster)) return `${at}.poster is not a path`;
    if (!isRecord(clip.shots) || !Array.isArray(clip.shots.cuts)) return `${at}.shots is not a shot result`;
    if (!isRecord(clip.signals) || !isNumber(clip.signals.density) || !isNumber(clip.signals.dynamics))
      return `${at}.signals is not a signal result`;
    if (!isRecord(clip.tracks) || !Array.isArray(clip.tracks.tracks))
      return `${at}.tracks is not a track result`;
    if (!Array.isArray(clip.dialogues)) return `${at}.dialogues is not a list`;
  }
  for (const [i, sample] of (results.samples as unknown[]).entries()) {
    const at = `results.samples[${i}]`;
    if (!isRecord(sample)) return `${at} is not an object`;
    if (!isString(sample.sampleId)) return `${at}.sampleId is not a string`;
    if (sample.video !== undefined && !isString(sample.video)) return `${at}.video is not a path`;
    if (!isRecord(sample.tpl)) return `${at}.tpl is not an object`;
    if (sample.tpl.tpl !== undefined && !isNumber(sample.tpl.tpl)) return `${at}.tpl.tpl is not a number`;
    if (!Array.isArray(sample.flags) || !sample.flags.every(isString))
      return `${at}.flags is not a list of flags`;
  }
  for (const [i, failure] of (results.failures as unknown[]).entries()) {
    const at = `results.failures[${i}]`;
    if (
      !isRecord(failure) ||
      !isString(failure.video) ||
      !isString(failure.code) ||
      !isString(failure.message)
    )
      return `${at} is not a failure (video, code, message)`;
  }
  return undefined;
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
  for (const l of shards) {
    const problem = separateCacheProblem(l.shard.cacheRoot, index.folder);
    if (problem)
      throw new ShardMergeError(
        `${name(l)} used a cache that cannot be imported: ${problem}; run that shard again with another --cache`,
      );
  }

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
        clips.set(clip.video, rebaseClip(clip, l.shard.cacheRoot, cacheRoot));
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
    for (const f of l.shard.results.failures) {
      // Analysed in one shard, failed in another (a timeout, a node short of memory): which is right
      // is not for the merge to guess.
      const analysed = clipShard.get(f.video);
      if (analysed)
        throw new ShardMergeError(
          `${f.video} was analysed in ${name(analysed)} but failed in ${name(l)} (${f.code}: ${f.message}): run shard ${formatShardSpec(l.shard.shard)} again (\`video-curator analyze ${index.folder} --shard ${formatShardSpec(l.shard.shard)}\` with the same options), then merge`,
        );
      if (!failures.has(f.video)) failures.set(f.video, f);
    }
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

/** `child` is `parent` or inside it (both already resolved). */
function isWithin(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/**
 * Why `cacheRoot` cannot be a shard's separate `--cache` for the dataset in `datasetFolder`, or
 * undefined when it can. The dataset's own cache is fine (nothing to import). A folder holding the
 * dataset, or one inside the dataset's `.video-curator` (its cache, shard files, results), would mix
 * the cache with the dataset's own files: the import would walk them and paths would be misread.
 */
export function separateCacheProblem(cacheRoot: string, datasetFolder: string): string | undefined {
  const cache = resolve(cacheRoot);
  const dataset = resolve(datasetFolder);
  if (cache === resolve(datasetCacheRoot(dataset))) return undefined;
  if (isWithin(dataset, cache))
    return `the cache folder ${cache} contains the dataset folder ${dataset}: give --cache a folder of its own, outside the dataset (or leave --cache out to use the dataset's cache)`;
  const own = join(dataset, '.video-curator');
  if (isWithin(cache, own))
    return `the cache folder ${cache} is inside the dataset's ${own}: leave --cache out to use the dataset's cache, or give a folder outside the dataset`;
  return undefined;
}

/**
 * A copy of a clip analysis with its cache paths (filmstrip files, poster) moved from cache `from` to
 * cache `to`. Only those fields: any other string (the video path, texts) is left as it is, even when
 * it happens to lie under `from`. (SampleAnalysis holds no cache paths.)
 */
function rebaseClip(clip: ClipAnalysis, from: string, to: string): ClipAnalysis {
  const source = resolve(from);
  const target = resolve(to);
  const copy = structuredClone(clip);
  if (source === target) return copy;
  const move = (path: string): string =>
    typeof path === 'string' && isWithin(path, source) && path !== source
      ? join(target, path.slice(source.length + 1))
      : path;
  if (Array.isArray(copy.filmstrip))
    copy.filmstrip = copy.filmstrip.map((f) => ({ ...f, file: move(f.file) }));
  if (copy.poster !== undefined) copy.poster = move(copy.poster);
  return copy;
}

/** Where a clip analysis refers to files in its cache (to check they came along). */
export function clipCacheFiles(clip: ClipAnalysis): string[] {
  return [...(clip.filmstrip ?? []).map((f) => f.file), ...(clip.poster !== undefined ? [clip.poster] : [])];
}

type EntryForm = 'json' | 'file' | 'dir';
/**
 * The kinds of entry video-curator keeps in a media cache and their form (see mediaService.ts and
 * analyzeClip.ts). The import walks these only: anything else under a shard's cache folder is not ours.
 * Folder and file kinds come first, so a clip analysis's filmstrip is in place before the analysis is.
 */
const CACHE_KINDS: readonly { kind: string; form: EntryForm }[] = [
  { kind: 'board-images', form: 'dir' },
  { kind: 'filmstrip', form: 'dir' },
  { kind: 'poster', form: 'file' },
  { kind: 'probe', form: 'json' },
  { kind: 'clip-analysis', form: 'json' },
];
// As MediaCache names entries: <kind>/<key[0..2]>/<key>[.<ext>].
const ENTRY_KEY = /^[a-z0-9_-]{2,128}$/i;
const ENTRY_FILE = /^([a-z0-9_-]{2,128})\.([a-z0-9]{1,16})$/i;

/**
 * Copies the entries of shard caches other than `targetRoot` into it (entries already there are
 * kept), so the editor finds filmstrips and a later run finds cached clips. Each entry is read
 * through a MediaCache on the shard's cache (its checksum or manifest verified: a damaged one is
 * skipped, and logged) and written through the target's putJson/commitFile/commitDir, which seal it
 * anew. Clip analyses get their filmstrip and poster paths moved into the target; a clip analysis whose
 * images did not come along is skipped (a later run analyses that clip again).
 */
export async function importShardCaches(
  shards: readonly LoadedShard[],
  targetRoot: string,
  log: (line: string) => void = () => undefined,
): Promise<{ entries: number; skipped: number }> {
  const target = resolve(targetRoot);
  const sources = [...new Set(shards.map((l) => resolve(l.shard.cacheRoot)))].filter((r) => r !== target);
  const into = new MediaCache(target, { log });
  let entries = 0;
  let skipped = 0;
  for (const sourceRoot of sources) {
    if (!(await stat(sourceRoot).catch(() => undefined))?.isDirectory())
      throw new ShardMergeError(
        `the shards' cache ${sourceRoot} is not there: merge where the shards' storage is mounted at the same path`,
      );
    const from = new MediaCache(sourceRoot, { log: (line) => log(`shard cache: ${line}`) });
    const skip = (what: string): void => {
      skipped++;
      log(`skipped ${what}`);
    };
    for (const { kind, form } of CACHE_KINDS) {
      for (const bucket of await listVisible(join(sourceRoot, kind))) {
        const bucketPath = join(sourceRoot, kind, bucket);
        if (!(await stat(bucketPath).catch(() => undefined))?.isDirectory()) continue;
        for (const name of await listVisible(bucketPath)) {
          const path = join(bucketPath, name);
          const info = await stat(path).catch(() => undefined);
          if (!info) continue; // removed while we looked
          if (form === 'dir') {
            // Folder entries are copied as they are (their files name each other relatively).
            if (!info.isDirectory() || !ENTRY_KEY.test(name) || name.slice(0, 2) !== bucket) continue;
            if (await into.getDir(kind, name)) continue;
            const dir = await from.getDir(kind, name);
            if (!dir) {
              skip(`${path}: not an intact cache entry`);
              continue;
            }
            await into.commitDir(kind, name, async (temp) => {
              for (const entry of await readdir(dir)) {
                if (entry === DIR_MANIFEST) continue;
                await cp(join(dir, entry), join(temp, entry), { recursive: true, preserveTimestamps: true });
              }
            });
            entries++;
            continue;
          }
          const file = ENTRY_FILE.exec(name);
          if (!info.isFile() || !file || file[1].slice(0, 2) !== bucket) continue;
          const [, key, ext] = file;
          if (form === 'file') {
            if (ext.toLowerCase() === 'json') continue;
            if (await into.getFile(kind, key, ext)) continue;
            const source = await from.getFile(kind, key, ext);
            if (!source) {
              skip(`${path}: not an intact cache entry`);
              continue;
            }
            await into.commitFile(kind, key, ext, (temp) => copyFile(source, temp));
            entries++;
            continue;
          }
          if (ext !== 'json') continue;
          if ((await into.getJson(kind, key)) !== undefined) continue;
          let value = await from.getJson<unknown>(kind, key);
          if (value === undefined) {
            skip(`${path}: not an intact cache entry`);
            continue;
          }
          if (kind === 'clip-analysis') {
            const clip = rebaseClip(value as ClipAnalysis, sourceRoot, target);
            const absent = [];
            for (const f of clipCacheFiles(clip)) if (!(await stat(f).catch(() => undefined))) absent.push(f);
            if (absent.length) {
              skip(
                `${path}: its images are not in ${target} (e.g. ${absent[0]}); that clip will be analysed again`,
              );
              continue;
            }
            value = clip;
          }
          await into.putJson(kind, key, value);
          entries++;
        }
      }
    }
  }
  return { entries, skipped };
}

async function listVisible(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith('.')).sort();
}
