// Hard cuts (shot boundaries) from a DescriptorTrack, as a pure function. A boundary between frames
// i and i+1 is a cut when its descriptor distance stands out from its neighbours (an adaptive
// threshold in the manner of PySceneDetect's AdaptiveDetector) and passes three guards that keep
// gradual changes out: a fade is a ramp, not a step; a flash returns to where it was; fast camera
// motion raises motion energy on many frames, a cut on one. Exact definitions: docs/signals.md.
import type { DescriptorTrack, FrameRef, Shot, ShotResult } from './analysisTypes';

export interface ShotDetectionOptions {
  /** Absolute floor on the cosine distance d_i (default 0.025). */
  minDistance?: number;
  /** Neighbours each side of a boundary for the robust baseline (default 8). */
  window?: number;
  /** Nearest neighbours each side for the local ratio and the motion guard (default 2, PySceneDetect's window_width). */
  nearWindow?: number;
  /** d_i must exceed median + k x (1.4826 MAD) of its neighbours (default 4). */
  madK?: number;
  /** ...and be this many times max(median of the window, mean of the near window) (default 3, PySceneDetect's adaptive_threshold). */
  ratio?: number;
  /** Fade guard: d_i must be at least this share of the distance across the step span (default 0.5). */
  stepShare?: number;
  /** Frames each side compared by the fade guard (default 3). */
  stepSpan?: number;
  /** Flash guard: longest flash in frames (default 2). */
  flashFrames?: number;
  /** Flash guard: frames before and after must stay at least this share of d_i apart (default 0.5). */
  persistShare?: number;
  /** Motion guard: motion energy at i must be this many times its near neighbours' median (default 3; 0 = off). */
  motionRatio?: number;
  /**
   * Coverage guard: least motion energy (mean absolute grey change, 0..1) at a cut (default 0.05).
   * A caption or logo popping onto an unchanged picture changes the descriptor but only a small
   * share of the pixels; a cut changes most of them. Distances of `sureCut` or more skip this
   * guard: a cut between scenes of equal brightness (red to green) has little grey-level change.
   */
  minCutEnergy?: number;
  sureCut?: number;
  /** Shortest shot between two cuts, seconds (default 0.4); the stronger cut wins. */
  minShotSeconds?: number;
}

const DEFAULTS: Required<ShotDetectionOptions> = {
  minDistance: 0.025,
  window: 8,
  nearWindow: 2,
  madK: 4,
  ratio: 3,
  stepShare: 0.5,
  stepSpan: 3,
  flashFrames: 2,
  persistShare: 0.5,
  motionRatio: 3,
  minCutEnergy: 0.05,
  sureCut: 0.3,
  minShotSeconds: 0.4,
};

/** 1.4826 x MAD estimates a standard deviation for normally distributed values. */
const MAD_TO_SIGMA = 1.4826;

/** Cosine distance 1 - <x_a, x_b> between two L2-normalised rows of the track. */
export function descriptorDistance(track: DescriptorTrack, a: number, b: number): number {
  const { descriptors, dim } = track;
  let dot = 0;
  for (let k = 0, pa = a * dim, pb = b * dim; k < dim; k++) dot += descriptors[pa + k] * descriptors[pb + k];
  // Rounding can push a unit-vector dot product a hair past 1.
  return Math.max(0, 1 - dot);
}

/** d_i = 1 - <x_i, x_{i+1}> for every boundary i in 0..frames.length-2. */
export function boundaryDistances(track: DescriptorTrack): Float64Array {
  const n = track.frames.length;
  const d = new Float64Array(Math.max(0, n - 1));
  for (let i = 0; i + 1 < n; i++) d[i] = descriptorDistance(track, i, i + 1);
  return d;
}

