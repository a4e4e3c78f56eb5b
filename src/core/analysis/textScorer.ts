// What the text-scoring analyses (TPL, temporal sensitivity) consume: a scorer that says how likely a
// VLM finds a text given frames, and a provider of frames by position in the clip. The faces back
// the scorer with the inference runtime and the frames with the media layer; tests back both with
// synthetic stand-ins.
import type { FrameBatch, TaskInput, TaskOutput } from '../../protocol/inference';
import type { FrameRef, ModelUse } from './analysisTypes';

/** The manifest's scorer model. */
export const SCORER_MODEL_ID = 'hub/smolvlm-256m-instruct';

/** Why a scoring result is absent when no scorer is installed: says what to run. */
export const NO_SCORER_REASON = `no scorer model installed (${SCORER_MODEL_ID} missing: run video-curator models pull ${SCORER_MODEL_ID})`;

export interface TextScore {
  /** Per-token log-probabilities of the text (natural log, ≤ 0). */
  logProbs: Float32Array;
  /** Mean negative log-probability per token, nats. */
  meanNll: number;
}

export interface TextScorer {
  readonly model: ModelUse;
  /** Teacher-forced score of `text` as the answer to `prompt` about `frames` (in the batch's order). */
  score(frames: FrameBatch, prompt: string, text: string, signal?: AbortSignal): Promise<TextScore>;
}

/** The part of the inference runtime the adapter uses (InferenceRuntime has it). */
export interface ScoreTextRunner {
  run(
    task: 'score-text',
    model: string,
    input: TaskInput<'score-text'>,
    options?: { signal?: AbortSignal },
  ): Promise<{ output: TaskOutput<'score-text'> }>;
}

/** A TextScorer that runs the worker's score-text task on `modelId`. */
export function inferenceScorer(runtime: ScoreTextRunner, modelId: string, version: string): TextScorer {
  return {
    model: { id: modelId, version },
    async score(frames, prompt, text, signal) {
      const { output } = await runtime.run(
        'score-text',
        modelId,
        { frames, prompt, text },
        signal ? { signal } : {},
      );
      // A NaN here would poison every dataset percentile downstream: fail where it is made.
      if (output.logProbs.length === 0 || !Number.isFinite(output.meanNll)) {
        throw new Error(
          `score-text on ${modelId} returned no usable score (${output.logProbs.length} tokens, mean NLL ${output.meanNll}) for "${text}"`,
        );
      }
      return { logProbs: output.logProbs, meanNll: output.meanNll };
    },
  };
}

/** Frames as analyses use them: where they are in the clip, and their pixels in the same order. */
export interface FrameSelection {
  refs: FrameRef[];
  batch: FrameBatch;
}

/**
 * Frames of one clip, at one size. The media layer backs it with FrameRequest 'uniform' and 'times'
 * (see samplePlan.ts); a clip shorter than asked for may repeat a frame.
 */
export interface FrameProvider {
  /** Seconds from the clip start to the end of its last frame. */
  readonly duration: number;
  /** `count` frames at the centres of `count` equal segments of the clip. */
  uniform(count: number, signal?: AbortSignal): Promise<FrameSelection>;
  /** The frames on screen at these times (seconds from the clip start), in the order given. */
  atTimes(times: readonly number[], signal?: AbortSignal): Promise<FrameSelection>;
}

/** The frames at `positions` of a selection, in that order (a copy; the selection is untouched). */
export function pickFrames(selection: FrameSelection, positions: readonly number[]): FrameSelection {
  const { batch } = selection;
  const frameBytes = batch.width * batch.height * 3;
  const data = new Uint8Array(positions.length * frameBytes);
  positions.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= batch.count) {
      throw new RangeError(`frame position ${p} is outside 0..${batch.count - 1}`);
    }
    data.set(batch.data.subarray(p * frameBytes, (p + 1) * frameBytes), i * frameBytes);
  });
  return {
    refs: positions.map((p) => selection.refs[p]),
    batch: { count: positions.length, width: batch.width, height: batch.height, data },
  };
}
