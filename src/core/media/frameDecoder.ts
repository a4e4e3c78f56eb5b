// Builds and runs the one ffmpeg process that decodes a clip's wanted frames, for each strategy,
// and hands back RGB24 frames (or writes JPEG files). Frames come out in ascending frame order.
// '-vsync 0' (passthrough) rather than '-fps_mode': the bundled 2018 ffmpeg only knows the former.
import { runFfmpeg } from './ffmpegProcess';
import type { FfmpegInput } from './ffmpegProcess';
import type { FrameTimeline } from './frameTimeline';
import { MediaError } from './mediaError';
import { seekGroups } from './samplingStrategy';
import type { SamplingStrategy } from './samplingStrategy';

export interface FrameSize {
  width: number;
  height: number;
  /** letterbox: keep aspect, pad with black; stretch: fill the size. */
  fit: 'letterbox' | 'stretch';
}

export type DecodeOutput =
  | { kind: 'rgb'; size: FrameSize }
  /** JPEG files `<dir>/<n>.jpg`, n = 0.. in ascending frame order. */
  | { kind: 'jpeg'; size: FrameSize; dir: string; quality?: number };

export interface DecodeJob {
  ffmpeg: string;
  path: string;
  streamIndex: number;
  /** Container start time (what -ss counts from). */
  clipStart: number;
  timeline: FrameTimeline;
  /** Sorted, unique frame indices; for 'keyframes', indices of keyframes. */
  frames: number[];
  strategy: SamplingStrategy;
  output: DecodeOutput;
  threads?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Decodes and returns the frames' RGB24 bytes in ascending frame order (empty for JPEG output). */
export async function decodeFrames(job: DecodeJob): Promise<Buffer[]> {
  const { inputs, graph } = buildGraph(job);
  const { width, height } = job.output.size;
  const frameBytes = width * height * 3;
  const chunks: Buffer[] = [];
  let received = 0;
  const common = ['-filter_complex', graph, '-map', '[out]', '-an', '-sn', '-vsync', '0'];
  const outputOptions =
    job.output.kind === 'rgb'
      ? [...common, '-f', 'rawvideo', '-pix_fmt', 'rgb24']
      : [...common, '-f', 'image2', '-start_number', '0', '-q:v', String(job.output.quality ?? 3)];
  await runFfmpeg({
    ffmpeg: job.ffmpeg,
    inputs,
    outputOptions: ['-hide_banner', '-nostdin', '-loglevel', 'error', ...outputOptions],
    ...(job.output.kind === 'jpeg' ? { output: `${job.output.dir}/%d.jpg` } : {}),
    onData: (chunk) => {
      chunks.push(chunk);
      received += chunk.length;
    },
    clip: job.path,
    ...(job.signal ? { signal: job.signal } : {}),
    ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}),
  });
  if (job.output.kind === 'jpeg') return [];
  const all = Buffer.concat(chunks, received);
  const count = Math.floor(all.length / frameBytes);
  if (count !== job.frames.length) {
    throw new MediaError(
      'ffmpeg-failed',
      job.path,
      `expected ${job.frames.length} frames from ffmpeg (${job.strategy}), got ${count}; the file may be damaged near the end`,
    );
  }
  return Array.from({ length: count }, (_, i) => all.subarray(i * frameBytes, (i + 1) * frameBytes));
}

function buildGraph(job: DecodeJob): { inputs: FfmpegInput[]; graph: string } {
  const stream = `${job.streamIndex}`;
  const resize = resizeFilter(job.output.size);
  const threads = String(job.threads ?? 1);
  if (job.strategy === 'select' || job.strategy === 'keyframes') {
    // In 'keyframes' mode the decoder only emits keyframes, so n counts keyframes.
    const wanted =
      job.strategy === 'keyframes' ? job.frames.map((f) => job.timeline.keyframes.indexOf(f)) : job.frames;
    const options =
      job.strategy === 'keyframes' ? ['-skip_frame', 'nokey', '-threads', threads] : ['-threads', threads];
    const last = wanted[wanted.length - 1];
    return {
      inputs: [{ path: job.path, options }],
      graph: `[0:${stream}]trim=end_frame=${last + 1},${selectFilter(wanted)},${resize},${RENUMBER}[out]`,
    };
  }
  const groups = seekGroups(job.timeline, job.frames);
  const inputs: FfmpegInput[] = [];
  const chains: string[] = [];
  groups.forEach((group, i) => {
    const first = group.frames[0];
    inputs.push({
      path: job.path,
      options: ['-threads', threads, '-ss', seekTime(job.timeline, job.clipStart, first)],
    });
    const relative = group.frames.map((f) => f - first);
    const count = relative[relative.length - 1] + 1;
    chains.push(`[${i}:${stream}]trim=end_frame=${count},${selectFilter(relative)},${resize}[g${i}]`);
  });
  const joined =
    groups.length === 1
      ? chains[0].replace(/\[g0\]$/, `,${RENUMBER}[out]`)
      : `${chains.join(';')};${groups.map((_, i) => `[g${i}]`).join('')}concat=n=${groups.length}:v=1:a=0,${RENUMBER}[out]`;
  return { inputs, graph: joined };
}

/** Output frames get timestamps 0 s, 1 s, 2 s...: selected and concatenated frames may share or skip PTS, which encoders refuse. */
const RENUMBER = 'setpts=N/TB';

/** Just before the frame's PTS (printed to the microsecond), so accurate seek keeps that frame. */
function seekTime(timeline: FrameTimeline, clipStart: number, frame: number): string {
  const time = timeline.times[frame];
  const previous = frame > 0 ? timeline.times[frame - 1] : time - 0.002;
  const margin = Math.min(0.001, (time - previous) / 2);
  return Math.max(0, time - clipStart - margin).toFixed(6);
}

function selectFilter(indices: number[]): string {
  // Consecutive runs become between() terms so long candidate lists stay short.
  const terms: string[] = [];
  let start = indices[0];
  let end = start;
  for (const i of [...indices.slice(1), NaN]) {
    if (i === end + 1) {
      end = i;
      continue;
    }
    terms.push(start === end ? `eq(n\\,${start})` : `between(n\\,${start}\\,${end})`);
    start = end = i;
  }
  return `select='${balancedSum(terms)}'`;
}

/** a+b+c+... nested as a balanced tree: ffmpeg's expression parser runs out of memory on long flat sums. */
function balancedSum(terms: string[]): string {
  if (terms.length === 1) return terms[0];
  const middle = terms.length >> 1;
  return `(${balancedSum(terms.slice(0, middle))}+${balancedSum(terms.slice(middle))})`;
}

export function resizeFilter({ width, height, fit }: FrameSize): string {
  if (!(width > 0 && height > 0)) throw new RangeError(`frame size ${width}x${height} is not positive`);
  const w = Math.round(width);
  const h = Math.round(height);
  return fit === 'stretch'
    ? `scale=${w}:${h},setsar=1,format=rgb24`
    : `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=rgb24`;
}
