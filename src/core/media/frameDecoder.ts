// Builds and runs the one ffmpeg process that decodes a clip's wanted frames, for each strategy,
// and hands back RGB24 frames (or writes JPEG files). Frames come out in ascending frame order.
// '-vsync 0' (passthrough) rather than '-fps_mode': the bundled 2018 ffmpeg only knows the former.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /**
   * The scaler: ffmpeg's default bicubic, or area averaging, which for large shrinks (1080p to
   * 64x64) costs well under half as much (7.0 s vs 2.8 s of CPU over the real test videos) and
   * averages every source pixel rather than aliasing.
   */
  scaler?: 'bicubic' | 'area';
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
  /**
   * Pictures for analysis, not for people: skip the decoder's in-loop deblocking filter (H.264,
   * HEVC). The same frames come out, slightly blockier (the difference drifts within a GOP and
   * resets at each keyframe); on 720p H.264 it saves 10-15 % of the decode's CPU (measured).
   * Models that look at area-averaged thumbnails or 384 px text do not see the difference.
   */
  skipLoopFilter?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Decoder options every input of a job gets. */
function decoderOptions(job: Pick<DecodeJob, 'threads' | 'skipLoopFilter'>): string[] {
  return [...(job.skipLoopFilter ? ['-skip_loop_filter', 'all'] : []), '-threads', String(job.threads ?? 1)];
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
    throw framesShort(job.path, job.frames.length, count);
  }
  return Array.from({ length: count }, (_, i) => all.subarray(i * frameBytes, (i + 1) * frameBytes));
}

/** Several sets of frames, each at its own size, from one decode of the clip. */
export interface FrameSetsJob extends Omit<DecodeJob, 'output' | 'strategy'> {
  /** 'select' or 'seek' over the union of the sets' frames (`frames`: sorted, unique). */
  strategy: Exclude<SamplingStrategy, 'keyframes'>;
  /** Each set: sorted, unique frame indices (a non-empty subset of `frames`) and the size to scale them to. */
  sets: { frames: number[]; size: FrameSize }[];
  /** Where the raw files of the sets after the first go (default: a folder in the OS temp dir). */
  scratch?: ScratchFolders;
}

/** Folders for big intermediate files, e.g. MediaCache's, which a later run sweeps after a crash. */
export interface ScratchFolders {
  create(label: string): Promise<string>;
  release(path: string): Promise<void>;
}

const OS_TEMP: ScratchFolders = {
  create: (label) => mkdtemp(join(tmpdir(), `vc-${label}-`)),
  release: (path) => rm(path, { recursive: true, force: true }),
};

/**
 * Decodes the union of the sets once and scales each set's frames from the same decoded pictures,
 * so every set holds exactly what decodeFrames gives for it alone. The first set streams through
 * stdout; the others go to raw files in a temporary folder (ffmpeg has one stdout).
 */
export async function decodeFrameSets(job: FrameSetsJob): Promise<Buffer[][]> {
  if (job.sets.length === 0) return [];
  const union = new Set(job.frames);
  for (const set of job.sets) {
    if (set.frames.length === 0 || set.frames.some((f) => !union.has(f)))
      throw new RangeError('each frame set must be a non-empty subset of the decoded frames');
  }
  const { inputs, graph } = buildSetsGraph(job);
  const raw = (k: number) => [
    '-map',
    `[o${k}]`,
    '-an',
    '-sn',
    '-vsync',
    '0',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
  ];
  const scratch = job.scratch ?? OS_TEMP;
  const temp = job.sets.length > 1 ? await scratch.create('frames') : undefined;
  try {
    const chunks: Buffer[] = [];
    await runFfmpeg({
      ffmpeg: job.ffmpeg,
      inputs,
      outputOptions: ['-hide_banner', '-nostdin', '-loglevel', 'error', '-filter_complex', graph, ...raw(0)],
      fileOutputs: job.sets
        .slice(1)
        .map((_, i) => ({ path: join(temp!, `${i + 1}.rgb`), options: raw(i + 1) })),
      onData: (chunk) => chunks.push(chunk),
      clip: job.path,
      ...(job.signal ? { signal: job.signal } : {}),
      ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}),
    });
    const outputs = [Buffer.concat(chunks)];
    for (let k = 1; k < job.sets.length; k++) outputs.push(await readFile(join(temp!, `${k}.rgb`)));
    return outputs.map((all, k) => {
      const { width, height } = job.sets[k].size;
      const frameBytes = Math.round(width) * Math.round(height) * 3;
      const count = Math.floor(all.length / frameBytes);
      if (count !== job.sets[k].frames.length) {
        throw framesShort(job.path, job.sets[k].frames.length, count);
      }
      return Array.from({ length: count }, (_, i) => all.subarray(i * frameBytes, (i + 1) * frameBytes));
    });
  } finally {
    if (temp) await scratch.release(temp);
  }
}

