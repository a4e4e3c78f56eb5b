// Which frames a request means, worked out on the frame timeline: by timestamp, never `time x fps`.
import { frameAt } from './frameTimeline';
import type { FrameTimeline } from './frameTimeline';

export type FrameRequest =
  /** N frames at the centres of N equal segments of the clip (the TPL paper's "uniformly sampled"). */
  | { kind: 'uniform'; count: number }
  /** Candidates at `fps` (default 1) over the clip, spread uniformly when more than `max` (default 256). */
  | { kind: 'candidates'; fps?: number; max?: number }
  /** Exact decoded-frame indices. */
  | { kind: 'indices'; indices: number[] }
  /** Frames in [start, end) seconds from the clip start: all of them, or at `fps`; at most `max`. */
  | { kind: 'window'; start: number; end: number; fps?: number; max?: number }
  /** The frames on screen at these times (seconds from the clip start). */
  | { kind: 'times'; times: number[] };

export interface FrameTarget {
  /** Index in the decoded stream. */
  index: number;
  /** The time asked for (seconds from the clip start), when the request was by time. */
  requestedTime?: number;
}

/**
 * Turns a request into target frames, in request order (the same frame may appear twice when a
 * clip has fewer frames than asked for). `clipStart` is the container start time: request times
 * count from it, as ffmpeg's -ss does.
 */
export function planTargets(
  timeline: FrameTimeline,
  clipStart: number,
  request: FrameRequest,
): FrameTarget[] {
  const { times } = timeline;
  const last = times.length - 1;
  const frameDuration = last > 0 ? (times[last] - times[0]) / last : 0;
  // The clip spans from its first frame to the end of its last one.
  const spanStart = times[0] - clipStart;
  const spanEnd = times[last] - clipStart + frameDuration;
  const at = (t: number): FrameTarget => ({ index: frameAt(timeline, clipStart + t), requestedTime: t });
  switch (request.kind) {
    case 'uniform': {
      const n = positiveInt(request.count, 'count');
      const step = (spanEnd - spanStart) / n;
      return Array.from({ length: n }, (_, i) => at(spanStart + (i + 0.5) * step));
    }
    case 'candidates': {
      const fps = positive(request.fps ?? 1, 'fps');
      const max = positiveInt(request.max ?? 256, 'max');
      const count = Math.max(1, Math.min(max, Math.floor((spanEnd - spanStart) * fps + 1e-6)));
      const step = (spanEnd - spanStart) / count;
      return Array.from({ length: count }, (_, i) => at(spanStart + (i + 0.5) * step));
    }
    case 'indices':
      return request.indices.map((index) => {
        if (!Number.isInteger(index) || index < 0 || index > last) {
          throw new RangeError(`frame index ${index} is outside 0..${last}`);
        }
        return { index };
      });
    case 'window': {
      if (!(request.end > request.start))
        throw new RangeError(`window end ${request.end} is not after start ${request.start}`);
      const max = positiveInt(request.max ?? 256, 'max');
      if (request.fps !== undefined) {
        const fps = positive(request.fps, 'fps');
        const count = Math.max(1, Math.min(max, Math.floor((request.end - request.start) * fps + 1e-6)));
        const step = (request.end - request.start) / count;
        return Array.from({ length: count }, (_, i) => at(request.start + (i + 0.5) * step));
      }
      const from = clipStart + request.start;
      const to = clipStart + request.end;
      const inside: FrameTarget[] = [];
      times.forEach((t, index) => t >= from && t < to && inside.push({ index }));
      if (inside.length === 0) return [at(request.start)];
      if (inside.length <= max) return inside;
      return Array.from({ length: max }, (_, i) => inside[Math.floor(((i + 0.5) * inside.length) / max)]);
    }
    case 'times':
      return request.times.map((t) => at(t));
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
