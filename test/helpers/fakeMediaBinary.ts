// Fake ffmpeg/ffprobe executables: shell scripts that print a version banner, for resolution tests.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes `<dir>/<name>` printing "<name> version <version>"; returns its path. */
export async function fakeMediaBinary(
  dir: string,
  name: 'ffmpeg' | 'ffprobe',
  version: string,
  mode = 0o755,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await writeFile(
    path,
    [
      '#!/bin/sh',
      `echo "${name} version ${version} Copyright (c) 2000-2024 the FFmpeg developers"`,
      'echo "configuration: --enable-fake"',
      'echo "libavutil      58.  2.100 / 58.  2.100"',
      '',
    ].join('\n'),
  );
  await chmod(path, mode);
  return path;
}
