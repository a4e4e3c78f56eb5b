// The frames one clip's analysis looks at, decoded once each: a dense pass (every frame, small)
// for shots, dynamics and motion, and 2-fps analysis frames at the analysis size for OCR, with
// every other one a 1-fps keyframe candidate. Descriptors and motion come from the built-in models through the inference runtime.
import type { InferenceRuntime } from '../inference/inferenceRuntime';
import type { FrameSize } from '../media/frameDecoder';
import type { MediaService } from '../media/mediaService';
import type { FrameSetRequest, SampledFrame } from '../media/sampleFrames';
import type { FrameBatch } from '../../protocol/inference';
import type { DescriptorTrack, FrameRef } from './analysisTypes';
import type { StageClock } from './stageClock';

export const FRAME_SIGNATURE_MODEL = 'builtin/frame-signature';
export const MOTION_MODEL = 'builtin/motion';

export interface ClipFrameOptions {
  /** Dense pass: every decoded frame up to this many, else spread evenly (default 3000). */
  denseMax?: number;
  denseSize?: number;
  /** Decode with the in-loop deblocking filter (default: skipped, see DecodeJob.skipLoopFilter). */
  fullQualityDecode?: boolean;
  /** Analysis frames per second (default 2: text shown for 1 s is read twice) and their cap (default 512). */
  analysisFps?: number;
  analysisMax?: number;
  /** Keyframe candidates per second, taken from the analysis frames (default 1). */
  candidateFps?: number;
  /** Width of the analysis frames (height keeps the aspect; default 384). */
  analysisWidth?: number;
  signal?: AbortSignal;
  /** Charged with the 'decode' and 'descriptors' stages. */
  clock?: StageClock;
}

export interface ClipFrames {
  dense: DescriptorTrack;
  /** Dense RGB frames (denseSize x denseSize), row-aligned with dense.frames. */
  denseBatch: FrameBatch;
  /** Analysis frames (at analysisFps) at the analysis size: what OCR and trackers of text look at. */
  analysis: FrameRef[];
  analysisBatch: FrameBatch;
  /** Descriptor of each analysis frame (the dense descriptor of the same frame). */
  analysisDescriptors: Float32Array;
  /** Keyframe candidates: every n-th analysis frame, so about candidateFps. */
  candidates: FrameRef[];
  /** Descriptor of each candidate (the dense descriptor of the same frame). */
  candidateDescriptors: Float32Array;
  analysisWidth: number;
  analysisHeight: number;
}

/** The dense pass's frames: small squares, area-averaged (cheap for big shrinks, no aliasing). */
export function denseFrameSize(size = 64): FrameSize {
  return { width: size, height: size, fit: 'stretch', scaler: 'area' };
}

export function toRef(frame: SampledFrame): FrameRef {
  return { index: frame.index, pts: frame.pts, time: frame.time };
}

export function packFrames(frames: SampledFrame[], width: number, height: number): FrameBatch {
  const size = width * height * 3;
  const data = new Uint8Array(frames.length * size);
  frames.forEach((f, i) => data.set(f.data!, i * size));
  return { count: frames.length, width, height, data };
}

/** What the analysis asks the decoder for: the sets, their sizes and the decode options. */
export function clipFrameSets(
  duration: number,
  display: { width: number; height: number },
  options: ClipFrameOptions = {},
): {
  sets: FrameSetRequest[];
  denseSize: number;
  analysisFps: number;
  analysisWidth: number;
  analysisHeight: number;
  decode: { timeoutMs: number; skipLoopFilter: boolean };
} {
  const denseSize = options.denseSize ?? 64;
  const analysisWidth = even(options.analysisWidth ?? 384);
  const analysisHeight = even((analysisWidth * display.height) / Math.max(1, display.width));
  const analysisFps = options.analysisFps ?? 2;
  return {
    // One decode of the clip gives both sets: every frame small, the analysis frames large.
    sets: [
      {
        request: { kind: 'window', start: 0, end: duration + 1, max: options.denseMax ?? 3000 },
        size: denseFrameSize(denseSize),
      },
      {
        request: { kind: 'candidates', fps: analysisFps, max: options.analysisMax ?? 512 },
        size: { width: analysisWidth, height: analysisHeight, fit: 'stretch' },
      },
    ],
    denseSize,
    analysisFps,
    analysisWidth,
    analysisHeight,
    decode: {
      // One process decodes the whole clip: its time limit grows with the clip (2 s per second of
      // video on top of the usual 120 s, at most an hour, whatever a damaged header claims), so a
      // long 4K clip is not cut off while a hang still ends.
      timeoutMs: Math.min(3_600_000, 120_000 + 2_000 * Math.max(0, duration || 0)),
      // Analysis-grade decoding: the models see 64 px area averages and 384 px text, where the
      // skipped deblocking does not show, and the decode costs less.
      skipLoopFilter: options.fullQualityDecode !== true,
    },
  };
}

export async function decodeClipFrames(
  video: string,
  duration: number,
  display: { width: number; height: number },
  media: MediaService,
  runtime: InferenceRuntime,
  options: ClipFrameOptions = {},
): Promise<ClipFrames> {
  const signal = options.signal;
  const run = signal ? { signal } : {};
  const { sets, denseSize, analysisFps, analysisWidth, analysisHeight, decode } = clipFrameSets(
    duration,
    display,
    options,
  );
  const [dense, analysis] = await media.sampleSets(video, sets, { ...run, ...decode });
  options.clock?.lap('decode');
  const denseBatch = packFrames(dense.frames, denseSize, denseSize);
  const [signature, motion] = await Promise.all([
    runtime.run('frame-signature', FRAME_SIGNATURE_MODEL, { frames: denseBatch }, run),
    runtime.run('motion', MOTION_MODEL, { frames: denseBatch }, run),
  ]);
  options.clock?.lap('descriptors');
  const { dim, embeddings } = signature.output;
  const row = new Map(dense.frames.map((f, i) => [f.index, i]));
  const step = Math.max(1, Math.round(analysisFps / (options.candidateFps ?? 1)));
  const candidates = { frames: analysis.frames.filter((_, i) => i % step === 0) };
  // Analysis frames are frames of the same stream, so the dense pass holds each one (or its neighbour when spread).
  const analysisDescriptors = new Float32Array(analysis.frames.length * dim);
  analysis.frames.forEach((f, i) => {
    const at = row.get(f.index) ?? nearestRow(dense.frames, f.index);
    analysisDescriptors.set(embeddings.subarray(at * dim, (at + 1) * dim), i * dim);
  });
  const candidateDescriptors = new Float32Array(candidates.frames.length * dim);
  analysis.frames.forEach((_, i) => {
    if (i % step === 0)
      candidateDescriptors.set(analysisDescriptors.subarray(i * dim, (i + 1) * dim), (i / step) * dim);
  });
  return {
    dense: {
      frames: dense.frames.map(toRef),
      descriptors: embeddings,
      dim,
      motionEnergy: motion.output.energy,
    },
    denseBatch,
    analysis: analysis.frames.map(toRef),
    analysisBatch: packFrames(analysis.frames, analysisWidth, analysisHeight),
    analysisDescriptors,
    candidates: candidates.frames.map(toRef),
    candidateDescriptors,
    analysisWidth,
    analysisHeight,
  };
}

function nearestRow(frames: SampledFrame[], index: number): number {
  let best = 0;
  frames.forEach((f, i) => {
    if (Math.abs(f.index - index) < Math.abs(frames[best].index - index)) best = i;
  });
  return best;
}

function even(n: number): number {
  return Math.max(2, 2 * Math.round(n / 2));
}
