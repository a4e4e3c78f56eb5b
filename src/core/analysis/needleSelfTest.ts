// TSPO's temporal-locating check as a self-test: splice a distinctive short clip (the needle) into
// distractor footage (the haystack) at a known time, pick keyframes, and count how many land on the
// needle, against uniform sampling of the same k. Everything is generated, so it runs anywhere with ffmpeg.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameBatch } from '../../protocol/inference';
import { runFfmpeg } from '../media/ffmpegProcess';
import { MediaService } from '../media/mediaService';
import type { SampledFrame } from '../media/sampleFrames';
import type { FrameRef, KeyframePicks, ModelUse } from './analysisTypes';
import { pickKeyframes } from './keyframes';
import type { KeyframeOptions } from './keyframes';
import { createLocalFrameEncoder } from './localFrameEncoder';
import type { LocalFrameEncoder } from './localFrameEncoder';

export interface NeedleSelfTestOptions {
  ffmpeg: string;
  ffprobe: string;
  /** Seconds of distractor footage (default 60). */
  haystackSeconds?: number;
  /** Seconds of needle (default 3). */
  needleSeconds?: number;
  /** Where the needle starts, seconds (default: 55% into the haystack, off any distractor boundary). */
  needleAt?: number;
  /** Keyframes to pick (default 8). */
  k?: number;
  /** Candidate rate (default: as dense as `maxCandidates` allows, at most 8 fps). */
  fps?: number;
  /** Cap on candidates (default 256, as in the analysis). */
  maxCandidates?: number;
  /** Overrides for the picker (k is taken from `k`). */
  keyframes?: Omit<KeyframeOptions, 'k'>;
  /** Where the clips are written; default: a temp folder removed afterwards. */
  workDir?: string;
  /** Keep the temp folder (its path is reported). */
  keep?: boolean;
  /** An encoder to reuse; default: the built-in frame signature, in this process. */
  encoder?: LocalFrameEncoder;
  signal?: AbortSignal;
  onProgress?: (step: string) => void;
}

export interface NeedlePick {
  /** Seconds from the start of the haystack video. */
  time: number;
  inside: boolean;
  /** Candidate position and score, for picks made by the picker. */
  candidate?: number;
  score?: number;
}

export interface NeedleVariant {
  name: string;
  picks: NeedlePick[];
  hits: number;
  hitFraction: number;
}

export interface NeedleReport {
  /** The haystack video, when it was kept (`keep` or `workDir`); otherwise it is deleted. */
  video?: string;
  duration: number;
  needle: { start: number; end: number; description: string };
  segments: { source: string; start: number; end: number }[];
  candidates: { count: number; fps: number; width: number; height: number; frames: FrameRef[] };
  k: number;
  model: ModelUse;
  /** The image query: a frame of the needle rendered on its own. */
  query: { text: string; model: ModelUse };
  /** Query-aware picks (image query relevance + novelty). */
  ours: NeedleVariant;
  /** Novelty only, as without a query. */
  noveltyOnly: NeedleVariant;
  /** k frames at the centres of k equal segments. */
  uniform: NeedleVariant;
  keyframeParams: KeyframePicks['params'];
  seconds: number;
}

const WIDTH = 160;
const HEIGHT = 120;
const RATE = 10;
const ANALYSIS_SIZE = { width: 64, height: 64, fit: 'stretch' as const };

/** Distractors: busy, colourful, static and chaotic lavfi sources, so novelty alone has rivals. */
export const DISTRACTORS: readonly string[] = ['testsrc2', 'mandelbrot', 'smptebars', 'cellauto'];
export const NEEDLE_DESCRIPTION = 'a red screen with a white square sliding across it';

function needleGraph(): string {
  return (
    `color=c=red:size=${WIDTH}x${HEIGHT}:rate=${RATE}[bg];color=c=white:size=40x40:rate=${RATE}[box];` +
    `[bg][box]overlay=x='10+t*30':y=40:shortest=1`
  );
}

function distractorGraph(source: string): string {
  // cellauto seeds its grid randomly unless told: a fixed seed makes every run the same video.
  const seed = source === 'cellauto' ? ':seed=7' : '';
  return `${source}=size=${WIDTH}x${HEIGHT}:rate=${RATE}${seed}`;
}

