// One object the faces use for media: probes and frame timelines cached by video identity,
// sampling through a bounded pool of ffmpeg processes, filmstrips and posters as cached JPEGs.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { ConcurrencyLimiter } from '../jobs/concurrencyLimiter';
import type { FrameSize } from './frameDecoder';
import type { FrameTimeline } from './frameTimeline';
import type { MediaCache } from './mediaCache';
import { MediaError } from './mediaError';
import { checkVideoFile, probeVideoWithTimeline } from './probeVideo';
import type { VideoProbe } from './probeVideo';
import { readMp4Index } from './mp4Index';
import { sampleFrames, sampleFrameSets } from './sampleFrames';
import type { FrameSetRequest, OpenedVideo, SampleOptions, SampleResult } from './sampleFrames';
import type { FrameRequest } from './samplePlan';
import { videoIdentity } from './videoIdentity';

export interface MediaServiceOptions {
  ffmpeg: string;
  ffprobe: string;
  /** Where probes, filmstrips and posters are kept; without it nothing is cached. */
  cache?: MediaCache;
  /** ffmpeg processes at once across clips (default: CPU cores). */
  concurrency?: number;
}

export interface FilmstripFrame {
  index: number;
  pts: number;
  time: number;
  /** Absolute path of the JPEG. */
  file: string;
}

export interface Filmstrip {
  frames: FilmstripFrame[];
  width: number;
  height: number;
  strategy: string;
  /** How it was made, for tracing what the board shows. */
  params: { count: number; height: number };
}

export interface ClipOutcome<T> {
  path: string;
  value?: T;
  error?: MediaError;
}

const PROBE_VERSION = 2;
const FILMSTRIP_VERSION = 1;

export class MediaService {
  readonly pool: ConcurrencyLimiter;
  private readonly opened = new Map<string, Promise<OpenedVideo>>();
  private sweptTemps: Promise<void> | undefined;

  constructor(private readonly options: MediaServiceOptions) {
    this.pool = new ConcurrencyLimiter(options.concurrency ?? availableParallelism());
  }

  get ffmpeg(): string {
    return this.options.ffmpeg;
  }

  /** Probe + frame timeline, from the cache when the file is unchanged. */
  open(path: string, signal?: AbortSignal): Promise<OpenedVideo> {
    let pending = this.opened.get(path);
    if (!pending) {
      pending = this.openUncached(path, signal);
      this.opened.set(path, pending);
      // A failure is not remembered: the file may be fixed and retried.
      pending.catch(() => this.opened.delete(path));
    }
    return pending;
  }

  async sample(path: string, request: FrameRequest, options: SampleOptions): Promise<SampleResult> {
    const video = await this.open(path, options.signal);
    return this.pool.run(
      () =>
        sampleFrames(this.options.ffmpeg, video, request, { threads: this.threadsPerProcess(), ...options }),
      options.signal,
    );
  }

  /** Several requests at their own sizes from one decode of the clip (one pooled ffmpeg process). */
  async sampleSets(
    path: string,
    sets: FrameSetRequest[],
    options: { signal?: AbortSignal; timeoutMs?: number; skipLoopFilter?: boolean } = {},
  ): Promise<SampleResult[]> {
    const video = await this.open(path, options.signal);
    const cache = this.options.cache;
    // With a cache, the raw frames go to its temp folder, which the next run sweeps after a crash.
    if (cache) {
      this.sweptTemps = this.sweptTemps ?? cache.sweepTemps();
      await this.sweptTemps;
    }
    const scratch = cache
      ? {
          create: (label: string) => cache.scratchFolder(label),
          release: (p: string) => cache.releaseScratch(p),
        }
      : undefined;
    return this.pool.run(
      () =>
        sampleFrameSets(this.options.ffmpeg, video, sets, {
          threads: this.threadsPerProcess(),
          ...(scratch ? { scratch } : {}),
          ...options,
        }),
      options.signal,
    );
  }