/**
 * Like buildGraph for one set, then a split: each set picks its frames (by position among the
 * decoded ones) and scales them itself. With seeks, each group is split, and each set concatenates
 * its own pieces.
 */
function buildSetsGraph(job: FrameSetsJob): { inputs: FfmpegInput[]; graph: string } {
  const stream = `${job.streamIndex}`;
  const decoder = decoderOptions(job);
  const groups =
    job.strategy === 'select'
      ? [{ first: 0, frames: job.frames, options: decoder }]
      : seekGroups(job.timeline, job.frames).map((g) => ({
          first: g.frames[0],
          frames: g.frames,
          options: [...decoder, '-ss', seekTime(job.timeline, job.clipStart, g.frames[0])],
        }));
  const inputs: FfmpegInput[] = groups.map((g) => ({ path: job.path, options: g.options }));
  const chains: string[] = [];
  const pieces: string[][] = job.sets.map(() => []);
  groups.forEach((group, i) => {
    const relative = group.frames.map((f) => f - group.first);
    const head = `[${i}:${stream}]trim=end_frame=${relative[relative.length - 1] + 1},${selectFilter(relative)}`;
    const position = new Map(group.frames.map((f, p) => [f, p]));
    const users = job.sets
      .map((set, k) => ({
        k,
        positions: set.frames.filter((f) => position.has(f)).map((f) => position.get(f)!),
      }))
      .filter((u) => u.positions.length > 0);
    chains.push(`${head},split=${users.length}${users.map((u) => `[s${i}_${u.k}]`).join('')}`);
    for (const { k, positions } of users) {
      const pick = positions.length === group.frames.length ? '' : `${selectFilter(positions)},`;
      chains.push(`[s${i}_${k}]${pick}${resizeFilter(job.sets[k].size)}[p${i}_${k}]`);
      pieces[k].push(`[p${i}_${k}]`);
    }
  });
  pieces.forEach((labels, k) => {
    const joined = labels.length === 1 ? labels[0] : `${labels.join('')}concat=n=${labels.length}:v=1:a=0`;
    chains.push(labels.length === 1 ? `${joined}${RENUMBER}[o${k}]` : `${joined},${RENUMBER}[o${k}]`);
  });
  return { inputs, graph: chains.join(';') };
}

function buildGraph(job: DecodeJob): { inputs: FfmpegInput[]; graph: string } {
  const stream = `${job.streamIndex}`;
  const resize = resizeFilter(job.output.size);
  const decoder = decoderOptions(job);
  if (job.strategy === 'select' || job.strategy === 'keyframes') {
    // In 'keyframes' mode the decoder only emits keyframes, so n counts keyframes.
    const wanted =
      job.strategy === 'keyframes' ? job.frames.map((f) => job.timeline.keyframes.indexOf(f)) : job.frames;
    const options = job.strategy === 'keyframes' ? ['-skip_frame', 'nokey', ...decoder] : decoder;
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
      options: [...decoder, '-ss', seekTime(job.timeline, job.clipStart, first)],
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

/**
 * The container lists frames the file does not hold (an upload cut short, or damage near the end):
 * a corrupt file, said in words a user can act on.
 */
function framesShort(path: string, expected: number, decoded: number): MediaError {
  return new MediaError(
    'corrupt',
    path,
    `ends early: ${decoded} of the ${expected} frames asked for could be decoded (the file is truncated or damaged); re-download or re-encode it`,
  );
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

export function resizeFilter({ width, height, fit, scaler }: FrameSize): string {
  if (!(width > 0 && height > 0)) throw new RangeError(`frame size ${width}x${height} is not positive`);
  const w = Math.round(width);
  const h = Math.round(height);
  const flags = scaler === 'area' ? ':flags=area' : '';
  return fit === 'stretch'
    ? `scale=${w}:${h}${flags},setsar=1,format=rgb24`
    : `scale=${w}:${h}:force_original_aspect_ratio=decrease${flags},pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=rgb24`;
}
