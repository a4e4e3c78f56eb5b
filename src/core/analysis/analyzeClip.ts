// One clip, analysed once: frames (dense + candidates) → shots, UTR signals, query-free keyframes,
// expert attributes (motion regions, on-screen text, colours) → trajectories → UTR dialogues,
// plus the filmstrip and poster the board shows. Cached by video identity, parameters and model
// versions, so a re-run (or a run after Ctrl-C) skips finished clips.
import type { InferenceRuntime } from '../inference/inferenceRuntime';
import type { MediaCache } from '../media/mediaCache';
import type { MediaService } from '../media/mediaService';
import { videoIdentity } from '../media/videoIdentity';
import { writeJpeg } from '../media/jpegFrames';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrameBatch } from '../../protocol/inference';
import type { ClipAnalysis, FrameRef, ModelUse, Observation, TrackResult } from './analysisTypes';
import { decodeClipFrames, FRAME_SIGNATURE_MODEL, MOTION_MODEL } from './clipFrames';
import { generateDialogues } from './dialogues';
import { pickKeyframes } from './keyframes';
import { stageClock } from './stageClock';
import { readTextCoarseToFine } from './textSchedule';
import { motionObservations, ocrObservations, withColourLabels } from './observations';
import { detectShots } from './shotDetection';
import { trackObservations } from './tracker';
import { utrSignals } from './utrSignals';

export const OCR_MODEL = 'npm/pp-ocr-v4';
const CLIP_ANALYSIS_VERSION = 10;

export interface ClipAnalyzerDeps {
  media: MediaService;
  runtime: InferenceRuntime;
  cache?: MediaCache;
  /** Model id → version, from the manifest (recorded with results and part of the cache key). */
  modelVersion: (id: string) => string;
  /** A VLM that describes frames, when one is installed: the clip gets a video-level description. */
  describer?: { model: ModelUse; describe: (frames: FrameBatch, signal?: AbortSignal) => Promise<string> };
}

export interface ClipAnalysisOptions {
  keyframes?: number;
  candidateFps?: number;
  analysisFps?: number;
  analysisMax?: number;
  /** Frames per second the trackers look at (motion pairs); default 4. */
  trackFps?: number;
  ocr?: boolean;
  /** Rate of OCR's first pass over the analysis frames (default 1); frames near text are all read. */
  ocrFps?: number;
  /** Decode with the in-loop deblocking filter, as a player does (default off: analysis-grade, 10-15 % cheaper). */
  fullQualityDecode?: boolean;
  seed?: string;
}

export function clipParams(options: ClipAnalysisOptions): Record<string, number | string> {
  return {
    keyframes: options.keyframes ?? 16,
    candidateFps: options.candidateFps ?? 1,
    analysisFps: options.analysisFps ?? 2,
    analysisMax: options.analysisMax ?? 512,
    trackFps: options.trackFps ?? 4,
    ocr: options.ocr === false ? 'off' : 'on',
    ocrFps: options.ocrFps ?? 1,
    decode: options.fullQualityDecode ? 'full' : 'skip-loop-filter',
    version: CLIP_ANALYSIS_VERSION,
  };
}

