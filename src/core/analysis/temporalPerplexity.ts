// Temporal perplexity (TPL), after "Unhackable Temporal Rewarding for Scalable Video MLLMs": how much
// more a VLM needs the whole clip than one frame of it to find the sample's answers likely.
//
//   NLL(frames) = Σ_turns Σ_tokens −log p(token | prompt, frames) / Σ_turns tokens   (teacher-forced,
//                 over the assistant turns; each turn's prompt is the conversation before it)
//   NLL(full)   = NLL(N frames at the centres of N equal segments of the clip)
//   NLL(single) = mean over K frames drawn (seeded by the sample id) from those N of NLL(that frame)
//   TPL         = NLL(single) − NLL(full), nats per token
//
// A text one frame explains as well as the clip (a static scene) scores ≈ 0; a text about change
// over time (an order of events) scores high.
import type { FrameBatch } from '../../protocol/inference';
import type { Sample, Turn } from '../dataset/sample';
import { VIDEO_TOKEN } from '../dataset/turnTemplates';
import type { FrameRef, TplResult } from './analysisTypes';
import { drawDistinct, seededRandom } from './seededRandom';
import { NO_SCORER_REASON, pickFrames } from './textScorer';
import type { FrameProvider, TextScorer } from './textScorer';

export const TPL_DEFAULT_FRAMES = 8;
export const TPL_MAX_FRAMES = 32;
export const TPL_DEFAULT_SINGLES = 1;
/** Prompt for an assistant turn with nothing before it (a bare caption). */
export const DEFAULT_SCORE_PROMPT = 'Describe the video briefly.';

export interface TplOptions {
  /** N: uniform frames for NLL(full), 1..32 (default 8). */
  frames?: number;
  /** K: single frames drawn for NLL(single), 1..N (default 1, as in the paper); NLLs are averaged. */
  singles?: number;
  /** Seed for the draw (default: the sample id). */
  seed?: string;
  /** Also score each of the N frames alone (the single-frame profile): N more passes per turn. */
  profile?: boolean;
  signal?: AbortSignal;
}

/** One assistant answer to score and the prompt it answers. */
export interface ScoredTurn {
  /** Index in sample.turns. */
  turn: number;
  prompt: string;
  text: string;
}

/** Every non-empty assistant turn with the conversation before it as its prompt. */
export function scoredTurns(turns: readonly Turn[]): ScoredTurn[] {
  const out: ScoredTurn[] = [];
  turns.forEach((turn, i) => {
    if (turn.role !== 'gpt' || turn.text.trim() === '') return;
    out.push({ turn: i, prompt: renderPrompt(turns.slice(0, i)), text: turn.text.trim() });
  });
  return out;
}

/**
 * The turns before an answer as one user message. The scorer puts the frames ahead of it (its chat
 * template's image slots), so the dataset's <video>/<image> placeholders are removed: left in, an
 * <image> would ask the processor for frames that are not there.
 */
export function renderPrompt(before: readonly Turn[]): string {
  const lines: string[] = [];
  // The template already opens the message as the user's: only later turns need their speaker named.
  let conversation = false;
  for (const turn of before) {
    const text = turn.text.replaceAll(VIDEO_TOKEN, '').replaceAll('<image>', '').trim();
    if (text === '') continue;
    if (turn.role === 'system') lines.push(text);
    else lines.push(turn.role === 'gpt' ? `Assistant: ${text}` : conversation ? `User: ${text}` : text);
    if (turn.role !== 'system') conversation = true;
  }
  return lines.length > 0 ? lines.join('\n') : DEFAULT_SCORE_PROMPT;
}

/** Token-weighted mean NLL of the answers given one set of frames. */
export async function answersNll(
  scorer: TextScorer,
  batch: FrameBatch,
  answers: readonly ScoredTurn[],
  signal?: AbortSignal,
): Promise<{ nll: number; tokens: number }> {
  let total = 0;
  let tokens = 0;
  for (const answer of answers) {
    signal?.throwIfAborted();
    const { logProbs, meanNll } = await scorer.score(batch, answer.prompt, answer.text, signal);
    total += meanNll * logProbs.length;
    tokens += logProbs.length;
  }
  if (tokens === 0) throw new Error(`${scorer.model.id} scored no tokens of the assistant text`);
  return { nll: total / tokens, tokens };
}

export async function temporalPerplexity(
  sample: Pick<Sample, 'id' | 'turns'>,
  frames: FrameProvider,
  scorer: TextScorer | undefined,
  options: TplOptions = {},
): Promise<TplResult> {
  const n = options.frames ?? TPL_DEFAULT_FRAMES;
  const k = options.singles ?? TPL_DEFAULT_SINGLES;
  if (!Number.isInteger(n) || n < 1 || n > TPL_MAX_FRAMES) {
    throw new RangeError(`TPL frames must be an integer in 1..${TPL_MAX_FRAMES}, got ${n}`);
  }
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(`TPL single frames must be an integer in 1..${n} (the uniform frames), got ${k}`);
  }
  const seed = options.seed ?? sample.id;
  const params: TplResult['params'] = { frames: n, singles: k, seed, profile: options.profile ? 1 : 0 };

  const answers = scoredTurns(sample.turns);
  if (answers.length === 0) return { reason: 'no assistant text to score', params };
  if (!scorer) return { reason: NO_SCORER_REASON, params };
  const { signal } = options;

  const full = await frames.uniform(n, signal);
  if (full.batch.count === 0 || full.refs.length !== full.batch.count) {
    throw new Error(
      `the frame provider returned ${full.batch.count} frames and ${full.refs.length} refs for ${n} uniform frames of sample ${sample.id}`,
    );
  }
  const { nll: nllFull, tokens } = await answersNll(scorer, full.batch, answers, signal);

  // The single frames come from the N uniform ones: already decoded, and the full set contains them.
  const single = new Map<number, number>();
  const singleNll = async (position: number): Promise<number> => {
    let nll = single.get(position);
    if (nll === undefined) {
      nll = (await answersNll(scorer, pickFrames(full, [position]).batch, answers, signal)).nll;
      single.set(position, nll);
    }
    return nll;
  };
  const drawn = drawDistinct(full.batch.count, Math.min(k, full.batch.count), seededRandom(seed));
  let sum = 0;
  for (const position of drawn) sum += await singleNll(position);
  const nllSingle = sum / drawn.length;

  let profile: { frame: FrameRef; nll: number }[] | undefined;
  if (options.profile) {
    profile = [];
    for (let p = 0; p < full.batch.count; p++) profile.push({ frame: full.refs[p], nll: await singleNll(p) });
  }

  return {
    tpl: nllSingle - nllFull,
    nllFull,
    nllSingle,
    fullFrames: full.refs,
    singleFrames: drawn.map((p) => full.refs[p]),
    ...(profile ? { profile } : {}),
    model: scorer.model,
    params: { ...params, turns: answers.length, tokens },
  };
}
