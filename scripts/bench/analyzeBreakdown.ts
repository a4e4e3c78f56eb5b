// Where a cold analyzeClip spends its time: the same calls analyzeClip makes (src/core/analysis/
// analyzeClip.ts), one clip at a time and each timed on its own, on a fresh cache. An approximation
// of the real run (which runs two clips side by side); its stage sums say which stage to work on.
import { OCR_MODEL } from '../../src/core/analysis/analyzeClip';
import { decodeClipFrames, MOTION_MODEL } from '../../src/core/analysis/clipFrames';
import { detectShots } from '../../src/core/analysis/shotDetection';
import type { InferenceRuntime } from '../../src/core/inference/inferenceRuntime';
import type { MediaService } from '../../src/core/media/mediaService';
import type { FrameBatch } from '../../src/protocol/inference';

export const BREAKDOWN_STAGES = [
  'open (probe + timeline)',
  'dense 64x64 + 2-fps analysis frames + signature + motion (decodeClipFrames)',
  'shots (detectShots)',
  'motion on track pairs (4 fps)',
  'OCR on analysis frames',
  'filmstrip (16 JPEGs)',
  'poster',
] as const;

export type StageTimes = Record<(typeof BREAKDOWN_STAGES)[number], number>;

/** Times each stage of a cold analyzeClip on `video` with analyzeClip's default parameters. */
export async function clipStageTimes(
  video: string,
  media: MediaService,
  runtime: InferenceRuntime,
): Promise<StageTimes> {
  let mark = performance.now();
  const lap = (): number => {
    const now = performance.now();
    const took = now - mark;
    mark = now;
    return took;
  };
  const { probe } = await media.open(video);
  const open = lap();
  const frames = await decodeClipFrames(video, probe.duration, probe, media, runtime, {
    candidateFps: 1,
    analysisFps: 2,
    analysisMax: 512,
  });
  const decode = lap();
  detectShots(frames.dense);
  const shots = lap();
  const refs = frames.dense.frames;
  const rate =
    refs.length >= 2 ? (refs.length - 1) / Math.max(1e-9, refs[refs.length - 1].time - refs[0].time) : 1;
  const step = Math.max(1, Math.round(rate / 4));
  const rows: number[] = [];
  for (let i = 0; i < refs.length; i += step) rows.push(i);
  if (rows.length >= 2) await runtime.run('motion', MOTION_MODEL, { frames: pick(frames.denseBatch, rows) });
  const motion = lap();
  if (frames.analysis.length > 0) await runtime.run('ocr', OCR_MODEL, { frames: frames.analysisBatch });
  const ocr = lap();
  await media.filmstrip(video, { count: 16, height: 96 });
  const filmstrip = lap();
  await media.poster(video, 180);
  const poster = lap();
  return {
    'open (probe + timeline)': open,
    'dense 64x64 + 2-fps analysis frames + signature + motion (decodeClipFrames)': decode,
    'shots (detectShots)': shots,
    'motion on track pairs (4 fps)': motion,
    'OCR on analysis frames': ocr,
    'filmstrip (16 JPEGs)': filmstrip,
    poster,
  };
}

function pick(batch: FrameBatch, rows: number[]): FrameBatch {
  const size = batch.width * batch.height * 3;
  const data = new Uint8Array(rows.length * size);
  rows.forEach((row, i) => data.set(batch.data.subarray(row * size, (row + 1) * size), i * size));
  return { count: rows.length, width: batch.width, height: batch.height, data };
}
