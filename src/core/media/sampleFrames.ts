// The media layer's front door: the frames a request means, decoded exactly, in one ffmpeg process.
import { decodeFrames } from './frameDecoder';
import type { DecodeOutput, FrameSize } from './frameDecoder';
import { keyframeBefore } from './frameTimeline';
import type { FrameTimeline } from './frameTimeline';
import type { VideoProbe } from './probeVideo';
import { planTargets } from './samplePlan';
import type { FrameRequest } from './samplePlan';
import { chooseStrategy, strategyCosts } from './samplingStrategy';
import type { SamplingStrategy, StrategyCosts } from './samplingStrategy';

/** A probed video: what sampling needs to know about it. */
export interface OpenedVideo {
  path: string;
  probe: VideoProbe;
  timeline: FrameTimeline;
}

export interface SampledFrame {
  /** Index in the decoded stream. */
  index: number;
  /** Presentation time in the stream, seconds (1.075 for a clip whose first frame starts there). */
  pts: number;
  /** Seconds from the clip start (pts minus the container start time). */
  time: number;
  requestedTime?: number;
  width: number;
  height: number;
  /** RGB24, row-major, width*height*3 bytes. Absent for JPEG output. */
  data?: Buffer;
  /** For JPEG output: the file written. */
  file?: string;
}

export interface SampleOptions {
  size: FrameSize;
  /** 'auto' (default) lets the cost model choose; 'keyframes' is a fast approximate preview. */
  strategy?: SamplingStrategy | 'auto';
  /** Write JPEGs into this folder instead of returning RGB bytes. */
  jpegDir?: string;
  jpegQuality?: number;
  threads?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface SampleResult {
  frames: SampledFrame[];
  strategy: SamplingStrategy;
  /** True for keyframe previews: the frames are the nearest keyframes, not the ones asked for. */
  approximate: boolean;
  costs: StrategyCosts;
}

export async function sampleFrames(
  ffmpeg: string,
  video: OpenedVideo,
  request: FrameRequest,
  options: SampleOptions,
): Promise<SampleResult> {
  const { timeline, probe } = video;
  const targets = planTargets(timeline, probe.startTime, request);
  const strategy =
    options.strategy === undefined || options.strategy === 'auto' ? undefined : options.strategy;
  // A preview swaps every target for the keyframe it would be decoded from.
  const approximate = strategy === 'keyframes';
  const resolved = approximate
    ? targets.map((t) => ({ ...t, index: keyframeBefore(timeline, t.index) }))
    : targets;
  const unique = [...new Set(resolved.map((t) => t.index))].sort((a, b) => a - b);
  const costs = strategyCosts(timeline, unique);
  const threads = options.threads ?? 2;
  const chosen = strategy ?? chooseStrategy(timeline, unique, threads);
  const output: DecodeOutput = options.jpegDir
    ? {
        kind: 'jpeg',
        size: options.size,
        dir: options.jpegDir,
        ...(options.jpegQuality ? { quality: options.jpegQuality } : {}),
      }
    : { kind: 'rgb', size: options.size };
  const decoded = await decodeFrames({
    ffmpeg,
    path: video.path,
    streamIndex: probe.streamIndex,
    clipStart: probe.startTime,
    timeline,
    frames: unique,
    strategy: chosen,
    output,
    threads,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const position = new Map(unique.map((index, i) => [index, i]));
  const frames = resolved.map((target): SampledFrame => {
    const i = position.get(target.index) ?? 0;
    const pts = timeline.times[target.index];
    return {
      index: target.index,
      pts,
      time: pts - probe.startTime,
      ...(target.requestedTime !== undefined ? { requestedTime: target.requestedTime } : {}),
      width: options.size.width,
      height: options.size.height,
      ...(options.jpegDir ? { file: `${options.jpegDir}/${i}.jpg` } : { data: decoded[i] }),
    };
  });
  return { frames, strategy: chosen, approximate, costs };
}