interface Segment {
  source: string;
  graph: string;
  frames: number;
}

export async function runNeedleSelfTest(options: NeedleSelfTestOptions): Promise<NeedleReport> {
  const started = performance.now();
  const haystack = options.haystackSeconds ?? 60;
  const needleSeconds = options.needleSeconds ?? 3;
  const k = options.k ?? 8;
  const maxCandidates = options.maxCandidates ?? 256;
  if (!(haystack > 0) || !(needleSeconds > 0)) throw new RangeError('haystack and needle must be > 0 s');
  const needleAt = options.needleAt ?? defaultNeedleAt(haystack);
  if (needleAt < 0 || needleAt > haystack) {
    throw new RangeError(`needleAt ${needleAt} s is outside the ${haystack} s haystack`);
  }
  const progress = options.onProgress ?? (() => undefined);
  const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'vc-needle-')));
  const ownEncoder = !options.encoder;
  const encoder = options.encoder ?? (await createLocalFrameEncoder());
  try {
    const segments = layout(haystack, needleAt, needleSeconds);
    progress(`rendering ${segments.length} clips with ffmpeg`);
    const files: string[] = [];
    for (const [i, segment] of segments.entries()) {
      const file = join(dir, `segment${i}.mp4`);
      await renderClip(options, segment.graph, segment.frames, file);
      files.push(file);
    }
    const video = join(dir, 'haystack.mp4');
    await concatClips(options, files, video, join(dir, 'segments.txt'));
    const queryClip = join(dir, 'needleQuery.mp4');
    await renderClip(options, needleGraph(), Math.max(1, Math.round(needleSeconds * RATE)), queryClip);

    const media = new MediaService({ ffmpeg: options.ffmpeg, ffprobe: options.ffprobe, concurrency: 1 });
    const opened = await media.open(video, options.signal);
    const duration = opened.probe.duration;
    const fps = options.fps ?? Math.max(1, Math.min(8, Math.floor(maxCandidates / duration)));
    progress(`sampling candidates at ${fps} fps and encoding them (${encoder.model.id})`);
    const sampleOptions = { size: ANALYSIS_SIZE, ...(options.signal ? { signal: options.signal } : {}) };
    const sampled = await media.sample(video, { kind: 'candidates', fps, max: maxCandidates }, sampleOptions);
    const frames: FrameRef[] = sampled.frames.map((f) => ({ index: f.index, pts: f.pts, time: f.time }));
    const { dim, embeddings } = await encoder.encode(toBatch(sampled.frames), options.signal);
    const queryFrame = await media.sample(queryClip, { kind: 'uniform', count: 1 }, sampleOptions);
    const queryVector = (await encoder.encode(toBatch(queryFrame.frames), options.signal)).embeddings;

    const relevance = frames.map((_, i) => cosine(embeddings, i, queryVector, dim));
    const query = {
      text: `image: frame at ${queryFrame.frames[0].time.toFixed(1)} s of the needle clip rendered on its own (${NEEDLE_DESCRIPTION})`,
      model: encoder.model,
    };
    const needle = { start: needleAt, end: needleAt + segmentSeconds(segments, 'needle') };
    const inside = (t: number) => t >= needle.start - 1e-6 && t < needle.end - 1e-6;
    const picked = (name: string, picks: KeyframePicks): NeedleVariant =>
      variant(
        name,
        picks.picks.map((c) => ({
          time: picks.candidates[c].time,
          inside: inside(picks.candidates[c].time),
          candidate: c,
          score: picks.candidates[c].score,
        })),
      );
    const base = { candidates: frames, descriptors: embeddings, dim };
    const withQuery = pickKeyframes({ ...base, relevance, query }, { ...options.keyframes, k });
    const noveltyOnly = pickKeyframes(base, { ...options.keyframes, k });
    const uniformTimes = Array.from({ length: k }, (_, i) => ((i + 0.5) * duration) / k);

    return {
      ...(options.keep || options.workDir ? { video } : {}),
      duration,
      needle: { ...needle, description: NEEDLE_DESCRIPTION },
      segments: timeline(segments),
      candidates: {
        count: frames.length,
        fps,
        width: ANALYSIS_SIZE.width,
        height: ANALYSIS_SIZE.height,
        frames,
      },
      k,
      model: encoder.model,
      query,
      ours: picked('ours (image query)', withQuery),
      noveltyOnly: picked('ours (novelty only)', noveltyOnly),
      uniform: variant(
        'uniform',
        uniformTimes.map((time) => ({ time, inside: inside(time) })),
      ),
      keyframeParams: withQuery.params,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    if (ownEncoder) await encoder.release();
    if (!options.workDir && !options.keep) await rm(dir, { recursive: true, force: true });
  }
}

