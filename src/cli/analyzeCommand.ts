// analyze: the main job. Index → media → inference → analysis → cache → results.json + report.html.
// Ctrl-C stops cleanly: finished clips stay cached, so the next run resumes where this one stopped.
import { dirname, join, relative, resolve } from 'node:path';
import { analysisProblems } from '../core/analysis/analysisProblems';
import { analyzeDataset } from '../core/analysis/analyzeDataset';
import type { AnalysisResults } from '../core/analysis/analysisTypes';
import { createDatasetAnalyzer } from '../core/analysis/datasetAnalyzer';
import { writeHtmlReport } from '../core/analysis/htmlReport';
import { makeShardResults, selectionOf, separateCacheProblem } from '../core/analysis/mergeShards';
import {
  formatShardSpec,
  parseShardSpec,
  shardFileName,
  ShardSpecError,
} from '../core/analysis/shardPartition';
import type { ShardSpec } from '../core/analysis/shardPartition';
import { DecisionJournal } from '../core/curation/decisionJournal';
import { summarizeReview } from '../core/curation/reviewSummary';
import { summarizeIndex } from '../core/dataset/indexSummary';
import { writeFileAtomic } from '../core/export/atomicFile';
import { parseDevice } from '../core/inference/deviceSetting';
import { createInferenceService } from '../core/inference/inferenceService';
import { lookupBinary } from '../core/media/ffmpegPaths';
import { MediaCache, datasetCacheRoot } from '../core/media/mediaCache';
import { MediaService } from '../core/media/mediaService';
import { cancelSignal, loadIndex, printJson, UserError } from './context';
import { renderProblems, renderSummary } from './datasetCommands';
import { plural, ProgressLine } from './terminal';
import { appendAll } from '../core/collections';

export interface AnalyzeOptions {
  json?: boolean;
  media?: boolean;
  limit?: string;
  only?: string;
  device?: string;
  modelsPath?: string;
  /** "i/n": only this shard's samples, results to `out` instead of the dataset's results.json. */
  shard?: string;
  out?: string;
  cache?: string;
}