  /** N frames at the centres of N equal segments as JPEGs `height` pixels high. */
  async filmstrip(
    path: string,
    params: { count?: number; height?: number } = {},
    signal?: AbortSignal,
  ): Promise<Filmstrip> {
    const count = params.count ?? 16;
    const height = params.height ?? 96;
    const video = await this.open(path, signal);
    const size = filmstripSize(video.probe, height);
    const make = async (dir: string): Promise<Filmstrip> => {
      const result = await this.pool.run(
        () =>
          sampleFrames(
            this.options.ffmpeg,
            video,
            { kind: 'uniform', count },
            {
              size,
              jpegDir: dir,
              threads: this.threadsPerProcess(),
              ...(signal ? { signal } : {}),
            },
          ),
        signal,
      );
      return {
        frames: result.frames.map((f) => ({ index: f.index, pts: f.pts, time: f.time, file: f.file ?? '' })),
        width: size.width,
        height: size.height,
        strategy: result.strategy,
        params: { count, height },
      };
    };
    const cache = this.options.cache;
    if (!cache) throw new Error('filmstrips need a media cache');
    const identity = await videoIdentity(path);
    const key = cache.keyFor('filmstrip', identity.key, { count, height, v: FILMSTRIP_VERSION });
    const dir =
      (await cache.getDir('filmstrip', key)) ??
      (await cache.commitDir('filmstrip', key, async (temp) => {
        const strip = await make(temp);
        // Stored with file names relative to the entry, so the entry can be moved into place.
        const stored = { ...strip, frames: strip.frames.map((f, i) => ({ ...f, file: `${i}.jpg` })) };
        await writeFile(join(temp, 'meta.json'), JSON.stringify(stored));
      }));
    const stored = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Filmstrip;
    return { ...stored, frames: stored.frames.map((f) => ({ ...f, file: join(dir, f.file) })) };
  }

  /** A poster thumbnail: the frame at the middle of the clip, as a JPEG `height` pixels high. */
  async poster(path: string, height = 180, signal?: AbortSignal): Promise<string> {
    const cache = this.options.cache;
    if (!cache) throw new Error('posters need a media cache');
    const video = await this.open(path, signal);
    const identity = await videoIdentity(path);
    const key = cache.keyFor('poster', identity.key, { height, v: FILMSTRIP_VERSION });
    return (
      (await cache.getFile('poster', key, 'jpg')) ??
      cache.commitFile('poster', key, 'jpg', async (target) => {
        const dir = `${target}.frames`;
        await mkdir(dir, { recursive: true });
        try {
          await this.pool.run(
            () =>
              sampleFrames(
                this.options.ffmpeg,
                video,
                { kind: 'uniform', count: 1 },
                {
                  size: filmstripSize(video.probe, height),
                  jpegDir: dir,
                  ...(signal ? { signal } : {}),
                },
              ),
            signal,
          );
          await rename(join(dir, '0.jpg'), target);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      })
    );
  }

  /** Runs `work` for every clip through the pool; a failing clip is reported, never fatal to the rest. */
  async forEachClip<T>(
    paths: readonly string[],
    work: (path: string) => Promise<T>,
    onOutcome?: (outcome: ClipOutcome<T>, done: number) => void,
    signal?: AbortSignal,
  ): Promise<ClipOutcome<T>[]> {
    let done = 0;
    return Promise.all(
      paths.map(async (path): Promise<ClipOutcome<T>> => {
        let outcome: ClipOutcome<T>;
        try {
          outcome = { path, value: await work(path) };
        } catch (error) {
          if (signal?.aborted) throw error;
          if (!(error instanceof MediaError)) throw error;
          outcome = { path, error };
        }
        onOutcome?.(outcome, ++done);
        return outcome;
      }),
    );
  }

  private threadsPerProcess(): number {
    // One decoder thread per process when several run side by side; two for a lone decode.
    return this.pool.limit > 1 ? 1 : 2;
  }

  private async openUncached(path: string, signal?: AbortSignal): Promise<OpenedVideo> {
    await checkVideoFile(path);
    const cache = this.options.cache;
    const run = signal ? { signal } : {};
    // A plain H.264 MP4 is read in process (no ffprobe start, ~80 ms with Debian's build); every
    // other file, and any layout that reader does not follow, goes to ffprobe.
    const load = async (): Promise<{ probe: VideoProbe; timeline: FrameTimeline }> => {
      const read = await readMp4Index(path);
      if ('probe' in read) return read;
      return this.pool.run(() => probeVideoWithTimeline(this.options.ffprobe, path, run), signal);
    };
    if (!cache) return { path, ...(await load()) };
    const identity = await videoIdentity(path);
    const key = cache.keyFor('probe', identity.key, { v: PROBE_VERSION });
    const cached = await cache.getJson<{ probe: VideoProbe; timeline: FrameTimeline }>('probe', key);
    if (cached) return { path, ...cached };
    const fresh = await load();
    await cache.putJson('probe', key, fresh);
    return { path, ...fresh };
  }
}

/** Keeps the display aspect; even dimensions keep JPEG chroma subsampling exact. */
function filmstripSize(probe: VideoProbe, height: number): FrameSize {
  const aspect = probe.width > 0 && probe.height > 0 ? probe.width / probe.height : 16 / 9;
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  return { width: even(height * aspect), height: even(height), fit: 'stretch' };
}