export async function analyzeClip(
  video: string,
  deps: ClipAnalyzerDeps,
  options: ClipAnalysisOptions = {},
  signal?: AbortSignal,
): Promise<{ analysis: ClipAnalysis; cached: boolean }> {
  const clock = stageClock();
  const params = clipParams(options);
  const models = [FRAME_SIGNATURE_MODEL, MOTION_MODEL, ...(params.ocr === 'on' ? [OCR_MODEL] : [])].map(
    (id): ModelUse => ({ id, version: deps.modelVersion(id) }),
  );
  if (deps.describer) models.push(deps.describer.model);
  const opened = await deps.media.open(video, signal);
  const identity = await videoIdentity(video);
  const key = deps.cache?.keyFor('clip-analysis', identity.key, { params, models });
  if (deps.cache && key) {
    const cached = await deps.cache.getJson<ClipAnalysis>('clip-analysis', key);
    if (cached) return { analysis: cached, cached: true };
  }
  clock.lap('open');
  const started = Date.now();
  const { probe } = opened;
  const run = signal ? { signal } : {};
  const frames = await decodeClipFrames(video, probe.duration, probe, deps.media, deps.runtime, {
    candidateFps: Number(params.candidateFps),
    analysisFps: Number(params.analysisFps),
    analysisMax: Number(params.analysisMax),
    fullQualityDecode: params.decode === 'full',
    clock,
    ...run,
  });
  const { dense, analysisWidth: width, analysisHeight: height } = frames;

  const shots = detectShots(dense);
  clock.lap('rest');
  const keyframes = pickKeyframes(
    {
      candidates: frames.candidates,
      descriptors: frames.candidateDescriptors,
      dim: dense.dim,
      cuts: shots.cuts,
    },
    { k: Number(params.keyframes) },
  );

  // Attributes per frame from the experts; motion on pairs ~1/trackFps apart, so objects move visibly.
  const motionSeen: Observation[] = [];
  const textSeen: Observation[] = [];
  const trackFrames = everyNth(
    dense.frames,
    Math.max(1, Math.round(frameRate(dense.frames) / Number(params.trackFps))),
  );
  const trackRefs = trackFrames.map((i) => dense.frames[i]);
  if (trackFrames.length >= 2) {
    const batch = pick(frames.denseBatch, trackFrames);
    const motion = await deps.runtime.run('motion', MOTION_MODEL, { frames: batch }, run);
    clock.lap('motion');
    // Regions and colours are found on the small dense frames, then boxes scale to analysis pixels.
    const small = { width: batch.width, height: batch.height };
    const moving = motionObservations(motion.output, trackRefs, small);
    const rgbOf = new Map(trackRefs.map((ref, i) => [ref.index, rgbAt(batch, i)]));
    const labelled = withColourLabels(moving, (frame) => rgbOf.get(frame.index));
    const sx = width / small.width;
    const sy = height / small.height;
    motionSeen.push(
      ...labelled.map((o) => ({
        ...o,
        box: [o.box[0] * sx, o.box[1] * sy, o.box[2] * sx, o.box[3] * sy] as Observation['box'],
      })),
    );
  }
  clock.lap('rest');
  let textFrames: FrameRef[] = [];
  if (params.ocr === 'on' && frames.analysis.length > 0) {
    // OCR reads each distinct picture once (a run of near-identical frames shares the first one's
    // lines), coarse to fine: at ocrFps, then every analysis frame next to one that showed text.
    const runs = distinctRuns(frames.analysisDescriptors, dense.dim, frames.analysis.length);
    const step = Math.max(1, Math.round(Number(params.analysisFps) / Number(params.ocrFps)));
    const read = await readTextCoarseToFine(runs, step, async (rows) => {
      const ocr = await deps.runtime.run('ocr', OCR_MODEL, { frames: pick(frames.analysisBatch, rows) }, run);
      return ocr.output.frames;
    });
    textFrames = read.rows.map((row) => frames.analysis[row]);
    textSeen.push(...ocrObservations({ frames: read.lines }, textFrames));
    clock.lap('ocr');
  }
  // Each expert is tracked over the frames it looked at, so its own gaps are not counted as misses.
  const tracks = mergeTrackResults(
    trackObservations(motionSeen, { width, height, frames: trackRefs }),
    trackObservations(textSeen, { width, height, frames: textFrames }),
  );
  const trackSpeed = meanTrackSpeed(tracks.tracks, width, height);
  // Cuts count as change: a shot change is temporal dynamics a model has to follow.
  const signals = utrSignals(dense, trackSpeed !== undefined ? { trackSpeed } : {});
  clock.lap('rest');
  // With a VLM installed, its description of four frames across the clip becomes a dialogue.
  const caption = deps.describer
    ? await deps.describer.describe(
        pick(frames.analysisBatch, [
          ...new Set([0.125, 0.375, 0.625, 0.875].map((f) => Math.floor(f * frames.analysis.length))),
        ]),
        signal,
      )
    : undefined;
  clock.lap('describe');
  const dialogues = generateDialogues(
    tracks,
    { duration: probe.duration, frames: frames.analysis, shots: shots.cuts },
    { seed: options.seed ?? identity.key, ...(caption ? { caption } : {}) },
  );

  const { filmstrip, poster } = await writeBoardImages(
    frames.analysis,
    frames.analysisBatch,
    probe.duration,
    identity.key,
    deps.cache,
  );
  clock.lap('images');
  const analysis: ClipAnalysis = {
    video,
    identity: identity.key,
    duration: probe.duration,
    frameCount: opened.timeline.times.length,
    analysisWidth: width,
    analysisHeight: height,
    candidates: frames.candidates,
    filmstrip,
    ...(poster ? { poster } : {}),
    shots,
    signals,
    keyframes,
    tracks,
    dialogues,
    models,
    params,
    seconds: (Date.now() - started) / 1000,
    stageSeconds: clock.seconds(),
  };
  if (deps.cache && key) await deps.cache.putJson('clip-analysis', key, analysis);
  return { analysis, cached: false };
}

/** For each frame, the first frame of its run of near-identical pictures (descriptor distance < 0.01). */
function distinctRuns(descriptors: Float32Array, dim: number, count: number): number[] {
  const runs: number[] = [];
  let head = 0;
  for (let i = 0; i < count; i++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += descriptors[head * dim + d] * descriptors[i * dim + d];
    if (1 - dot >= 0.01) head = i;
    runs.push(head);
  }
  return runs;
}

