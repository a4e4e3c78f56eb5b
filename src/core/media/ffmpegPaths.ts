// Where the ffmpeg/ffprobe binaries are: an explicit setting or environment variable first, then PATH.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface BinaryPaths {
  ffmpeg?: string;
  ffprobe?: string;
}

export function findBinary(
  name: 'ffmpeg' | 'ffprobe',
  explicit?: string,
  env = process.env,
): string | undefined {
  const fromEnv = env[name === 'ffmpeg' ? 'VIDEO_CURATOR_FFMPEG' : 'VIDEO_CURATOR_FFPROBE'];
  for (const candidate of [explicit, fromEnv]) if (candidate) return candidate;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const file of process.platform === 'win32' ? [`${name}.exe`, name] : [name]) {
      const path = join(dir, file);
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}
