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

/** Fixed cost of one more input (open, probe, decoder start), in decoded-frame equivalents. */
export const SEEK_INPUT_COST = 6;
/** Seeking must win clearly: its per-input costs vary more than a straight decode. */
const SEEK_MARGIN = 0.8;

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
  select: number;
  seek: number;
}

/** Decoded frames each strategy costs for these (sorted, unique) frames. */
export function strategyCosts(timeline: FrameTimeline, frames: readonly number[]): StrategyCosts {
  const select = (frames.at(-1) ?? 0) + 1;
  const seek = seekGroups(timeline, frames).reduce(
    (sum, g) => sum + (g.frames[g.frames.length - 1] - g.keyframe + 1) + SEEK_INPUT_COST,
    0,
  );
  return { select, seek };
}

export function chooseStrategy(timeline: FrameTimeline, frames: readonly number[]): SamplingStrategy {
  const costs = strategyCosts(timeline, frames);
  return costs.seek < costs.select * SEEK_MARGIN ? 'seek' : 'select';
}
