// analyze: the main job. Index → media → inference → analysis → cache → results.json + report.html.
// Ctrl-C stops cleanly: finished clips stay cached, so the next run resumes where this one stopped.
import { join, relative } from 'node:path';
import { analysisProblems } from '../core/analysis/analysisProblems';
import { analyzeDataset } from '../core/analysis/analyzeDataset';
import type { AnalysisResults } from '../core/analysis/analysisTypes';
import { createDatasetAnalyzer } from '../core/analysis/datasetAnalyzer';
import { writeHtmlReport } from '../core/analysis/htmlReport';
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

export interface AnalyzeOptions {
  json?: boolean;
  media?: boolean;
  limit?: string;
  only?: string;
  device?: string;
  modelsPath?: string;
}

export async function analyzeCommand(folder: string, options: AnalyzeOptions): Promise<number> {
  const index = await loadIndex(folder);
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
  const ffmpeg = lookupBinary('ffmpeg');
  const ffprobe = lookupBinary('ffprobe');
  if (options.media === false) skipped = 'skipped (--no-media)';
  else if (!ffmpeg.found || !ffprobe.found) {
    skipped = `skipped: ${!ffmpeg.found ? ffmpeg.message : !ffprobe.found ? ffprobe.message : ''} (see video-curator doctor)`;
  } else {
    const cache = new MediaCache(datasetCacheRoot(index.folder));
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
        onProgress: (p) => {
          const eta = p.etaSeconds === undefined ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
          const what = p.current ? `: ${relative(index.folder, p.current) || p.current}` : '';
          progress.update(`${p.stage} ${p.done}/${p.total}${eta}${what}`);
        },
      });
    } finally {
      progress.done();
      await inference.runtime.dispose();
    }
    index.problems.push(...analysisProblems(index, results));
    const out = join(index.folder, '.video-curator');
    await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
    await writeHtmlReport(join(out, 'report.html'), results, index.samples);
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
        ? {
            results: join(index.folder, '.video-curator', 'results.json'),
            report: join(index.folder, '.video-curator', 'report.html'),
            ...results,
          }
        : { skipped },
      review,
    });
    return 0;
  }
  process.stdout.write(
    `${renderSummary(summary)}\n\n${results ? renderAnalysis(index.folder, results) : `analysis: ${skipped}`}\n\n` +
      `${renderProblems(index, 20)}\n\nreview: ${review.total - review.unreviewed} of ${review.total} reviewed ` +
      `(accepted ${review.accept}, edited ${review.edit}, rejected ${review.reject})\n`,
  );
  return 0;
}

function renderAnalysis(folder: string, results: AnalysisResults): string {
  const lines: string[] = [];
  const provider = results.settings.provider as string;
  const reason = results.settings.fallbackReason as string | undefined;
  lines.push(
    `analysis: ${plural(results.clips.length, 'clip')} and ${plural(results.samples.length, 'sample')} in ${results.dataset.seconds.toFixed(1)} s ` +
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
  if (withTpl.length) {
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
  lines.push(
    `results: ${join(folder, '.video-curator', 'results.json')}`,
    `report:  ${join(folder, '.video-curator', 'report.html')}`,
  );
  return lines.join('\n');
}
