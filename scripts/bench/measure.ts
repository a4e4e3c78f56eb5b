// Timing helpers for the benchmarks: wall-clock of one awaited call, medians, and the full-decode
// ceiling (`ffmpeg -threads 2 -i F -f null -`) that sampling is measured against.
import { spawn } from 'node:child_process';

export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Decodes every frame of the file and throws the frames away: what "decode it all" costs. */
export function fullDecode(ffmpeg: string, path: string): Promise<void> {
  const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const args = [...quiet, '-threads', '2', '-i', path, '-f', 'null', '-'];
  return new Promise((ok, fail) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      if (code === 0) ok();
      else fail(new Error(`full decode of ${path} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}