const FILMSTRIP_FRAMES = 16;
const FILMSTRIP_HEIGHT = 96;
const POSTER_HEIGHT = 180;

/**
 * The board's filmstrip (up to 16 frames at the centres of equal segments, 96 px high) and poster
 * (the middle one, 180 px), encoded from the analysis frames already in memory, in the cache.
 */
async function writeBoardImages(
  analysis: FrameRef[],
  batch: FrameBatch,
  duration: number,
  identity: string,
  cache: MediaCache | undefined,
): Promise<{ filmstrip: ClipAnalysis['filmstrip']; poster?: string }> {
  if (!cache || analysis.length === 0) return { filmstrip: [] };
  const rows = [
    ...new Set(
      Array.from({ length: FILMSTRIP_FRAMES }, (_, i) =>
        nearestFrame(analysis, ((i + 0.5) * duration) / FILMSTRIP_FRAMES),
      ),
    ),
  ];
  const key = cache.keyFor('board-images', identity, {
    rows: rows.map((r) => analysis[r].index),
    FILMSTRIP_HEIGHT,
    POSTER_HEIGHT,
  });
  const frameBytes = batch.width * batch.height * 3;
  const rgb = (row: number) => batch.data.subarray(row * frameBytes, (row + 1) * frameBytes);
  const dir =
    (await cache.getDir('board-images', key)) ??
    (await cache.commitDir('board-images', key, async (temp) => {
      await Promise.all(
        rows.map((row, i) =>
          writeJpeg(rgb(row), batch.width, batch.height, join(temp, `${i}.jpg`), {
            height: FILMSTRIP_HEIGHT,
          }),
        ),
      );
      await writeJpeg(rgb(rows[rows.length >> 1]), batch.width, batch.height, join(temp, 'poster.jpg'), {
        height: POSTER_HEIGHT,
      });
      await writeFile(join(temp, 'meta.json'), JSON.stringify({ frames: rows.map((r) => analysis[r]) }));
    }));
  return {
    filmstrip: rows.map((row, i) => ({ frame: analysis[row], file: join(dir, `${i}.jpg`) })),
    poster: join(dir, 'poster.jpg'),
  };
}

function nearestFrame(frames: FrameRef[], time: number): number {
  let best = 0;
  for (let i = 1; i < frames.length; i++)
    if (Math.abs(frames[i].time - time) < Math.abs(frames[best].time - time)) best = i;
  return best;
}

function frameRate(frames: FrameRef[]): number {
  if (frames.length < 2) return 1;
  const span = frames[frames.length - 1].time - frames[0].time;
  return span > 0 ? (frames.length - 1) / span : 1;
}

function everyNth(frames: FrameRef[], step: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < frames.length; i += step) rows.push(i);
  return rows;
}

function pick(batch: FrameBatch, rows: number[]): FrameBatch {
  const size = batch.width * batch.height * 3;
  const data = new Uint8Array(rows.length * size);
  rows.forEach((row, i) => data.set(batch.data.subarray(row * size, (row + 1) * size), i * size));
  return { count: rows.length, width: batch.width, height: batch.height, data };
}

function rgbAt(batch: FrameBatch, row: number): { width: number; height: number; data: Uint8Array } {
  const size = batch.width * batch.height * 3;
  return {
    width: batch.width,
    height: batch.height,
    data: batch.data.subarray(row * size, (row + 1) * size),
  };
}

/** One track list from several trackers: ids renumbered 1..n by first appearance. */
function mergeTrackResults(...results: TrackResult[]): TrackResult {
  const tracks = results
    .flatMap((r) => r.tracks)
    .sort((a, b) => a.firstSeen - b.firstSeen || a.source.localeCompare(b.source))
    .map((track, i) => ({ ...track, id: i + 1 }));
  return { tracks, width: results[0].width, height: results[0].height, params: results[0].params };
}

/** Mean speed of motion tracks in frame diagonals per second (a UTR dynamics component). */
function meanTrackSpeed(
  tracks: { source: string; observations: Observation[] }[],
  width: number,
  height: number,
): number | undefined {
  const diagonal = Math.hypot(width, height);
  const speeds: number[] = [];
  for (const track of tracks) {
    if (track.source !== 'motion' || track.observations.length < 2) continue;
    const first = track.observations[0];
    const last = track.observations[track.observations.length - 1];
    const dt = last.frame.time - first.frame.time;
    if (dt <= 0) continue;
    const centre = (o: Observation) => [(o.box[0] + o.box[2]) / 2, (o.box[1] + o.box[3]) / 2];
    const [x0, y0] = centre(first);
    const [x1, y1] = centre(last);
    speeds.push(Math.hypot(x1 - x0, y1 - y0) / diagonal / dt);
  }
  return speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : 0;
}
