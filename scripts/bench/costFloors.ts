// What any analysis of a corpus must spend before its models run, measured beside the full decode:
// starting ffmpeg once per clip, probing each clip, and the analysis's own decode step (the frame
// sets decodeClipFrames asks for, with no model run on them). These floors say how close to "one
// full decode" the whole analysis can get on this machine and this ffmpeg.
import { spawn } from 'node:child_process';
import { clipFrameSets } from '../../src/core/analysis/clipFrames';
import { MediaService } from '../../src/core/media/mediaService';
import { cpuSecondsWithChildren } from './cpuTime';
import { median } from './measure';

export interface CostFloors {
  clips: number;
  /** `ffmpeg -version` once per clip: the start-up every ffmpeg process pays. */
  processStartMs: number;
  /** ffprobe of every clip (format, streams, packets), as opening a clip runs it. */
  probe: { ms: number; cpuMs?: number };
  /** The analysis's decode step alone: every frame at 64x64 and the 2-fps analysis frames. */
  decodeStep: { ms: number; cpuMs?: number };
}

/** Wall time of one `ffmpeg -version`, median of `repeat`. */
async function processStart(ffmpeg: string, repeat: number): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await new Promise<void>((ok, fail) => {
      const child = spawn(ffmpeg, ['-hide_banner', '-version'], { stdio: 'ignore' });
      child.on('error', fail);
      child.on('close', () => ok());
    });
    runs.push(performance.now() - started);
  }
  return median(runs);
}

async function measure(work: () => Promise<void>): Promise<{ ms: number; cpuMs?: number }> {
  const cpuBefore = cpuSecondsWithChildren();
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const cpuAfter = cpuSecondsWithChildren();
  return {
    ms,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuMs: (cpuAfter - cpuBefore) * 1000 } : {}),
  };
}

/** Clips one after another, one process at a time (threads as in a 2-clips-at-once analysis). */
export async function measureCostFloors(
  ffmpeg: string,
  ffprobe: string,
  videos: readonly string[],
): Promise<CostFloors> {
  const media = new MediaService({ ffmpeg, ffprobe, concurrency: 2 });
  const readable: string[] = [];
  const probe = await measure(async () => {
    for (const video of videos) {
      try {
        await media.open(video);
        readable.push(video);
      } catch {
        // A damaged clip fails in the analysis too; it has no decode step to measure.
      }
    }
  });
  const decodeStep = await measure(async () => {
    for (const video of readable) {
      const { probe: p } = await media.open(video);
      const { sets, decode } = clipFrameSets(p.duration, p);
      await media.sampleSets(video, sets, decode);
    }
  });
  return {
    clips: videos.length,
    processStartMs: (await processStart(ffmpeg, 7)) * videos.length,
    probe,
    decodeStep,
  };
}
