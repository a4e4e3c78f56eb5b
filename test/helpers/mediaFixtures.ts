// Test videos with known content, made by ffmpeg's lavfi sources: each frame carries its frame
// number as a 10-bit barcode (white bars on black across the top half), so a test can read which
// frame it got. Clips are cached by spec in the temp folder so reruns are fast.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../src/core/media/ffmpegPaths';

export const ffmpeg = findBinary('ffmpeg');
export const ffprobe = findBinary('ffprobe');
export const noFfmpeg = !ffmpeg || !ffprobe ? 'ffmpeg/ffprobe not installed' : false;

export interface ClipSpec {
  seconds: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  /** Extra filters after the barcode (e.g. a frame drop for VFR). */
  extraFilter?: string;
  /** Extra output options (e.g. `-output_ts_offset 1.5`). */
  outputOptions?: string[];
  ext?: string;
  /** Display rotation in degrees, written as container metadata (the pixels stay as coded). */
  rotate?: number;
}

const BITS = 10;

export function barcodeFilter(width: number, height: number): string {
  const bar = Math.floor(width / BITS);
  return Array.from(
    { length: BITS },
    (_, b) =>
      `drawbox=x=${b * bar}:y=0:w=${bar}:h=${height / 2}:color=white:t=fill:enable='eq(mod(floor(n/${2 ** b})\\,2)\\,1)'`,
  ).join(',');
}

/** Renders (once) a barcode clip and returns its path. */
export function barcodeClip(spec: ClipSpec): string {
  if (!ffmpeg) throw new Error('ffmpeg missing');
  const { seconds, fps = 25, width = 160, height = 120, gop = 12 } = spec;
  const dir = join(tmpdir(), 'vc-media-fixtures');
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha1')
    .update(`v2${JSON.stringify(spec)}`)
    .digest('hex')
    .slice(0, 12);
  const path = join(dir, `barcode-${key}.${spec.ext ?? 'mp4'}`);
  if (existsSync(path)) return path;
  // The moving grey box below the barcode gives the encoder real motion to code (overlay evaluates
  // x per frame; drawbox in ffmpeg 5.1 does not).
  const graph =
    `color=c=black:s=${width}x${height}:r=${fps}:d=${seconds}[bg];color=c=gray:s=20x20:r=${fps}[box];` +
    `[bg][box]overlay=x='mod(t*75\\,${width - 20})':y=${height / 2 + 10}:shortest=1,${barcodeFilter(width, height)}` +
    (spec.extraFilter ? `,${spec.extraFilter}` : '');
  const partial = `${path}.partial.${spec.ext ?? 'mp4'}`;
  execFileSync(ffmpeg, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    graph,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '16',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(gop),
    ...(spec.outputOptions ?? []),
    partial,
  ]);
  if (spec.rotate !== undefined) {
    // ffmpeg 5 takes the rotate tag on a stream copy; ffmpeg 6+ wants -display_rotation on the input.
    const rotated = `${path}.rotated.${spec.ext ?? 'mp4'}`;
    try {
      execFileSync(ffmpeg, [
        '-v',
        'error',
        '-y',
        '-display_rotation',
        String(spec.rotate),
        '-i',
        partial,
        '-c',
        'copy',
        rotated,
      ]);
    } catch {
      execFileSync(ffmpeg, [
        '-v',
        'error',
        '-y',
        '-i',
        partial,
        '-c',
        'copy',
        '-metadata:s:v:0',
        `rotate=${spec.rotate}`,
        rotated,
      ]);
    }
    renameSync(rotated, partial);
  }
  renameSync(partial, path);
  return path;
}

/** Reads the barcode from an RGB24 frame that shows the whole picture (stretch or same aspect). */
export function readBarcode(data: Buffer, width: number, height: number): number {
  const y = Math.floor(height / 4);
  let value = 0;
  for (let b = 0; b < BITS; b++) {
    const x = Math.floor(((b + 0.5) * width) / BITS);
    const at = (y * width + x) * 3;
    if (data[at] + data[at + 1] + data[at + 2] > 3 * 128) value |= 1 << b;
  }
  return value;
}

/** Every frame of a clip, decoded straight through with the same resize filter the sampler uses. */
export function fullDecode(path: string, resize: string, width: number, height: number): Buffer[] {
  if (!ffmpeg) throw new Error('ffmpeg missing');
  const raw = execFileSync(
    ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      path,
      '-map',
      '0:v:0',
      '-vf',
      resize,
      '-vsync',
      '0',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { maxBuffer: 1 << 30 },
  );
  const size = width * height * 3;
  return Array.from({ length: raw.length / size }, (_, i) => raw.subarray(i * size, (i + 1) * size));
}
