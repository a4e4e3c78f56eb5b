// The media benchmark's corpus: H.264 clips with motion and grain, rendered once by ffmpeg's lavfi
// sources into build/bench-corpus/ and reused. The file name carries a hash of its recipe, so a
// changed recipe renders a new file instead of silently timing a stale one.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export type KeyframeSpacing = 'dense' | 'sparse';

export interface ClipRecipe {
  /** Stable name for tables and JSON, e.g. "60s-720p-sparse". */
  id: string;
  /** The summary group, e.g. "60 s 720p sparse". */
  kind: string;
  /** True for the long clips the "half of a full decode" target is about. */
  long: boolean;
  seconds: number;
  width: number;
  height: number;
  fps: number;
  keyframes: KeyframeSpacing;
  /** x264 keyint for dense clips; sparse clips keep x264's default (250). */
  gop?: number;
}

export interface CorpusClip extends ClipRecipe {
  path: string;
  /** Whether this run rendered it (false: reused from an earlier run). */
  generated: boolean;
  generateMs?: number;
}

// Recipe version: bump when the graph or encoder settings change in a way the hash cannot see.
const RECIPE_VERSION = 1;

export function corpusRecipes(quick: boolean): ClipRecipe[] {
  const short = quick ? 4 : 10;
  const long = quick ? 12 : 60;
  return [
    recipe(short, 360, 'dense', 12),
    recipe(short, 360, 'sparse'),
    recipe(long, 720, 'dense', 25),
    recipe(long, 720, 'sparse'),
  ];
}

function recipe(seconds: number, height: 360 | 720, keyframes: KeyframeSpacing, gop?: number): ClipRecipe {
  return {
    id: `${seconds}s-${height}p-${keyframes}`,
    kind: `${seconds} s ${height}p ${keyframes}`,
    long: height === 720,
    seconds,
    width: (height * 16) / 9,
    height,
    fps: 25,
    keyframes,
    ...(gop ? { gop } : {}),
  };
}

/**
 * testsrc2 (moving gradients, a sweeping clock, counters) under temporal grain, with a Game of Life
 * panel drifting across it: every macroblock changes every frame, so the decoder does real work and
 * the bitrate is that of ordinary footage (~5 Mbit/s at 720p) rather than a flat synthetic card.
 */
export function lavfiGraph(recipe: ClipRecipe): string {
  const { width: w, height: h, fps, seconds } = recipe;
  const panelW = Math.round(w * 0.375);
  const panelH = Math.round(h * 0.375);
  return (
    `testsrc2=size=${w}x${h}:rate=${fps}:duration=${seconds},noise=alls=5:allf=t+u[bg];` +
    `life=size=${Math.round(panelW / 1.5)}x${Math.round(panelH / 1.5)}:rate=${fps}:mold=10:ratio=0.5:seed=${seed(recipe.id)}` +
    `:life_color=#00ff80:death_color=#402000,scale=${panelW}:${panelH}[fg];` +
    `[bg][fg]overlay=x='(W-w)*(0.5+0.5*sin(t*0.7))':y='(H-h)*(0.5+0.5*cos(t*0.45))':shortest=1,format=yuv420p`
  );
}

// One ffmpeg process per clip. x264 keeps its defaults (B-frames, CABAC, scenecut) except preset
// "faster", so the one-off render of the 60 s clips takes seconds rather than minutes.
export function encodeArgs(recipe: ClipRecipe, output: string): string[] {
  const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'];
  const source = ['-f', 'lavfi', '-i', lavfiGraph(recipe), '-t', String(recipe.seconds)];
  const x264 = ['-c:v', 'libx264', '-preset', 'faster', '-pix_fmt', 'yuv420p'];
  const keyint = recipe.keyframes === 'dense' && recipe.gop ? ['-g', String(recipe.gop)] : [];
  return [...quiet, ...source, ...x264, ...keyint, '-movflags', '+faststart', output];
}

export function clipPath(dir: string, recipe: ClipRecipe): string {
  const key = createHash('sha1')
    .update(JSON.stringify({ v: RECIPE_VERSION, args: encodeArgs(recipe, '') }))
    .digest('hex')
    .slice(0, 10);
  return join(dir, `${recipe.id}-${key}.mp4`);
}

/** Renders the clips that are not there yet, one at a time (each encode uses both cores). */
export async function ensureCorpus(
  ffmpeg: string,
  dir: string,
  recipes: ClipRecipe[],
  log: (line: string) => void,
): Promise<CorpusClip[]> {
  mkdirSync(dir, { recursive: true });
  const clips: CorpusClip[] = [];
  for (const recipe of recipes) {
    const path = clipPath(dir, recipe);
    if (existsSync(path)) {
      clips.push({ ...recipe, path, generated: false });
      continue;
    }
    log(`rendering ${recipe.id} (${recipe.seconds} s ${recipe.width}x${recipe.height}) → ${path}`);
    // Written under a temporary name and renamed, so an interrupted render is never reused.
    const partial = `${path}.partial.mp4`;
    const started = performance.now();
    try {
      await run(ffmpeg, encodeArgs(recipe, partial));
    } catch (error) {
      rmSync(partial, { force: true });
      throw error;
    }
    renameSync(partial, path);
    clips.push({ ...recipe, path, generated: true, generateMs: performance.now() - started });
  }
  return clips;
}

function run(binary: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    execFile(binary, args, { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) return ok();
      fail(new Error(`${binary} failed rendering the bench corpus: ${stderr.trim() || error.message}`));
    });
  });
}

function seed(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) % 100_000;
}
