// The cost model: which way of getting a set of frames decodes the least.
//  - select: one decode from the start, keeping the wanted frames, stopping after the last one;
//  - seek:   one process with an input per group of frames sharing a keyframe, each input seeked
//            to its first frame (exact: ffmpeg decodes from the keyframe and drops earlier frames);
//  - keyframes: decode keyframes only (fast preview; frames are approximate).
import { keyframeBefore } from './frameTimeline';
import type { FrameTimeline } from './frameTimeline';

export type SamplingStrategy = 'select' | 'seek' | 'keyframes';

/** Frames of the same GOP, decoded from one seek. */
export interface SeekGroup {
  keyframe: number;
  /** Sorted, unique frame indices. */
  frames: number[];
}

/**
 * Fixed cost of one more input (open, probe, decoder start), in single-threaded decoded-frame
 * equivalents; measured 15-35 ms per input on 360p-720p H.264 (`npm run bench:media`).
 */
export const SEEK_INPUT_COST = 14;
/** Speed-up of a decode given two threads: frame threading in one decode vs seeks, which ffmpeg 5 runs one after another. */
const SELECT_TWO_THREAD_SPEEDUP = 1.75;
const SEEK_TWO_THREAD_SPEEDUP = 1.25;

export function seekGroups(timeline: FrameTimeline, frames: readonly number[]): SeekGroup[] {
  const groups: SeekGroup[] = [];
  for (const frame of frames) {
    const keyframe = keyframeBefore(timeline, frame);
    const current = groups.at(-1);
    if (current && current.keyframe === keyframe) current.frames.push(frame);
    else groups.push({ keyframe, frames: [frame] });
  }
  return groups;
}

export interface StrategyCosts {
  /** Frames the single decode goes through (it stops after the last wanted one). */
  select: number;
  /** Frames the seeks decode, from each group's keyframe to its last wanted frame. */
  seek: number;
  /** Inputs the seek strategy opens. */
  seekInputs: number;
}

/** Decoded frames each strategy costs for these (sorted, unique) frames. */
export function strategyCosts(timeline: FrameTimeline, frames: readonly number[]): StrategyCosts {
  const groups = seekGroups(timeline, frames);
  return {
    select: (frames.at(-1) ?? 0) + 1,
    seek: groups.reduce((sum, g) => sum + (g.frames[g.frames.length - 1] - g.keyframe + 1), 0),
    seekInputs: groups.length,
  };
}

/** Estimated time of each strategy in single-threaded frame-decode units. */
export function strategyTimes(costs: StrategyCosts, threads: number): { select: number; seek: number } {
  const two = threads >= 2;
  return {
    select: costs.select / (two ? SELECT_TWO_THREAD_SPEEDUP : 1),
    seek: costs.seek / (two ? SEEK_TWO_THREAD_SPEEDUP : 1) + costs.seekInputs * SEEK_INPUT_COST,
  };
}

export function chooseStrategy(
  timeline: FrameTimeline,
  frames: readonly number[],
  threads = 1,
): Exclude<SamplingStrategy, 'keyframes'> {
  const times = strategyTimes(strategyCosts(timeline, frames), threads);
  return times.seek < times.select ? 'seek' : 'select';
}