export function detectShots(track: DescriptorTrack, options: ShotDetectionOptions = {}): ShotResult {
  const o = { ...DEFAULTS, ...options };
  checkTrack(track);
  const n = track.frames.length;
  const d = boundaryDistances(track);
  const energy = track.motionEnergy;
  const useMotion = o.motionRatio > 0 && energy.length === d.length;
  const last = n - 1;
  const clamp = (i: number) => Math.min(last, Math.max(0, i));

  const candidates: { boundary: number; strength: number }[] = [];
  for (let i = 0; i < d.length; i++) {
    const di = d[i];
    if (di < o.minDistance) continue;
    // Adaptive threshold: robust baseline of the neighbours, the boundary itself left out.
    const around = neighbours(d, i, o.window);
    const base = median(around);
    const spread = MAD_TO_SIGMA * median(around.map((v) => Math.abs(v - base)));
    // The near mean catches a burst of change a few frames long (a whip pan, a crash zoom).
    const local = Math.max(base, mean(neighbours(d, i, o.nearWindow)));
    const threshold = Math.max(o.minDistance, base + o.madK * spread, o.ratio * local);
    if (di < threshold) continue;
    // Fade guard: across a hard cut the change is the step itself; across a ramp it adds up.
    const across = descriptorDistance(track, clamp(i - o.stepSpan), clamp(i + 1 + o.stepSpan));
    if (di < o.stepShare * across) continue;
    // Flash guard: every frame shortly before must stay far from every frame shortly after.
    if (returnsWithin(track, i, o.flashFrames, o.persistShare * di, clamp)) continue;
    // Motion guard: a cut is a lone spike of pixel change; camera motion keeps it high around it.
    if (useMotion && energy[i] < o.motionRatio * median(neighbours(energy, i, o.nearWindow))) continue;
    if (useMotion && energy[i] < o.minCutEnergy && d[i] < o.sureCut) continue;
    candidates.push({ boundary: i, strength: di / threshold });
  }

  // Minimum shot length: strongest first, a cut too close to a kept one is dropped.
  const kept: number[] = [];
  const time = (i: number) => track.frames[i].time;
  for (const c of [...candidates].sort((a, b) => b.strength - a.strength || a.boundary - b.boundary)) {
    const start = c.boundary + 1;
    if (kept.every((k) => Math.abs(time(k) - time(start)) >= o.minShotSeconds - 1e-9)) kept.push(start);
  }
  kept.sort((a, b) => a - b);

  const cuts: FrameRef[] = kept.map((i) => track.frames[i]);
  const shots: Shot[] = [];
  if (n > 0) {
    const starts = [0, ...kept];
    starts.forEach((s, k) => {
      const end = k + 1 < starts.length ? starts[k + 1] - 1 : last;
      shots.push({ start: track.frames[s], end: track.frames[end] });
    });
  }
  return {
    cuts,
    shots,
    params: {
      minDistance: o.minDistance,
      window: o.window,
      nearWindow: o.nearWindow,
      madK: o.madK,
      ratio: o.ratio,
      stepShare: o.stepShare,
      stepSpan: o.stepSpan,
      flashFrames: o.flashFrames,
      persistShare: o.persistShare,
      motionRatio: useMotion ? o.motionRatio : 0,
      minCutEnergy: useMotion ? o.minCutEnergy : 0,
      sureCut: o.sureCut,
      minShotSeconds: o.minShotSeconds,
      frames: n,
      candidates: candidates.length,
    },
  };
}

/**
 * True when some frame in [i - flash, i] is within `near` of some frame in [i + 1, i + 1 + flash]:
 * the picture came back, so the change at i was a flash (or its end), not a new shot.
 */
function returnsWithin(
  track: DescriptorTrack,
  i: number,
  flash: number,
  near: number,
  clamp: (i: number) => number,
): boolean {
  for (let a = clamp(i - flash); a <= i; a++) {
    for (let b = i + 1; b <= clamp(i + 1 + flash); b++) {
      if (a === i && b === i + 1) continue;
      if (descriptorDistance(track, a, b) < near) return true;
    }
  }
  return false;
}

function neighbours(values: ArrayLike<number>, i: number, window: number): number[] {
  const out: number[] = [];
  const from = Math.max(0, i - window);
  const to = Math.min(values.length - 1, i + window);
  for (let j = from; j <= to; j++) if (j !== i) out.push(values[j]);
  return out;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function checkTrack(track: DescriptorTrack): void {
  const n = track.frames.length;
  if (!(track.dim > 0) || track.descriptors.length !== n * track.dim) {
    throw new RangeError(
      `descriptor track holds ${track.descriptors.length} values, but ${n} frames of dim ${track.dim} need ${n * track.dim}`,
    );
  }
}
