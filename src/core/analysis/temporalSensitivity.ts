// Temporal sensitivity, after TaRO's temporal-aware checks: does a timestamped text depend on its
// window? Two probes with the same scorer, both in mean log-probability per token of the text:
//
//   shuffleDelta        = logP(text | edge frames in time order)
//                         − mean over `shuffles` permutations of logP(text | the same frames shuffled)
//                         edge frames: framesPerRegion frames spread over [start − r, start + r] and
//                         as many over [end − r, end + r] (clipped to the clip, merged where they meet),
//                         shuffled among themselves; permutations seeded by the sample id, never the
//                         identity. Several shuffles because one may happen to keep the order that matters.
//   insideMinusOutside  = logP(text | framesPerRegion frames spread over the window(s))
//                         − logP(text | as many frames spread over the rest of the clip)
//   insensitive         = shuffleDelta < shuffleThreshold and insideMinusOutside < insideThreshold
//                         (0.05 nats/token each by default): neither order at the edges nor being
//                         inside the window changes how likely the text is, so the window may be wrong.
//
// With several windows, inside is their union and the edges are all of theirs.
import type { Sample, TimeWindow } from '../dataset/sample';
import type { SensitivityResult } from './analysisTypes';
import { seededRandom, shuffled } from './seededRandom';
import { DEFAULT_SCORE_PROMPT, TPL_MAX_FRAMES, scoredTurns } from './temporalPerplexity';
import { NO_SCORER_REASON, pickFrames } from './textScorer';
import type { FrameProvider, FrameSelection, TextScorer } from './textScorer';

export const SENSITIVITY_DEFAULTS = {
  /** r, seconds either side of each window edge. */
  radius: 1,
  framesPerRegion: 4,
  shuffleThreshold: 0.05,
  insideThreshold: 0.05,
  shuffles: 3,
} as const;

export interface SensitivityOptions {
  radius?: number;
  /** Frames per edge region, and per side for inside/outside. */
  framesPerRegion?: number;
  shuffleThreshold?: number;
  insideThreshold?: number;
  /** Permutations averaged for shuffleDelta (default 3). */
  shuffles?: number;
  /** Seed for the shuffle (default: the sample id). */
  seed?: string;
  signal?: AbortSignal;
}

type Span = [number, number];

