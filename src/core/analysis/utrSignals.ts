// The two data-quality signals of Video-UTR's filtering principles, from a DescriptorTrack, as pure
// functions: frame information density (how many distinct things the clip shows across its frames)
// and inter-frame dynamics (how much changes from one frame to the next). Exact definitions, with the
// reasons for each constant: docs/signals.md.
import type { DescriptorTrack, FrameRef, UtrSignals } from './analysisTypes';
import { descriptorDistance } from './shotDetection';

export interface UtrSignalOptions {
  /** Frames in the density subsample, at the centres of equal time segments (default 16). */
  densityFrames?: number;
  /** Kernel scale tau: frames at cosine distance tau are e^-1 alike (default 0.1). */
  densityScale?: number;
  /** Lag of the descriptor-change pairs, seconds (default 0.5: about what a video LLM sees between frames). */
  lagSeconds?: number;
  /** Saturation scale of the mean descriptor change over the lag (default 0.03). */
  changeScale?: number;
  /** Saturation scale of the motion-energy rate, intensity per second (default 0.2). */
  motionRateScale?: number;
  /** Mean speed of tracked objects, frame diagonals per second; when given, a third dynamics part. */
  trackSpeed?: number;
  /** Saturation scale of the track speed (default 0.25 diagonals per second). */
  trackSpeedScale?: number;
  /** First frames of new shots (e.g. detectShots(track).cuts): no dynamics pair straddles a cut. */
  cuts?: readonly FrameRef[];
}

const DEFAULTS = {
  densityFrames: 16,
  densityScale: 0.1,
  lagSeconds: 0.5,
  changeScale: 0.03,
  motionRateScale: 0.2,
  trackSpeedScale: 0.25,
};

export function utrSignals(track: DescriptorTrack, options: UtrSignalOptions = {}): UtrSignals {
  const o = { ...DEFAULTS, ...options };
  const n = track.frames.length;
  if (track.descriptors.length !== n * track.dim) {
    throw new RangeError(
      `descriptor track holds ${track.descriptors.length} values, but ${n} frames of dim ${track.dim} need ${n * track.dim}`,
    );
  }
  if (n === 0) {
    return { density: 0, dynamics: 0, components: { frames: 0 }, frames: [] };
  }
  const density = informationDensity(track, o.densityFrames, o.densityScale);
  const dynamics = interFrameDynamics(track, o);
  return {
    density: density.value,
    dynamics: dynamics.value,
    components: { ...density.components, ...dynamics.components },
    frames: density.frames,
  };
}

/** 1 - exp(-x / scale): 0 at 0, about x / scale while small, 1 - e^-1 = 0.63 at x = scale, towards 1. */
export function saturate(x: number, scale: number): number {
  return x > 0 ? 1 - Math.exp(-x / scale) : 0;
}

/**
 * Density = (V - 1) / (M - 1), V the Vendi score (exp of the entropy of the eigenvalues of K / M)
 * of M frames at the centres of M equal time segments, K_ab = exp(-d_ab / tau). V counts "effectively
 * distinct" frames: 1 for a still clip, k for k equal-length scenes that share nothing, M at most.
 */
function informationDensity(
  track: DescriptorTrack,
  m: number,
  tau: number,
): { value: number; components: Record<string, number>; frames: FrameRef[] } {
  const picks = uniformPicks(track.frames, m);
  const size = picks.length;
  const kernel = new Float64Array(size * size);
  let pairSum = 0;
  for (let a = 0; a < size; a++) {
    kernel[a * size + a] = 1 / size;
    for (let b = a + 1; b < size; b++) {
      const distance = descriptorDistance(track, picks[a], picks[b]);
      pairSum += distance;
      kernel[a * size + b] = kernel[b * size + a] = Math.exp(-distance / tau) / size;
    }
  }
  let entropy = 0;
  for (const lambda of symmetricEigenvalues(kernel, size))
    if (lambda > 1e-12) entropy -= lambda * Math.log(lambda);
  const vendi = Math.exp(entropy);
  const value = size > 1 ? clamp01((vendi - 1) / (size - 1)) : 0;
  return {
    value,
    components: {
      densityVendi: vendi,
      densityFrames: size,
      densityScale: tau,
      meanPairDistance: size > 1 ? pairSum / ((size * (size - 1)) / 2) : 0,
    },
    frames: picks.map((i) => track.frames[i]),
  };
}

/**
 * Dynamics = mean of saturate(descriptor change over the lag), saturate(motion-energy rate) and, when
 * given, saturate(track speed); pairs that straddle a cut are left out.
 */
