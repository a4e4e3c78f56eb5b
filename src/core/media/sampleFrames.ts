// The media layer's front door: the frames a request means, decoded exactly, in one ffmpeg process.
import { decodeFrames, decodeFrameSets } from './frameDecoder';
import type { DecodeOutput, FrameSize, ScratchFolders } from './frameDecoder';
import { keyframeBefore } from './frameTimeline';
import type { FrameTimeline } from './frameTimeline';
import type { VideoProbe } from './probeVideo';
import { planTargets } from './samplePlan';
import type { FrameRequest, FrameTarget } from './samplePlan';
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
  /** Analysis-grade decoding (see DecodeJob.skipLoopFilter). */
  skipLoopFilter?: boolean;
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
    ...(options.skipLoopFilter ? { skipLoopFilter: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const position = new Map(unique.map((index, i) => [index, i]));
  const frames = resolved.map((target) => {
    const i = position.get(target.index) ?? 0;
    return sampledFrame(
      video,
      target,
      options.size,
      options.jpegDir ? { file: `${options.jpegDir}/${i}.jpg` } : { data: decoded[i] },
    );
  });
  return { frames, strategy: chosen, approximate, costs };
}

export interface FrameSetRequest {
  request: FrameRequest;
  size: FrameSize;
}

/**
 * Several requests, each at its own size, from one ffmpeg process decoding their union once: what
 * an analysis needs (every frame small, a few frames large) for the price of one decode.
 * Exact frames only (no keyframe preview); each result equals sampleFrames for its request alone.
 */
export async function sampleFrameSets(
  ffmpeg: string,
  video: OpenedVideo,
  sets: FrameSetRequest[],
  options: Omit<SampleOptions, 'size' | 'strategy' | 'jpegDir' | 'jpegQuality'> & {
    strategy?: 'select' | 'seek' | 'auto';
    scratch?: ScratchFolders;
  },
): Promise<SampleResult[]> {
  const { timeline, probe } = video;
  const targets = sets.map((set) => planTargets(timeline, probe.startTime, set.request));
  const uniqueOf = (ts: { index: number }[]) => [...new Set(ts.map((t) => t.index))].sort((a, b) => a - b);
  const perSet = targets.map(uniqueOf);
  const union = uniqueOf(targets.flat());
  const costs = strategyCosts(timeline, union);
  const threads = options.threads ?? 2;
  const strategy =
    options.strategy && options.strategy !== 'auto'
      ? options.strategy
      : chooseStrategy(timeline, union, threads);
  const decoded = await decodeFrameSets({
    ffmpeg,
    path: video.path,
    streamIndex: probe.streamIndex,
    clipStart: probe.startTime,
    timeline,
    frames: union,
    strategy,
    sets: sets.map((set, k) => ({ frames: perSet[k], size: set.size })),
    ...(options.scratch ? { scratch: options.scratch } : {}),
    threads,
    ...(options.skipLoopFilter ? { skipLoopFilter: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return sets.map((set, k) => {
    const position = new Map(perSet[k].map((index, i) => [index, i]));
    const frames = targets[k].map((target) =>
      sampledFrame(video, target, set.size, { data: decoded[k][position.get(target.index) ?? 0] }),
    );
    return { frames, strategy, approximate: false, costs };
  });
}

/** A decoded target as the caller sees it: its index, PTS, time from the clip start and pixels. */
function sampledFrame(
  video: OpenedVideo,
  target: FrameTarget,
  size: FrameSize,
  pixels: { data: Buffer } | { file: string },
): SampledFrame {
  const pts = video.timeline.times[target.index];
  return {
    index: target.index,
    pts,
    time: pts - video.probe.startTime,
    ...(target.requestedTime !== undefined ? { requestedTime: target.requestedTime } : {}),
    width: size.width,
    height: size.height,
    ...pixels,
  };
}