/** Ascending, non-overlapping spans inside [0, duration]; empty ones dropped. */
export function mergeSpans(spans: readonly Span[], duration: number): Span[] {
  const clipped = spans
    .map(([a, b]): Span => [Math.max(0, a), Math.min(duration, b)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: Span[] = [];
  for (const span of clipped) {
    const last = out[out.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else out.push([...span]);
  }
  return out;
}

/** The parts of [0, duration] outside the (merged) spans. */
export function complementSpans(spans: readonly Span[], duration: number): Span[] {
  const out: Span[] = [];
  let from = 0;
  for (const [a, b] of mergeSpans(spans, duration)) {
    if (a > from) out.push([from, a]);
    from = b;
  }
  if (duration > from) out.push([from, duration]);
  return out;
}

/** `count` times at the centres of `count` equal parts of the spans' total length, ascending. */
export function spreadOver(spans: readonly Span[], count: number): number[] {
  const total = spans.reduce((s, [a, b]) => s + (b - a), 0);
  if (total <= 0 || count <= 0) return [];
  const step = total / count;
  const times: number[] = [];
  let span = 0;
  let before = 0; // length of the spans before `span`
  for (let i = 0; i < count; i++) {
    const along = (i + 0.5) * step;
    while (span < spans.length - 1 && along > before + (spans[span][1] - spans[span][0])) {
      before += spans[span][1] - spans[span][0];
      span++;
    }
    times.push(spans[span][0] + (along - before));
  }
  return times;
}

/** The text a window annotates: the sentence (query), else the first assistant answer. */
function windowText(
  sample: Pick<Sample, 'turns' | 'query'>,
): { prompt: string; text: string; source: string } | undefined {
  const query = sample.query?.trim();
  if (query) return { prompt: DEFAULT_SCORE_PROMPT, text: query, source: 'query' };
  const answer = scoredTurns(sample.turns)[0];
  return answer ? { prompt: answer.prompt, text: answer.text, source: 'gpt-turn' } : undefined;
}

export async function temporalSensitivity(
  sample: Pick<Sample, 'id' | 'turns' | 'query' | 'windows'>,
  frames: FrameProvider,
  scorer: TextScorer | undefined,
  options: SensitivityOptions = {},
): Promise<SensitivityResult> {
  const radius = options.radius ?? SENSITIVITY_DEFAULTS.radius;
  const perRegion = options.framesPerRegion ?? SENSITIVITY_DEFAULTS.framesPerRegion;
  const shuffleThreshold = options.shuffleThreshold ?? SENSITIVITY_DEFAULTS.shuffleThreshold;
  const insideThreshold = options.insideThreshold ?? SENSITIVITY_DEFAULTS.insideThreshold;
  const shuffles = options.shuffles ?? SENSITIVITY_DEFAULTS.shuffles;
  if (!Number.isInteger(shuffles) || shuffles < 1)
    throw new RangeError(`shuffles must be a positive integer, got ${shuffles}`);
  if (!(radius > 0)) throw new RangeError(`sensitivity radius must be > 0 seconds, got ${radius}`);
  if (!Number.isInteger(perRegion) || perRegion < 1 || perRegion > TPL_MAX_FRAMES / 2) {
    throw new RangeError(
      `frames per region must be an integer in 1..${TPL_MAX_FRAMES / 2}, got ${perRegion}`,
    );
  }
  const seed = options.seed ?? sample.id;
  const params: SensitivityResult['params'] = {
    radius,
    framesPerRegion: perRegion,
    shuffleThreshold,
    insideThreshold,
    shuffles,
    seed,
  };

  const duration = frames.duration;
  const windows = mergeSpans(
    (sample.windows ?? []).map((w: TimeWindow): Span => [w.start, w.end]),
    duration,
  );
  if (windows.length === 0) return { reason: 'no annotated window inside the clip', params };
  const target = windowText(sample);
  if (!target) return { reason: 'no text for the window to score', params };
  params.text = target.source;
  if (!scorer) return { reason: NO_SCORER_REASON, params };
  const { signal } = options;

  const logProb = async (selection: FrameSelection): Promise<number> => {
    signal?.throwIfAborted();
    const { meanNll } = await scorer.score(selection.batch, target.prompt, target.text, signal);
    return -meanNll;
  };

  // (a) Order at the edges.
  const edges = mergeSpans(
    windows.flatMap(([s, e]): Span[] => [
      [s - radius, s + radius],
      [e - radius, e + radius],
    ]),
    duration,
  );
  const edgeCount = Math.min(TPL_MAX_FRAMES, perRegion * 2 * windows.length);
  const ordered = await frames.atTimes(spreadOver(edges, edgeCount), signal);
  const identity = ordered.refs.map((_, i) => i);
  const random = seededRandom(seed);
  const orderedLogProb = await logProb(ordered);
  const scrambled: FrameSelection[] = [];
  let shuffledSum = 0;
  for (let i = 0; i < shuffles; i++) {
    let permutation = shuffled(identity, random);
    // A shuffle that changes nothing measures nothing: reverse instead.
    if (permutation.every((p, j) => p === j)) permutation = [...identity].reverse();
    scrambled.push(pickFrames(ordered, permutation));
    shuffledSum += await logProb(scrambled[i]);
  }
  const shuffledLogProb = shuffledSum / shuffles;
  const shuffleDelta = orderedLogProb - shuffledLogProb;
  Object.assign(params, { orderedLogProb, shuffledLogProb });

  // (b) Inside against outside.
  // A window covering the whole clip has no outside: this probe is then left out.
  const outsideTimes = spreadOver(complementSpans(windows, duration), perRegion);
  let insideMinusOutside: number | undefined;
  let inside: FrameSelection | undefined;
  let outside: FrameSelection | undefined;
  if (outsideTimes.length > 0) {
    inside = await frames.atTimes(spreadOver(windows, perRegion), signal);
    outside = await frames.atTimes(outsideTimes, signal);
    const insideLogProb = await logProb(inside);
    const outsideLogProb = await logProb(outside);
    insideMinusOutside = insideLogProb - outsideLogProb;
    Object.assign(params, { insideLogProb, outsideLogProb });
  }

  const insensitive =
    shuffleDelta < shuffleThreshold &&
    (insideMinusOutside === undefined || insideMinusOutside < insideThreshold);
  return {
    shuffleDelta,
    ...(insideMinusOutside !== undefined ? { insideMinusOutside } : {}),
    insensitive,
    model: scorer.model,
    frames: {
      ordered: ordered.refs,
      shuffled: scrambled.map((s) => s.refs),
      ...(inside && outside ? { inside: inside.refs, outside: outside.refs } : {}),
    },
    params,
  };
}
