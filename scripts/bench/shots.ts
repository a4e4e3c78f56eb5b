// Reference shot cuts from ffmpeg's own scene filter, and precision/recall of detected cuts against
// them, for the analyze benchmark and the shot tests. Cuts are compared as decoded-frame indices.
import { spawn } from 'node:child_process';

export interface SceneFilterOptions {
  /** Scene score above which ffmpeg selects a frame (default 0.3). */
  threshold?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface SceneCut {
  /** Stream PTS of the first frame of the new scene, seconds. */
  pts: number;
  /** ffmpeg's scene score for that frame, 0..1. */
  score: number;
}

/**
 * Runs `select='gt(scene,T)',metadata=print,showinfo` over the first video stream and returns the
 * selected frames' PTS (seconds) and scores. showinfo's `n` counts selected frames only, so callers
 * turn PTS into frame indices with the clip's frame timeline (see `cutFramesFromTimes`).
 */
export function ffmpegSceneCuts(
  ffmpeg: string,
  path: string,
  options: SceneFilterOptions = {},
): Promise<SceneCut[]> {
  const threshold = options.threshold ?? 0.3;
  const filter = `select='gt(scene\\,${threshold})',metadata=print:key=lavfi.scene_score,showinfo`;
  const args = ['-hide_banner', '-nostdin', '-i', path, '-map', '0:v:0', '-vf', filter, '-f', 'null', '-'];
  return new Promise((ok, fail) => {
    const child = spawn(ffmpeg, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (stderr += text));
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        fail(
          new Error(
            `ffmpeg scene filter on ${path} failed (${signal ?? `exit ${code}`}): ${stderr.slice(-2000)}`,
          ),
        );
        return;
      }
      ok(parseSceneLog(stderr));
    });
  });
}

/** Pairs each showinfo line's pts_time with the scene score metadata=print wrote just before it. */
export function parseSceneLog(log: string): SceneCut[] {
  const cuts: SceneCut[] = [];
  let score = Number.NaN;
  for (const line of log.split('\n')) {
    const scored = /lavfi\.scene_score=([0-9.eE+-]+)/.exec(line);
    if (scored) score = Number(scored[1]);
    const shown = /\[Parsed_showinfo[^\]]*\].*\bpts_time:\s*(-?[0-9.eE+-]+)/.exec(line);
    if (shown) {
      cuts.push({ pts: Number(shown[1]), score });
      score = Number.NaN;
    }
  }
  return cuts;
}

/** Frame index of each PTS on a frame timeline (stream PTS of every decoded frame, ascending). */
export function cutFramesFromTimes(times: readonly number[], pts: readonly number[]): number[] {
  return pts.map((t) => {
    let best = 0;
    for (let i = 1; i < times.length; i++) if (Math.abs(times[i] - t) < Math.abs(times[best] - t)) best = i;
    return best;
  });
}

export interface CutMatch {
  precision: number;
  recall: number;
  /** Pairs (detected, reference) matched one to one. */
  matched: [number, number][];
  /** Detected cuts with no reference within tolerance, and references with no detection. */
  extra: number[];
  missed: number[];
}

/**
 * One-to-one matching of detected and reference cut frames within ±tolerance frames, closest pairs
 * first. With no references, recall is 1; with no detections, precision is 1 (nothing claimed wrongly).
 */
export function matchCuts(
  detected: readonly number[],
  reference: readonly number[],
  tolerance = 1,
): CutMatch {
  const pairs: [number, number, number][] = [];
  detected.forEach((d, i) =>
    reference.forEach((r, j) => Math.abs(d - r) <= tolerance && pairs.push([Math.abs(d - r), i, j])),
  );
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const usedD = new Set<number>();
  const usedR = new Set<number>();
  const matched: [number, number][] = [];
  for (const [, i, j] of pairs) {
    if (usedD.has(i) || usedR.has(j)) continue;
    usedD.add(i);
    usedR.add(j);
    matched.push([detected[i], reference[j]]);
  }
  matched.sort((a, b) => a[1] - b[1]);
  return {
    precision: detected.length ? matched.length / detected.length : 1,
    recall: reference.length ? matched.length / reference.length : 1,
    matched,
    extra: detected.filter((_, i) => !usedD.has(i)),
    missed: reference.filter((_, j) => !usedR.has(j)),
  };
}