export async function analyzeCommand(folder: string, options: AnalyzeOptions): Promise<number> {
  let shard: ShardSpec | undefined;
  try {
    shard = options.shard === undefined ? undefined : parseShardSpec(options.shard);
  } catch (error) {
    if (error instanceof ShardSpecError) throw new UserError(error.message);
    throw error;
  }
  if (!shard && (options.out !== undefined || options.cache !== undefined))
    throw new UserError(
      `${options.out !== undefined ? '--out' : '--cache'} is for shard runs: add --shard i/n (a single run writes <folder>/.video-curator/results.json)`,
    );
  if (shard && options.media === false)
    throw new UserError('--shard analyses media: it cannot be combined with --no-media');
  const index = await loadIndex(folder);
  if (options.cache !== undefined) {
    const problem = separateCacheProblem(options.cache, index.folder);
    if (problem) throw new UserError(`--cache: ${problem}`);
  }
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0))
    throw new UserError('--limit must be a whole number');
  const only = options.only
    ? new Set(
        options.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
    : undefined;
  if (only) {
    const unknown = [...only].filter((id) => !index.samples.some((s) => s.id === id));
    if (unknown.length)
      throw new UserError(`no sample ${unknown.map((u) => `"${u}"`).join(', ')} in ${index.folder}`);
  }

  let results: AnalysisResults | undefined;
  let skipped: string | undefined;
  let shardFile: string | undefined;
  /** Clips whose analysis came from the cache (a re-run, or a run resumed after a crash or Ctrl-C). */
  let clipsReused = 0;
  const ffmpeg = lookupBinary('ffmpeg');
  const ffprobe = lookupBinary('ffprobe');
  if (options.media === false) skipped = 'skipped (--no-media)';
  else if (!ffmpeg.found || !ffprobe.found) {
    skipped = `skipped: ${!ffmpeg.found ? ffmpeg.message : !ffprobe.found ? ffprobe.message : ''} (see video-curator doctor)`;
  } else {
    const cache = new MediaCache(options.cache ? resolve(options.cache) : datasetCacheRoot(index.folder), {
      log: (line) => process.stderr.write(`warning: ${line}\n`),
    });
    const media = new MediaService({ ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, cache });
    const inference = await createInferenceService({
      device: parseDevice(options.device ?? process.env.VIDEO_CURATOR_DEVICE),
      ...(options.modelsPath || process.env.VIDEO_CURATOR_MODELS
        ? { modelsPath: options.modelsPath ?? process.env.VIDEO_CURATOR_MODELS }
        : {}),
    });
    const status = await inference.runtime.status();
    const progress = new ProgressLine();
    try {
      results = await analyzeDataset(index, createDatasetAnalyzer({ media, cache, inference, status }), {
        signal: cancelSignal,
        ...(only ? { only } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(shard ? { shard } : {}),
        onProgress: (p) => {
          if (p.stage === 'clips' && p.cached) clipsReused++;
          const eta = p.etaSeconds === undefined ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
          const what = p.current ? `: ${relative(index.folder, p.current) || p.current}` : '';
          progress.update(`${p.stage} ${p.done}/${p.total}${eta}${what}`);
        },
      });
    } finally {
      progress.done();
      await inference.runtime.dispose();
    }
    appendAll(index.problems, analysisProblems(index, results));
    if (shard) {
      // A shard's part goes to its own file; the dataset's results.json is the merge's to write.
      const selection = selectionOf(index, {
        ...(only ? { only } : {}),
        ...(limit !== undefined ? { limit } : {}),
      });
      shardFile = join(
        options.out ? resolve(options.out) : join(index.folder, '.video-curator', 'shards'),
        shardFileName(shard),
      );
      await writeFileAtomic(
        shardFile,
        `${JSON.stringify(makeShardResults(results, shard, selection, cache.root), null, 1)}\n`,
      );
    } else {
      const out = join(index.folder, '.video-curator');
      await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
      await writeHtmlReport(join(out, 'report.html'), results, index.samples);
    }
  }

  const summary = summarizeIndex(index);
  const journal = await DecisionJournal.open(index.folder);
  const review = summarizeReview(
    index.samples.map((s) => s.id),
    journal,
  );
  if (options.json) {
    printJson({
      ...summary,
      analysis: results
        ? shardFile && shard
          ? { shard: formatShardSpec(shard), shardResults: shardFile, ...results }
          : {
              results: join(index.folder, '.video-curator', 'results.json'),
              report: join(index.folder, '.video-curator', 'report.html'),
              ...results,
              cache: { clipsReused, clipsAnalysed: results.clips.length - clipsReused },
            }
        : { skipped },
      review,
    });
    return 0;
  }
  process.stdout.write(
    `${renderSummary(summary)}\n\n${results ? renderAnalysis(index.folder, results, shard && shardFile ? { spec: shard, file: shardFile } : undefined) : `analysis: ${skipped}`}\n\n` +
      `${renderProblems(index, 20)}\n\nreview: ${review.total - review.unreviewed} of ${review.total} reviewed ` +
      `(accepted ${review.accept}, edited ${review.edit}, rejected ${review.reject})\n`,
  );
  return 0;
}

export function renderAnalysis(
  folder: string,
  results: AnalysisResults,
  shard?: { spec: ShardSpec; file: string },
): string {
  const lines: string[] = [];
  const provider = results.settings.provider as string;
  const reason = results.settings.fallbackReason as string | undefined;
  lines.push(
    `${shard ? `shard ${formatShardSpec(shard.spec)} ` : ''}analysis: ${plural(results.clips.length, 'clip')} and ${plural(results.samples.length, 'sample')} in ${results.dataset.seconds.toFixed(1)} s ` +
      `on ${provider}${reason ? ` (${reason})` : ''}`,
  );
  const rows = results.clips.map((c) => {
    const ocrTracks = c.tracks.tracks.filter((t) => t.source === 'ocr').length;
    const motionTracks = c.tracks.tracks.filter((t) => t.source === 'motion').length;
    return (
      `  ${relative(folder, c.video)}: ${c.duration.toFixed(1)} s, ${plural(c.shots.cuts.length, 'cut')}, ` +
      `density ${c.signals.density.toFixed(2)}, dynamics ${c.signals.dynamics.toFixed(2)}, ` +
      `${plural(motionTracks, 'moving object')}, ${plural(ocrTracks, 'text track')}, ${plural(c.dialogues.length, 'dialogue')}`
    );
  });
  lines.push(...rows);
  for (const f of results.failures) lines.push(`  ${relative(folder, f.video)}: ${f.code}: ${f.message}`);
  const withTpl = results.samples.filter((s) => s.tpl.tpl !== undefined);
  if (shard) {
    lines.push(`TPL: percentiles and low-tpl flags come with the merge, over every shard's samples`);
  } else if (withTpl.length) {
    const p = results.dataset.tplPercentiles;
    lines.push(
      `TPL on ${withTpl.length} samples: p10 ${p?.p10.toFixed(3)}, median ${p?.p50.toFixed(3)}, p90 ${p?.p90.toFixed(3)} nats/token`,
    );
  } else {
    const reasons = [...new Set(results.samples.map((s) => s.tpl.reason).filter(Boolean))];
    lines.push(`TPL: not computed (${reasons.join('; ') || 'no samples'})`);
  }
  const flags = new Map<string, number>();
  for (const s of results.samples) for (const f of s.flags) flags.set(f, (flags.get(f) ?? 0) + 1);
  if (flags.size) lines.push(`flags: ${[...flags].map(([f, n]) => `${f} ${n}`).join(', ')}`);
  if (shard) {
    lines.push(
      `shard results: ${shard.file}`,
      `when all ${shard.spec.count} shards are done: video-curator merge ${folder} ${dirname(shard.file)}`,
    );
  } else {
    lines.push(
      `results: ${join(folder, '.video-curator', 'results.json')}`,
      `report:  ${join(folder, '.video-curator', 'report.html')}`,
    );
  }
  return lines.join('\n');
}
