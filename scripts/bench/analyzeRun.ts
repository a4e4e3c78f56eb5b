// One analyze of a dataset folder for the analyze benchmark, wired the way `video-curator analyze`
// wires it (src/cli/analyzeCommand.ts): index → MediaService + MediaCache → inference service →
// analyzeDataset with createDatasetAnalyzer → results.json + report.html. Each phase is
// timed on its own so the worker start can be reported apart from the analysis.
import { join } from 'node:path';
import { analyzeDataset } from '../../src/core/analysis/analyzeDataset';
import type { AnalysisResults } from '../../src/core/analysis/analysisTypes';
import { createDatasetAnalyzer } from '../../src/core/analysis/datasetAnalyzer';
import { writeHtmlReport } from '../../src/core/analysis/htmlReport';
import { indexDataset } from '../../src/core/dataset/indexDataset';
import type { DatasetIndex } from '../../src/core/dataset/indexDataset';
import { writeFileAtomic } from '../../src/core/export/atomicFile';
import { createInferenceService } from '../../src/core/inference/inferenceService';
import { MediaCache } from '../../src/core/media/mediaCache';
import { MediaService } from '../../src/core/media/mediaService';
import { cpuSecondsWithChildren } from './cpuTime';
import { fullDecode } from './measure';

export interface AnalyzeRunOptions {
  ffmpeg: string;
  ffprobe: string;
  /** The dataset folder (the demo dataset). */
  folder: string;
  /** The media cache root: a fresh, empty folder for a cold run, the previous run's for a warm one. */
  cacheRoot: string;
  /** Where results.json and report.html go (the CLI writes them into <folder>/.video-curator). */
  outDir: string;
}

export interface AnalyzeRun {
  /** createInferenceService + runtime.status(): the worker process starting and reporting its provider. */
  workerStartMs: number;
  indexMs: number;
  /** analyzeDataset: every clip (concurrency 2, as the CLI) and every sample. */
  datasetMs: number;
  /** The part of datasetMs until the last clip finished, and the per-sample stage after it. */
  clipsMs: number;
  samplesMs: number;
  /** results.json + report.html. */
  writeMs: number;
  /** index + dataset + write: the analyze itself, without the worker start. */
  analyzeMs: number;
  /** CPU of this process and its children (ffmpeg, the worker, from its start to its exit), ms; Linux only. */
  cpuMs?: number;
  provider: string;
  fallbackReason?: string;
  clipsCached: number;
  clipsFresh: number;
  results: AnalysisResults;
}

export async function runAnalyze(options: AnalyzeRunOptions): Promise<AnalyzeRun> {
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const took = now - mark;
    mark = now;
    return took;
  };

  const cpuBefore = cpuSecondsWithChildren();
  const inference = await createInferenceService({ device: 'cpu' });
  const status = await inference.runtime.status();
  const workerStartMs = lap();
  try {
    const index = await indexDataset(options.folder);
    const indexMs = lap();
    const cache = new MediaCache(options.cacheRoot);
    const media = new MediaService({ ffmpeg: options.ffmpeg, ffprobe: options.ffprobe, cache });
    const analyzer = createDatasetAnalyzer({ media, cache, inference, status });
    let clipsCached = 0;
    let clipsFresh = 0;
    const datasetStarted = performance.now();
    let clipsDone = datasetStarted;
    const results = await analyzeDataset(index, analyzer, {
      onProgress: (p) => {
        if (p.stage !== 'clips') return;
        clipsDone = performance.now();
        if (p.cached) clipsCached++;
        else clipsFresh++;
      },
    });
    const datasetMs = lap();
    await writeFileAtomic(join(options.outDir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
    await writeHtmlReport(join(options.outDir, 'report.html'), results, index.samples);
    const writeMs = lap();
    // The worker's CPU counts once it has exited and been reaped.
    await inference.runtime.dispose();
    const cpuAfter = cpuSecondsWithChildren();
    return {
      workerStartMs,
      indexMs,
      datasetMs,
      clipsMs: clipsDone - datasetStarted,
      samplesMs: datasetMs - (clipsDone - datasetStarted),
      writeMs,
      analyzeMs: indexMs + datasetMs + writeMs,
      ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: (cpuAfter - cpuBefore) * 1000 } : {}),
      provider: status.provider,
      ...(status.fallbackReason ? { fallbackReason: status.fallbackReason } : {}),
      clipsCached,
      clipsFresh,
      results,
    };
  } finally {
    await inference.runtime.dispose();
  }
}

/** The videos an analyze of this index works on: each distinct sample video, sorted (as analyzeDataset). */
export function analyzedVideos(index: DatasetIndex): string[] {
  return [...new Set(index.samples.flatMap((s) => (s.video ? [s.video] : [])))].sort();
}

export interface DecodeRun {
  ms: number;
  /** CPU of the ffmpeg processes, ms; Linux only. */
  cpuMs?: number;
  /** Videos ffmpeg could not decode (a truncated upload): timed like the rest, as analyze tries them too. */
  failed: string[];
  perVideo: Map<string, number>;
}

/** Full decode (`ffmpeg -threads 2 -i F -f null -`) of each video in turn, summed. */
export async function decodeAll(ffmpeg: string, videos: readonly string[]): Promise<DecodeRun> {
  const perVideo = new Map<string, number>();
  const failed: string[] = [];
  const cpuBefore = cpuSecondsWithChildren();
  for (const video of videos) {
    const started = performance.now();
    try {
      await fullDecode(ffmpeg, video);
    } catch {
      failed.push(video);
    }
    perVideo.set(video, performance.now() - started);
  }
  const cpuAfter = cpuSecondsWithChildren();
  return {
    ms: [...perVideo.values()].reduce((a, b) => a + b, 0),
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: (cpuAfter - cpuBefore) * 1000 } : {}),
    failed,
    perVideo,
  };
}
