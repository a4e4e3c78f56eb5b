// Shot detection for the analyze benchmark: our detector run the way analyzeClip runs it (every
// frame decoded at 64x64 by the MediaService, the built-in frame-signature and motion models through
// the inference worker, then detectShots), next to ffmpeg's scene filter on the same clip, both as
// decoded-frame indices scored against known cuts.
import { join } from 'node:path';
import {
  denseFrameSize,
  FRAME_SIGNATURE_MODEL,
  MOTION_MODEL,
  packFrames,
  toRef,
} from '../../src/core/analysis/clipFrames';
import { detectShots } from '../../src/core/analysis/shotDetection';
import type { InferenceRuntime } from '../../src/core/inference/inferenceRuntime';
import type { MediaService } from '../../src/core/media/mediaService';
import { cutFramesFromTimes, ffmpegSceneCuts } from './shots';

/** The dense pass of decodeClipFrames: every frame (up to 3000), 64x64 stretched. */
const DENSE_SIZE = 64;
const DENSE_MAX = 3000;

export interface ShotClip {
  id: string;
  path: string;
  source: 'demo' | 'realdata';
  /** Known hard cuts: the first frame of each new shot, as decoded-frame indices. */
  truth: number[];
  note?: string;
}

/** Demo clips (src/core/demo/demoDataset.ts): scenes.mp4 cuts at 48 and 96; text_card's caption is no cut. */
export const DEMO_SHOT_TRUTH: Record<string, { truth: number[]; note?: string }> = {
  'counter.mp4': { truth: [] },
  'moving_box.mp4': { truth: [] },
  'scenes.mp4': { truth: [48, 96], note: 'red → green → blue' },
  'still_bars.mp4': { truth: [] },
  'text_card.mp4': { truth: [], note: 'caption in at 2 s, out at 4 s: not a cut' },
  'zoom.mp4': { truth: [] },
};

/** Real clips with cut truth from docs/signals.md, relative to ../shared/realdata. */
export const REALDATA_SHOT_TRUTH: { file: string; truth: number[]; note?: string }[] = [
  { file: 'Breakthrough__PySceneDetect/testvideo.mp4', truth: [30, 180] },
  { file: 'zjysteven__lmms-finetune/bm_teaser.mp4', truth: [50, 71, 116, 159, 192, 222, 271] },
  { file: 'Breakthrough__PySceneDetect/goldeneye-vfr-drop3.mp4', truth: [60, 140], note: 'VFR' },
  { file: 'Breakthrough__PySceneDetect/fades.mp4', truth: [], note: 'fades only' },
];

export function realdataShotClips(root: string): ShotClip[] {
  return REALDATA_SHOT_TRUTH.map(({ file, truth, note }) => ({
    id: file.split('/').pop()!,
    path: join(root, file),
    source: 'realdata' as const,
    truth,
    ...(note ? { note } : {}),
  }));
}

export interface OurShotRun {
  cuts: number[];
  frames: number;
  /** media.sample of every frame at 64x64. */
  decodeMs: number;
  /** frame-signature + motion in the worker (run side by side, as decodeClipFrames does). */
  modelsMs: number;
  detectMs: number;
  totalMs: number;
}

/** Our detector on one clip; the clip is opened (probe + timeline, cached by the product) beforehand. */
export async function ourShots(
  media: MediaService,
  runtime: InferenceRuntime,
  path: string,
): Promise<OurShotRun> {
  const { probe } = await media.open(path);
  const started = performance.now();
  const dense = await media.sample(
    path,
    { kind: 'window', start: 0, end: probe.duration + 1, max: DENSE_MAX },
    { size: denseFrameSize(DENSE_SIZE) },
  );
  const decoded = performance.now();
  const batch = packFrames(dense.frames, DENSE_SIZE, DENSE_SIZE);
  const [signature, motion] = await Promise.all([
    runtime.run('frame-signature', FRAME_SIGNATURE_MODEL, { frames: batch }),
    runtime.run('motion', MOTION_MODEL, { frames: batch }),
  ]);
  const modelled = performance.now();
  const shots = detectShots({
    frames: dense.frames.map(toRef),
    descriptors: signature.output.embeddings,
    dim: signature.output.dim,
    motionEnergy: motion.output.energy,
  });
  const done = performance.now();
  return {
    cuts: shots.cuts.map((f) => f.index),
    frames: dense.frames.length,
    decodeMs: decoded - started,
    modelsMs: modelled - decoded,
    detectMs: done - modelled,
    totalMs: done - started,
  };
}

export interface SceneFilterRun {
  cuts: number[];
  ms: number;
}

/** ffmpeg's `select='gt(scene,0.3)'` over the whole clip, its PTS mapped onto the clip's frame timeline. */
export async function sceneFilterShots(
  media: MediaService,
  ffmpeg: string,
  path: string,
): Promise<SceneFilterRun> {
  const { timeline } = await media.open(path);
  const started = performance.now();
  const found = await ffmpegSceneCuts(ffmpeg, path, { threshold: 0.3 });
  const ms = performance.now() - started;
  return {
    cuts: cutFramesFromTimes(
      timeline.times,
      found.map((c) => c.pts),
    ),
    ms,
  };
}
