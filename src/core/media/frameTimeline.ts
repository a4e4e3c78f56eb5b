// Every frame's presentation time and keyframe flag, read from the packets (demux only, no decode).
// Packets the decoder drops (discard flag, empty) are left out, so position i in the timeline is
// frame i of the decoded stream: verified against `ffprobe -count_frames` on all real test videos.
import { runFfprobe } from './ffprobeRun';
import type { RunOptions } from './ffprobeRun';
import { MediaError } from './mediaError';

export interface FrameTimeline {
  /** Presentation time of each decoded frame, seconds (stream PTS), ascending. */
  times: number[];
  /** Indices (into `times`) of keyframes, ascending. */
  keyframes: number[];
}

export async function readFrameTimeline(
  ffprobe: string,
  path: string,
  streamIndex: number,
  options: RunOptions = {},
): Promise<FrameTimeline> {
  const text = await runFfprobe(
    ffprobe,
    path,
    [
      '-v',
      'error',
      '-select_streams',
      String(streamIndex),
      '-show_entries',
      'packet=pts_time,dts_time,size,flags',
      '-of',
      'csv=p=0',
    ],
    options,
  );
  const timeline = parseFrameTimeline(text);
  if (timeline.times.length === 0) throw new MediaError('corrupt', path, 'no video frames could be read');
  return timeline;
}

/** Parses `pts_time,dts_time,size,flags` lines. */
export function parseFrameTimeline(csv: string): FrameTimeline {
  const frames: { time: number; key: boolean }[] = [];
  for (const line of csv.split('\n')) {
    const [pts, dts, size, flags = ''] = line.trim().split(',');
    if (flags.includes('D') || !(Number(size) > 0)) continue;
    // AVI and some raw streams carry only decode timestamps.
    const time = Number.parseFloat(pts !== 'N/A' ? pts : dts);
    if (!Number.isFinite(time)) continue;
    frames.push({ time, key: flags.includes('K') });
  }
  frames.sort((a, b) => a.time - b.time);
  const keyframes: number[] = [];
  frames.forEach((f, i) => f.key && keyframes.push(i));
  if (keyframes[0] !== 0 && frames.length) keyframes.unshift(0); // decoding always starts somewhere
  return { times: frames.map((f) => f.time), keyframes };
}

/** The frame on screen at `time` (stream seconds): the last one whose PTS is ≤ time, else the first. */
export function frameAt(timeline: FrameTimeline, time: number): number {
  const { times } = timeline;
  let lo = 0;
  let hi = times.length - 1;
  if (time < times[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid] <= time + 1e-7) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The keyframe a decoder must start from to reach `frame`. */
export function keyframeBefore(timeline: FrameTimeline, frame: number): number {
  const { keyframes } = timeline;
  let lo = 0;
  let hi = keyframes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (keyframes[mid] <= frame) lo = mid;
    else hi = mid - 1;
  }
  return keyframes[lo] ?? 0;
}