/** Past the middle, so uniform sampling gets no free hit from a centred needle. */
function defaultNeedleAt(haystack: number): number {
  return Math.round(haystack * 0.55 * RATE) / RATE;
}

/** Distractors in equal parts, the one holding `needleAt` split around the needle; frame counts exact. */
function layout(haystack: number, needleAt: number, needleSeconds: number): Segment[] {
  const total = Math.round(haystack * RATE);
  const at = Math.round(needleAt * RATE);
  const parts = DISTRACTORS.length;
  const segments: Segment[] = [];
  for (let i = 0; i < parts; i++) {
    const from = Math.round((i * total) / parts);
    const to = Math.round(((i + 1) * total) / parts);
    const source = DISTRACTORS[i];
    const push = (frames: number) => {
      if (frames > 0) segments.push({ source, graph: distractorGraph(source), frames });
    };
    if (at >= from && at < to) {
      push(at - from);
      segments.push({ source: 'needle', graph: needleGraph(), frames: Math.round(needleSeconds * RATE) });
      push(to - at);
    } else push(to - from);
  }
  if (at >= total) {
    segments.push({ source: 'needle', graph: needleGraph(), frames: Math.round(needleSeconds * RATE) });
  }
  return segments;
}

function segmentSeconds(segments: Segment[], source: string): number {
  return (segments.find((s) => s.source === source)?.frames ?? 0) / RATE;
}

function timeline(segments: Segment[]): NeedleReport['segments'] {
  let frame = 0;
  return segments.map((s) => {
    const start = frame / RATE;
    frame += s.frames;
    return { source: s.source, start, end: frame / RATE };
  });
}

function renderClip(options: NeedleSelfTestOptions, graph: string, frames: number, file: string) {
  // No B-frames and a fixed GOP: every clip starts at 0 with exact frame times, so concat is exact.
  return runFfmpeg({
    ffmpeg: options.ffmpeg,
    inputs: [{ path: graph, graph: true, options: ['-f', 'lavfi'] }],
    outputOptions: [
      ...['-frames:v', String(frames), '-r', String(RATE)],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-bf', '0', '-g', String(RATE)],
      '-y',
    ],
    output: file,
    clip: file,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

async function concatClips(options: NeedleSelfTestOptions, files: string[], output: string, list: string) {
  await writeFile(list, files.map((f) => `file '${f.replace(/'/g, "'\\''")}'\n`).join(''));
  await runFfmpeg({
    ffmpeg: options.ffmpeg,
    inputs: [{ path: list, options: ['-f', 'concat', '-safe', '0'] }],
    outputOptions: ['-c', 'copy', '-y'],
    output,
    clip: output,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

function toBatch(frames: SampledFrame[]): FrameBatch {
  const { width, height } = frames[0] ?? { width: 1, height: 1 };
  const size = width * height * 3;
  const data = new Uint8Array(frames.length * size);
  frames.forEach((frame, i) => {
    if (!frame.data) throw new Error(`frame ${frame.index} came back without pixels`);
    data.set(frame.data, i * size);
  });
  return { count: frames.length, width, height, data };
}

function cosine(rows: Float32Array, row: number, query: Float32Array, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += rows[row * dim + d] * query[d];
  return sum;
}

function variant(name: string, picks: NeedlePick[]): NeedleVariant {
  const hits = picks.filter((p) => p.inside).length;
  return { name, picks, hits, hitFraction: picks.length ? hits / picks.length : 0 };
}
