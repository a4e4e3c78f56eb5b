// The main job, VS Code-free: index → media → inference → analysis → cache → results. Clips are
// analysed once each (a clip shared by many samples is decoded once), cached by content, so a
// re-run (or a run after Ctrl-C) only does what is missing. Per-sample work (query-aware
// keyframes, TPL, sensitivity) runs on top of the clip results.
import type { DatasetIndex } from '../dataset/indexDataset';
import type { Sample } from '../dataset/sample';
import { MediaError } from '../media/mediaError';
import type { AnalysisResults, ClipAnalysis, SampleAnalysis } from './analysisTypes';
import { tplPercentiles } from './datasetPercentiles';
import type { Percentiles } from './datasetPercentiles';
import { inShard } from './shardPartition';
import type { ShardSpec } from './shardPartition';

export const ANALYSIS_VERSION = 1;

export interface AnalyzeProgress {
  stage: 'clips' | 'samples';
  done: number;
  total: number;
  /** Seconds left, estimated from the pace so far (undefined until there is a pace). */
  etaSeconds?: number;
  current?: string;
  cached?: boolean;
}

export interface DatasetAnalyzer {
  /** Cached or fresh analysis of one clip; throws MediaError for a clip that cannot be used. */
  clip(video: string, signal?: AbortSignal): Promise<{ analysis: ClipAnalysis; cached: boolean }>;
  sample(sample: Sample, clip: ClipAnalysis | undefined, signal?: AbortSignal): Promise<SampleAnalysis>;
  /** Clips analysed side by side (media decode is the bound; inference queues in its worker). */
  concurrency: number;
  settings: Record<string, unknown>;
}

export interface AnalyzeDatasetOptions {
  /** Only these sample ids. */
  only?: ReadonlySet<string>;
  /** At most this many samples (after `only`). */
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (progress: AnalyzeProgress) => void;
  /** Each clip's analysis as soon as it is ready, so a face can show results while the run goes on. */
  onClip?: (clip: ClipAnalysis) => void;
  /** Videos to analyse before the rest (e.g. those of the samples on screen); asked before each pick. */
  prioritize?: () => ReadonlySet<string>;
  /**
   * Only this shard's part of the selected samples (see shardPartition.ts). Dataset-level context
   * (TPL percentiles, the low-tpl flag) needs every sample, so a shard run leaves it to the merge.
   */
  shard?: ShardSpec;
}

/** The samples a run with these options covers, in index order: `only`, then `limit` (before any shard). */
export function selectSamples(
  samples: readonly Sample[],
  options: Pick<AnalyzeDatasetOptions, 'only' | 'limit'>,
): Sample[] {
  const selected = samples.filter((s) => !options.only || options.only.has(s.id));
  return options.limit === undefined ? selected : selected.slice(0, options.limit);
}

export async function analyzeDataset(
  index: DatasetIndex,
  analyzer: DatasetAnalyzer,
  options: AnalyzeDatasetOptions = {},
): Promise<AnalysisResults> {
  const started = Date.now();
  const { signal } = options;
  let samples = selectSamples(index.samples, options);
  const { shard } = options;
  if (shard) samples = samples.filter((s) => inShard(s.id, shard));
  const videos = [...new Set(samples.flatMap((s) => (s.video ? [s.video] : [])))].sort();

  const clips = new Map<string, ClipAnalysis>();
  const failures: AnalysisResults['failures'] = [];
  const pace = paceTracker();
  let done = 0;
  const pending = [...videos];
  const takeNext = (): string | undefined => {
    const wanted = options.prioritize?.();
    const at = wanted ? pending.findIndex((v) => wanted.has(v)) : -1;
    return pending.splice(at >= 0 ? at : 0, 1)[0];
  };
  const worker = async (): Promise<void> => {
    while (pending.length > 0) {
      signal?.throwIfAborted();
      const video = takeNext();
      if (video === undefined) break;
      const clipStarted = Date.now();
      let cached = false;
      try {
        const result = await analyzer.clip(video, signal);
        clips.set(video, result.analysis);
        cached = result.cached;
        options.onClip?.(result.analysis);
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!(error instanceof MediaError)) throw error;
        failures.push({ video, code: error.code, message: error.reason });
      }
      done++;
      if (!cached) pace.add(Date.now() - clipStarted);
      options.onProgress?.({
        stage: 'clips',
        done,
        total: videos.length,
        etaSeconds: pace.eta(videos.length - done, analyzer.concurrency),
        current: video,
        cached,
      });
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(analyzer.concurrency, videos.length)) }, worker),
  );

  const sampleResults: SampleAnalysis[] = [];
  const samplePace = paceTracker();
  for (const [i, sample] of samples.entries()) {
    signal?.throwIfAborted();
    const sampleStarted = Date.now();
    const clip = sample.video ? clips.get(sample.video) : undefined;
    const failed = sample.video ? failures.find((f) => f.video === sample.video) : undefined;
    const result = await analyzer.sample(sample, clip, signal);
    if (failed && !result.flags.includes('unreadable-video')) result.flags.push('unreadable-video');
    sampleResults.push(result);
    samplePace.add(Date.now() - sampleStarted);
    options.onProgress?.({
      stage: 'samples',
      done: i + 1,
      total: samples.length,
      etaSeconds: samplePace.eta(samples.length - i - 1, 1),
      current: sample.id,
    });
  }

  const percentiles = shard ? undefined : applyDatasetContext(sampleResults);
  return {
    version: ANALYSIS_VERSION,
    folder: index.folder,
    createdAt: new Date().toISOString(),
    settings: analyzer.settings,
    // In video order, not finishing order, so equal inputs give equal files (and shards merge alike).
    clips: videos.flatMap((video) => clips.get(video) ?? []),
    samples: sampleResults,
    failures: failures.sort((a, b) => (a.video < b.video ? -1 : a.video > b.video ? 1 : 0)),
    dataset: {
      ...(percentiles ? { tplPercentiles: percentiles } : {}),
      samples: sampleResults.length,
      clips: clips.size,
      seconds: (Date.now() - started) / 1000,
    },
  };
}

/**
 * Dataset-level context, over every analysed sample: TPL percentiles, and the bottom share flagged as
 * answerable from one frame (`low-tpl`, added to the samples' flags). Returns the percentiles.
 */
export function applyDatasetContext(samples: SampleAnalysis[]): Percentiles | undefined {
  const tpls = samples.flatMap((s) => (s.tpl.tpl === undefined ? [] : [s.tpl.tpl]));
  const percentiles = tpls.length ? tplPercentiles(tpls) : undefined;
  if (percentiles && tpls.length >= 5) {
    for (const s of samples)
      if (s.tpl.tpl !== undefined && s.tpl.tpl <= percentiles.p10) s.flags.push('low-tpl');
  }
  return percentiles;
}

/** Mean time per fresh item; cache hits don't count, so the ETA reflects real work left. */
function paceTracker(): { add(ms: number): void; eta(left: number, parallel: number): number | undefined } {
  let total = 0;
  let count = 0;
  return {
    add(ms) {
      total += ms;
      count++;
    },
    eta(left, parallel) {
      if (count === 0) return undefined;
      return (left * total) / count / Math.max(1, parallel) / 1000;
    },
  };
}
