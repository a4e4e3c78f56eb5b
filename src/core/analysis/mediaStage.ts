// The main job's media stage: probe every video the dataset uses, render its filmstrip and poster
// into the cache, and turn per-clip media failures into problems on the samples that use the clip.
import type { DatasetIndex } from '../dataset/indexDataset';
import { problem } from '../dataset/problems';
import type { Problem } from '../dataset/problems';
import type { MediaErrorCode } from '../media/mediaError';
import type { MediaService } from '../media/mediaService';
import type { VideoProbe } from '../media/probeVideo';

export interface MediaStageClip {
  path: string;
  probe?: VideoProbe;
  frames?: number;
  filmstrip?: string[];
  poster?: string;
  error?: { code: MediaErrorCode; message: string };
}

export interface MediaStageResult {
  clips: MediaStageClip[];
  problems: Problem[];
  totalDuration: number;
  seconds: number;
}

export interface MediaStageOptions {
  filmstripFrames?: number;
  filmstripHeight?: number;
  signal?: AbortSignal;
  onClip?: (clip: MediaStageClip, done: number, total: number) => void;
}

export async function runMediaStage(
  index: DatasetIndex,
  media: MediaService,
  options: MediaStageOptions = {},
): Promise<MediaStageResult> {
  const started = Date.now();
  const videos = [...new Set(index.samples.flatMap((s) => (s.video ? [s.video] : [])))].sort();
  const { signal } = options;
  const outcomes = await media.forEachClip(
    videos,
    async (path): Promise<MediaStageClip> => {
      const video = await media.open(path, signal);
      const strip = await media.filmstrip(
        path,
        { count: options.filmstripFrames ?? 16, height: options.filmstripHeight ?? 96 },
        signal,
      );
      const poster = await media.poster(path, 180, signal);
      return {
        path,
        probe: video.probe,
        frames: video.timeline.times.length,
        filmstrip: strip.frames.map((f) => f.file),
        poster,
      };
    },
    (outcome, done) =>
      options.onClip?.(
        outcome.value ?? {
          path: outcome.path,
          error: { code: outcome.error!.code, message: outcome.error!.reason },
        },
        done,
        videos.length,
      ),
    signal,
  );
  const clips = outcomes.map(
    (o): MediaStageClip =>
      o.value ?? { path: o.path, error: { code: o.error!.code, message: o.error!.reason } },
  );
  const failed = new Map(clips.filter((c) => c.error).map((c) => [c.path, c.error!]));
  const problems: Problem[] = [];
  for (const sample of index.samples) {
    const error = sample.video ? failed.get(sample.video) : undefined;
    if (!error) continue;
    problems.push(
      problem(
        'unreadable-video',
        `video "${sample.videoRef ?? sample.video}" cannot be used: ${error.message}`,
        {
          location: sample.source,
          sampleId: sample.id,
          fix: 'Re-encode or replace the video (H.264 MP4 is safest), or remove the sample.',
        },
      ),
    );
  }
  return {
    clips,
    problems,
    totalDuration: clips.reduce((sum, c) => sum + (c.probe?.duration ?? 0), 0),
    seconds: (Date.now() - started) / 1000,
  };
}