function interFrameDynamics(
  track: DescriptorTrack,
  o: typeof DEFAULTS & UtrSignalOptions,
): { value: number; components: Record<string, number> } {
  const n = track.frames.length;
  const energy = track.motionEnergy.length === n - 1 ? track.motionEnergy : undefined;
  const step = medianStep(track.frames);
  const time = (i: number) => track.frames[i].time;
  // A cut is a change of shot, not motion: no pair may straddle one.
  const cutFrames = new Set((o.cuts ?? []).map((f) => f.index));
  const shotOf = new Int32Array(n);
  for (let i = 1; i < n; i++) shotOf[i] = shotOf[i - 1] + (cutFrames.has(track.frames[i].index) ? 1 : 0);
  // Descriptor change over a fixed lag, not between neighbours: the same lag at 24, 60 or 5 fps, and
  // descriptor noise counted once rather than once per frame.
  const lag = step > o.lagSeconds ? 0 : o.lagSeconds;
  let changeSum = 0;
  let pairs = 0;
  for (let i = 0, j = 0; i < n; i++) {
    if (j <= i) j = i + 1;
    while (j < n && time(j) - time(i) < lag - 1e-9) j++;
    if (j >= n || shotOf[j] !== shotOf[i]) continue;
    changeSum += descriptorDistance(track, i, j);
    pairs++;
  }
  // Motion energy per second between consecutive frames of a shot.
  let energyRate = 0;
  let steps = 0;
  for (let i = 0; energy && i + 1 < n; i++) {
    if (shotOf[i + 1] !== shotOf[i]) continue;
    const gap = time(i + 1) - time(i);
    energyRate += energy[i] / (gap > 0 ? gap : step > 0 ? step : 1);
    steps++;
  }
  const descriptorChange = pairs ? changeSum / pairs : 0;
  const motionRate = steps ? energyRate / steps : 0;
  const parts = [saturate(descriptorChange, o.changeScale)];
  const components: Record<string, number> = {
    descriptorChange,
    changeDynamics: parts[0],
    changeScale: o.changeScale,
    lagSeconds: lag,
    changePairs: pairs,
    frameStep: step,
  };
  if (energy) {
    parts.push(saturate(motionRate, o.motionRateScale));
    Object.assign(components, {
      motionRate,
      motionDynamics: parts[1],
      motionRateScale: o.motionRateScale,
    });
  }
  if (o.trackSpeed !== undefined && Number.isFinite(o.trackSpeed)) {
    const trackDynamics = saturate(o.trackSpeed, o.trackSpeedScale);
    parts.push(trackDynamics);
    Object.assign(components, {
      trackSpeed: o.trackSpeed,
      trackDynamics,
      trackSpeedScale: o.trackSpeedScale,
    });
  }
  return { value: clamp01(parts.reduce((a, b) => a + b, 0) / parts.length), components };
}

/** Nearest frame (by time) to the centre of each of m equal segments of the clip's span; repeats kept. */
function uniformPicks(frames: readonly FrameRef[], m: number): number[] {
  const n = frames.length;
  const count = Math.max(1, Math.floor(m));
  if (n === 1) return Array.from({ length: count }, () => 0);
  const first = frames[0].time;
  const step = (frames[n - 1].time - first) / (n - 1);
  const span = frames[n - 1].time - first + step;
  const picks: number[] = [];
  let j = 0;
  for (let k = 0; k < count; k++) {
    const t = first + ((k + 0.5) * span) / count;
    while (j + 1 < n && Math.abs(frames[j + 1].time - t) <= Math.abs(frames[j].time - t)) j++;
    picks.push(j);
  }
  return picks;
}

function medianStep(frames: readonly FrameRef[]): number {
  const steps = frames.slice(1).map((f, i) => f.time - frames[i].time);
  if (steps.length === 0) return 0;
  steps.sort((a, b) => a - b);
  const mid = steps.length >> 1;
  return steps.length % 2 ? steps[mid] : (steps[mid - 1] + steps[mid]) / 2;
}

/** Eigenvalues of a symmetric size x size matrix (row-major, not modified), by cyclic Jacobi rotations. */
export function symmetricEigenvalues(matrix: Float64Array, size: number): number[] {
  const a = Float64Array.from(matrix);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) off += a[p * size + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * size + q] - a[p * size + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p];
          const akq = a[k * size + q];
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k];
          const aqk = a[q * size + k];
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: size }, (_, i) => a[i * size + i]);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
