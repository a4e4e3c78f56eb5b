// analyze: the main job. Indexes and validates the dataset, runs the media stage (probe, filmstrips,
// posters into the cache) and shows review progress; later analysis stages plug in here.
import { relative } from 'node:path';
import { runMediaStage } from '../core/analysis/mediaStage';
import type { MediaStageResult } from '../core/analysis/mediaStage';
import { DecisionJournal } from '../core/curation/decisionJournal';
import { summarizeReview } from '../core/curation/reviewSummary';
import { summarizeIndex } from '../core/dataset/indexSummary';
import { lookupBinary } from '../core/media/ffmpegPaths';
import { MediaCache, datasetCacheRoot } from '../core/media/mediaCache';
import { MediaService } from '../core/media/mediaService';
import { cancelSignal, loadIndex, printJson } from './context';
import { renderProblems, renderSummary } from './datasetCommands';
import { plural, ProgressLine } from './terminal';

export async function analyzeCommand(
  folder: string,
  options: { json?: boolean; media?: boolean },
): Promise<number> {
  const index = await loadIndex(folder);
  let media: MediaStageResult | undefined;
  let mediaSkipped: string | undefined;
  if (options.media === false) {
    mediaSkipped = 'skipped (--no-media)';
  } else {
    const ffmpeg = lookupBinary('ffmpeg');
    const ffprobe = lookupBinary('ffprobe');
    if (!ffmpeg.found || !ffprobe.found) {
      mediaSkipped = `skipped: ${!ffmpeg.found ? ffmpeg.message : !ffprobe.found ? ffprobe.message : ''} (see video-curator doctor)`;
    } else {
      const service = new MediaService({
        ffmpeg: ffmpeg.path,
        ffprobe: ffprobe.path,
        cache: new MediaCache(datasetCacheRoot(index.folder)),
      });
      const progress = new ProgressLine();
      try {
        media = await runMediaStage(index, service, {
          signal: cancelSignal,
          onClip: (clip, done, total) =>
            progress.update(`media ${done}/${total}: ${relative(index.folder, clip.path)}`),
        });
      } finally {
        progress.done();
      }
      index.problems.push(...media.problems);
    }
  }
  const summary = summarizeIndex(index);
  const journal = await DecisionJournal.open(index.folder);
  const review = summarizeReview(
    index.samples.map((s) => s.id),
    journal,
  );
  if (options.json) {
    printJson({ ...summary, media: media ?? { skipped: mediaSkipped }, review });
    return 0;
  }
  process.stdout.write(
    `${renderSummary(summary)}\n\n${renderMedia(index.folder, media, mediaSkipped)}\n\n${renderProblems(index, 20)}\n\n` +
      `review: ${review.total - review.unreviewed} of ${review.total} reviewed ` +
      `(accepted ${review.accept}, edited ${review.edit}, rejected ${review.reject})\n`,
  );
  return 0;
}

function renderMedia(
  folder: string,
  media: MediaStageResult | undefined,
  skipped: string | undefined,
): string {
  if (!media) return `media: ${skipped}`;
  const ok = media.clips.filter((c) => !c.error);
  const lines = [
    `media: ${plural(ok.length, 'video')} probed (${media.totalDuration.toFixed(1)} s of footage, ` +
      `${ok.reduce((n, c) => n + (c.frames ?? 0), 0).toLocaleString('en-US')} frames), filmstrips and posters cached ` +
      `in ${media.seconds.toFixed(1)} s`,
  ];
  for (const clip of media.clips) {
    if (clip.error) lines.push(`  ${clip.error.code}: ${relative(folder, clip.path)}: ${clip.error.message}`);
  }
  return lines.join('\n');
}
