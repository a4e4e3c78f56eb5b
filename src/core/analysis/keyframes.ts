// TSPO-style keyframe selection: each 1-fps candidate scores by how well it answers the query
// (relevance) plus how much it differs from its neighbours (event novelty), smoothed so whole events
// win over single noisy frames; then top-k with non-maximum suppression, or the best of each time bin.
import type { FrameRef, KeyframeCandidate, KeyframePicks, ModelUse } from './analysisTypes';
import { splitInlineOptions } from '../dataset/formats/choiceParsing';
import type { Sample } from '../dataset/sample';
import { queryFromGroundingTurns } from '../dataset/turnTemplates';

export interface KeyframeInput {
  /** Candidate frames in time order (about 1 fps, capped). */
  candidates: FrameRef[];
  /** candidates.length x dim, L2-normalised rows (frame signatures or image embeddings). */
  descriptors: Float32Array;
  dim: number;
  /** Per candidate: cosine between the query embedding and the candidate's; absent without a query. */
  relevance?: ArrayLike<number>;
  /** What the relevance was computed from, recorded with the picks. */
  query?: { text: string; model: ModelUse };
  /** First frames of new shots (hard cuts); the candidate at or after each gets a novelty boost. */
  cuts?: FrameRef[];
}

export interface KeyframeOptions {
  /** How many keyframes (default 16). */
  k?: number;
  /** 'top-k' (default): the k best with a minimum gap; 'bins': the best of each of k equal time bins. */
  mode?: 'top-k' | 'bins';
  /** Half-width, in candidates, of the triangular window that smooths the score (default 6). */
  smoothRadius?: number;
  /** Half-width, in candidates, of the neighbourhood novelty compares against (default 2). */
  noveltyRadius?: number;
  /** Added to the novelty of the first candidate of each shot, before normalising (default 0.25). */
  boundaryBoost?: number;
  /** Top-k only: picks are at least this many candidates apart (default 2; 1 allows neighbours). */
  minGap?: number;
  /**
   * Novelty is divided by max(its largest value in the clip, this) (default 0.05): a clip with no
   * events keeps its small novelty small instead of having jitter stretched to 0..1.
   */
  noveltyFloor?: number;
  /** Weights of the two terms (defaults 1 and 1), each in 0..1 over the clip. */
  relevanceWeight?: number;
  noveltyWeight?: number;
}

export const KEYFRAME_DEFAULTS = {
  k: 16,
  mode: 'top-k',
  smoothRadius: 6,
  noveltyRadius: 2,
  boundaryBoost: 0.25,
  minGap: 2,
  noveltyFloor: 0.05,
  relevanceWeight: 1,
  noveltyWeight: 1,
} as const satisfies Required<KeyframeOptions>;

export function pickKeyframes(input: KeyframeInput, options: KeyframeOptions = {}): KeyframePicks {
  const o = { ...KEYFRAME_DEFAULTS, ...definedOnly(options) };
  const { candidates, descriptors, dim, relevance } = input;
  const n = candidates.length;
  checkInput(input, o);

  const rawNovelty = eventNovelty(descriptors, dim, n, o.noveltyRadius);
  for (const index of boundaryCandidates(candidates, input.cuts ?? [])) rawNovelty[index] += o.boundaryBoost;
  const noveltyScale = rawNovelty.reduce((max, v) => Math.max(max, v), o.noveltyFloor);
  const novelty = rawNovelty.map((v) => Math.min(1, v / noveltyScale));
  const relevanceNorm = relevance ? normalise(Float64Array.from(relevance)) : undefined;

  const raw = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    raw[i] = o.noveltyWeight * novelty[i] + (relevanceNorm ? o.relevanceWeight * relevanceNorm.values[i] : 0);
  }
  const score = smooth(raw, o.smoothRadius);

  const scored: KeyframeCandidate[] = candidates.map((frame, i) => ({
    index: frame.index,
    pts: frame.pts,
    time: frame.time,
    ...(relevanceNorm ? { relevance: relevanceNorm.values[i] } : {}),
    novelty: novelty[i],
    score: score[i],
  }));

  const k = Math.min(o.k, n);
  let relaxed = 0;
  let picks: number[];
  if (o.mode === 'bins') picks = pickPerBin(candidates, score, k);
  else ({ picks, relaxed } = pickTopK(score, k, o.minGap));

  // Normalisation scales are kept so the raw cosine / novelty of any candidate can be recovered.
  const params: Record<string, number | string> = {
    candidates: n,
    smoothRadius: o.smoothRadius,
    noveltyRadius: o.noveltyRadius,
    boundaryBoost: o.boundaryBoost,
    cuts: input.cuts?.length ?? 0,
    relevanceWeight: o.relevanceWeight,
    noveltyWeight: o.noveltyWeight,
    noveltyFloor: o.noveltyFloor,
    noveltyScale,
    ...(relevanceNorm ? { relevanceMin: relevanceNorm.min, relevanceMax: relevanceNorm.max } : {}),
    ...(o.mode === 'top-k' ? { minGap: o.minGap, gapRelaxed: relaxed } : {}),
  };
  return {
    candidates: scored,
    picks,
    mode: o.mode,
    k: o.k,
    ...(input.query ? { query: { text: input.query.text, model: { ...input.query.model } } } : {}),
    params,
  };
}

