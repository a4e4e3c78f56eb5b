// Runs ffprobe with an argument array (no shell), a timeout and an abort signal; keeps stderr.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { classifyFailure, MediaError } from './mediaError';

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function runFfprobe(
  ffprobe: string,
  path: string,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((ok, fail) => {
    execFile(
      ffprobe,
      // Absolute, so a name like `pipe:1.mp4` or `concat:a|b` is a file, never an ffmpeg protocol.
      [...args, '-i', resolve(path)],
      {
        signal: options.signal,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 512 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return ok(stdout);
        if (options.signal?.aborted || error.name === 'AbortError') {
          return fail(new MediaError('cancelled', path, 'cancelled'));
        }
        if ((error as { killed?: boolean }).killed) {
          return fail(
            new MediaError('timeout', path, `ffprobe took longer than ${timeoutMs / 1000} s`, stderr),
          );
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !stderr) {
          return fail(new MediaError('ffmpeg-failed', path, `cannot run ffprobe at ${ffprobe}`));
        }
        fail(classifyFailure(path, stderr, error.message));
      },
    );
  });
}
