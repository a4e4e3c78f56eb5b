// What an ffmpeg/ffprobe binary says about itself (`-version`), so users and reports can see which build runs.
import { execFile } from 'node:child_process';

export interface BinaryVersion {
  /** As printed, e.g. "5.1.9-0+deb12u1" (Debian) or "N-47683-g0e8eb07980-static" (static git build). */
  version: string;
  /** The `configuration:` line: which codecs and libraries the build enables. */
  configuration?: string;
  /** Library versions, e.g. { libavcodec: "58.42.100" }. */
  libraries?: Record<string, string>;
}

export interface BinaryVersionOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Runs `<path> -version` and parses its banner; rejects with the path and stderr when it fails. */
export function binaryVersion(path: string, options: BinaryVersionOptions = {}): Promise<BinaryVersion> {
  return new Promise((ok, fail) => {
    execFile(
      path,
      ['-version'],
      {
        timeout: options.timeoutMs ?? 10_000,
        signal: options.signal,
        windowsHide: true,
        encoding: 'utf8',
        maxBuffer: 1024 * 1024,
      },
      (error, stdout, stderr) => {
        // Let cancellation surface as an AbortError, which the faces treat as "cancelled", not a failure.
        if (error?.name === 'AbortError') return fail(error);
        if (error) {
          const why = error.killed
            ? `timed out or was killed (${error.signal ?? 'no signal'})`
            : typeof error.code === 'number'
              ? `exited with code ${error.code}`
              : error.message;
          const detail = stderr.trim() ? `: ${stderr.trim().split('\n').slice(0, 5).join(' | ')}` : '';
          return fail(new Error(`${path} -version failed: ${firstLine(why)}${detail}`));
        }
        const parsed = parseVersionBanner(stdout);
        if (!parsed) {
          const shown = (stdout.trim() || stderr.trim()).split('\n')[0] ?? '';
          return fail(new Error(`${path} -version printed no ffmpeg version banner: ${shown.slice(0, 200)}`));
        }
        ok(parsed);
      },
    );
  });
}

/** Parses the banner of `ffmpeg -version` / `ffprobe -version`; undefined when it is not one. */
export function parseVersionBanner(text: string): BinaryVersion | undefined {
  const version = /^\s*ff(?:mpeg|probe|play) version (\S+)/m.exec(text)?.[1];
  if (!version) return undefined;
  const result: BinaryVersion = { version };
  const configuration = /^configuration:[ \t]*(.*)$/m.exec(text)?.[1]?.trim();
  if (configuration !== undefined) result.configuration = configuration;
  // e.g. "libavfilter     7. 46.101 /  7. 46.101": the first triple is what it was built against.
  const libraries: Record<string, string> = {};
  for (const match of text.matchAll(/^(lib\w+)\s+(\d+)\.\s*(\d+)\.\s*(\d+)\s*\//gm)) {
    libraries[match[1]] = `${match[2]}.${match[3]}.${match[4]}`;
  }
  if (Object.keys(libraries).length) result.libraries = libraries;
  return result;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