/**
 * The text a text encoder should embed for a sample. Multiple-choice questions go in without their
 * options, as TSPO does: the options would pull relevance towards frames matching wrong answers.
 */
export function queryTextFor(sample: Pick<Sample, 'turns' | 'choice' | 'query'>): string {
  if (sample.choice) return cleanQuestion(sample.choice.question);
  if (sample.query?.trim()) return sample.query.trim();
  const grounding = queryFromGroundingTurns(sample.turns);
  if (grounding) return grounding.trim();
  const human = sample.turns.filter((turn) => turn.role === 'human').map((turn) => cleanQuestion(turn.text));
  return human.filter(Boolean).join('\n');
}

function cleanQuestion(text: string): string {
  const noTokens = text
    .replace(/<(video|image)>/gi, '')
    .replace(/\n\s*Answer with the option's letter[^\n]*$/i, '')
    .trim();
  return splitInlineOptions(noTokens).question;
}

function checkInput(input: KeyframeInput, o: Required<KeyframeOptions>): void {
  const n = input.candidates.length;
  if (!Number.isInteger(input.dim) || input.dim < 1) throw new RangeError(`dim must be a positive integer`);
  if (input.descriptors.length !== n * input.dim) {
    throw new RangeError(
      `descriptors hold ${input.descriptors.length} values, but ${n} candidates x ${input.dim} need ${n * input.dim}`,
    );
  }
  if (input.relevance && input.relevance.length !== n) {
    throw new RangeError(`relevance has ${input.relevance.length} values for ${n} candidates`);
  }
  if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`k must be a positive integer, got ${o.k}`);
  if (!(o.noveltyFloor > 0)) throw new RangeError(`noveltyFloor must be > 0, got ${o.noveltyFloor}`);
  for (const name of ['smoothRadius', 'noveltyRadius'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 0) {
      throw new RangeError(`${name} must be a non-negative integer, got ${o[name]}`);
    }
  }
  if (!Number.isInteger(o.minGap) || o.minGap < 1) {
    throw new RangeError(`minGap must be a positive integer, got ${o.minGap}`);
  }
}

/** 1 - mean cosine to the candidates within ±radius (the descriptors are unit rows). */
function eventNovelty(descriptors: Float32Array, dim: number, n: number, radius: number): Float64Array {
  const out = new Float64Array(n);
  const r = Math.max(1, radius);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let count = 0;
    for (let j = Math.max(0, i - r); j <= Math.min(n - 1, i + r); j++) {
      if (j === i) continue;
      sum += dot(descriptors, i, j, dim);
      count++;
    }
    out[i] = count ? 1 - sum / count : 0;
  }
  return out;
}

function dot(rows: Float32Array, a: number, b: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += rows[a * dim + d] * rows[b * dim + d];
  return sum;
}

/** Candidate positions of the first candidate at or after each cut. */
function boundaryCandidates(candidates: FrameRef[], cuts: FrameRef[]): Set<number> {
  const out = new Set<number>();
  for (const cut of cuts) {
    const at = candidates.findIndex((c) => c.time >= cut.time - 1e-6);
    if (at > 0) out.add(at);
  }
  return out;
}

/** Min-max to 0..1; a constant term becomes all zeros (it says nothing about where to look). */
function normalise(values: Float64Array): { values: Float64Array; min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (!values.length) return { values, min: 0, max: 0 };
  const span = max - min;
  return { values: values.map((v) => (span > 1e-12 ? (v - min) / span : 0)), min, max };
}

/** Triangular-weighted mean over ±radius: a candidate's score reaches exactly radius candidates away. */
function smooth(values: Float64Array, radius: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let weights = 0;
    for (let j = Math.max(0, i - radius); j <= Math.min(n - 1, i + radius); j++) {
      const w = radius + 1 - Math.abs(i - j);
      sum += w * values[j];
      weights += w;
    }
    out[i] = sum / weights;
  }
  return out;
}

/** Greedy NMS; when the gap leaves fewer than k, the best remaining fill in (counted as relaxed). */
function pickTopK(score: Float64Array, k: number, minGap: number): { picks: number[]; relaxed: number } {
  const order = [...score.keys()].sort((a, b) => score[b] - score[a] || a - b);
  const taken: number[] = [];
  for (const i of order) {
    if (taken.length === k) break;
    if (taken.every((p) => Math.abs(p - i) >= minGap)) taken.push(i);
  }
  let relaxed = 0;
  for (const i of order) {
    if (taken.length === k) break;
    if (!taken.includes(i)) {
      taken.push(i);
      relaxed++;
    }
  }
  return { picks: taken.sort((a, b) => a - b), relaxed };
}

/** The best candidate of each of k equal time bins over the candidates' span; empty bins give none. */
function pickPerBin(candidates: FrameRef[], score: Float64Array, k: number): number[] {
  const n = candidates.length;
  if (n === 0) return [];
  const first = candidates[0].time;
  const step = n > 1 ? (candidates[n - 1].time - first) / (n - 1) : 1;
  const span = candidates[n - 1].time - first + step;
  const best = new Array<number>(k).fill(-1);
  for (let i = 0; i < n; i++) {
    const bin = Math.min(k - 1, Math.floor(((candidates[i].time - first) / span) * k));
    if (best[bin] < 0 || score[i] > score[best[bin]]) best[bin] = i;
  }
  return best.filter((i) => i >= 0);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
