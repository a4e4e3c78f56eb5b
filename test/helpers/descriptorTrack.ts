// A DescriptorTrack from a real clip, made the way the product makes one: frames decoded by the
// MediaService (exact indices, RGB24), then the built-in frame-signature and motion models run by
// real onnxruntime in-process. Shared by the analysis tests.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR } from '../../models/generator/builtinModels';
import type { DescriptorTrack, FrameRef } from '../../src/core/analysis/analysisTypes';
import {
  FRAME_SIGNATURE_MODEL_ID,
  frameSignatureTask,
} from '../../src/core/inference/tasks/frameSignatureTask';
import { MOTION_MODEL_ID, motionTask } from '../../src/core/inference/tasks/motionTask';
import { MediaService } from '../../src/core/media/mediaService';
import type { FrameRequest } from '../../src/core/media/samplePlan';
import { ffmpeg, ffprobe } from './mediaFixtures';
import { testTaskContext } from './taskContext';
import type { TestTaskContext } from './taskContext';

export const BUILTIN_MODEL_PATHS = {
  [FRAME_SIGNATURE_MODEL_ID]: join(MODELS_DIR, 'builtin/frameSignature.onnx'),
  [MOTION_MODEL_ID]: join(MODELS_DIR, 'builtin/motion.onnx'),
};

export interface DescriptorTrackOptions {
  /** Frames per second to sample at; without it every decoded frame is used. */
  fps?: number;
  /** Only frames in [start, end) seconds from the clip start (default: the whole clip). */
  start?: number;
  end?: number;
  /** Analysis frame size (default 64x64, stretched). */
  width?: number;
  height?: number;
  /** Reuse a MediaService / task context across calls (default: one shared by this module). */
  media?: MediaService;
  context?: TestTaskContext;
}

export interface DescribedClip {
  track: DescriptorTrack;
  /** The RGB24 frames the models saw, in track order, for tests that inspect pixels. */
  rgb: Buffer[];
  width: number;
  height: number;
}

let sharedMedia: MediaService | undefined;
let sharedContext: TestTaskContext | undefined;

function defaultMedia(): MediaService {
  if (!ffmpeg || !ffprobe) throw new Error('descriptorTrackFor needs ffmpeg and ffprobe');
  sharedMedia ??= new MediaService({ ffmpeg, ffprobe, concurrency: 2 });
  return sharedMedia;
}

function defaultContext(): TestTaskContext {
  // One thread per session: the test machines are small and shared.
  sharedContext ??= testTaskContext(BUILTIN_MODEL_PATHS, {
    batchSize: 16,
    sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 },
  });
  return sharedContext;
}

/** Releases the shared onnxruntime sessions (call from an `after` hook). */
export async function releaseDescriptorModels(): Promise<void> {
  const context = sharedContext;
  sharedContext = undefined;
  await context?.release();
}

export async function describeClip(
  path: string,
  options: DescriptorTrackOptions = {},
): Promise<DescribedClip> {
  const media = options.media ?? defaultMedia();
  const context = options.context ?? defaultContext();
  const width = options.width ?? 64;
  const height = options.height ?? 64;
  const video = await media.open(path);
  const times = video.timeline.times;
  const start = options.start ?? 0;
  const end = options.end ?? Number.POSITIVE_INFINITY;
  let request: FrameRequest;
  if (options.fps !== undefined) {
    const last = times.length - 1;
    const frameDuration = last > 0 ? (times[last] - times[0]) / last : 0;
    const clipEnd = times[last] - video.probe.startTime + frameDuration;
    request = { kind: 'window', start, end: Math.min(end, clipEnd), fps: options.fps, max: 100_000 };
  } else {
    const indices: number[] = [];
    times.forEach((t, index) => {
      const time = t - video.probe.startTime;
      if (time >= start - 1e-9 && time < end) indices.push(index);
    });
    request = { kind: 'indices', indices };
  }
  const sampled = await media.sample(path, request, { size: { width, height, fit: 'stretch' } });
  // A window at a low fps can name one frame twice on a short clip; a track wants each frame once.
  const seen = new Set<number>();
  const kept = sampled.frames.filter((f) => !seen.has(f.index) && seen.add(f.index));
  const rgb = kept.map((f) => {
    if (!f.data) throw new Error(`${path}: frame ${f.index} came back without pixels`);
    return f.data;
  });
  const frames = { count: rgb.length, width, height, data: new Uint8Array(Buffer.concat(rgb)) };
  const signature = await frameSignatureTask({ frames }, FRAME_SIGNATURE_MODEL_ID, context);
  const motion = await motionTask({ frames }, MOTION_MODEL_ID, context);
  const refs: FrameRef[] = kept.map((f) => ({ index: f.index, pts: f.pts, time: f.time }));
  return {
    track: {
      frames: refs,
      descriptors: signature.embeddings,
      dim: signature.dim,
      motionEnergy: motion.energy,
    },
    rgb,
    width,
    height,
  };
}

/** Decodes every frame (or `fps`) of a clip at 64x64 and runs the frame-signature and motion models. */
export async function descriptorTrackFor(
  path: string,
  options: DescriptorTrackOptions = {},
): Promise<DescriptorTrack> {
  return (await describeClip(path, options)).track;
}

/**
 * Renders (once, cached by graph in the temp folder) a clip from an ffmpeg lavfi filter graph whose
 * output is the video, e.g. `smptebars=s=160x120:r=25:d=2`. Returns its path.
 */
export function lavfiClip(graph: string, options: { gop?: number } = {}): string {
  if (!ffmpeg) throw new Error('ffmpeg missing');
  const dir = join(tmpdir(), 'vc-lavfi-clips');
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha1')
    .update(JSON.stringify([graph, options]))
    .digest('hex')
    .slice(0, 12);
  const path = join(dir, `lavfi-${key}.mp4`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial.mp4`;
  execFileSync(ffmpeg, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p'],
    ...['-g', String(options.gop ?? 25), partial],
  ]);
  renameSync(partial, path);
  return path;
}
