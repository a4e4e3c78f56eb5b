// Where the ffmpeg/ffprobe binaries are: an explicit setting, then an environment variable, then PATH,
// then the optional npm packages that ship static builds.
import { accessSync, chmodSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export type BinaryName = 'ffmpeg' | 'ffprobe';
export type BinarySource = 'setting' | 'env' | 'path' | 'bundled';

export interface FoundBinary {
  found: true;
  name: BinaryName;
  path: string;
  source: BinarySource;
  /** Things worth telling the user, e.g. that we made the bundled binary executable. */
  notes: string[];
}

export interface MissingBinary {
  found: false;
  name: BinaryName;
  /** 'bad-setting' / 'bad-env': configured, but pointing at nothing usable; we do not fall through. */
  reason: 'not-found' | 'bad-setting' | 'bad-env';
  /** What happened and what to do, ready to show. */
  message: string;
  /** Every place looked at, in order. */
  tried: string[];
}

export type BinaryLookup = FoundBinary | MissingBinary;

/** Returns the binary path from the bundled npm package; throws when the package or binary is absent. */
export type BundledLoader = (name: BinaryName) => string;

export interface LookupOptions {
  /** From the editor's `videoCurator.ffmpegPath` / `ffprobePath` or a CLI flag. */
  explicit?: string;
  env?: NodeJS.ProcessEnv;
  /** Replaces the npm package lookup (tests), or `false` to skip it. */
  bundled?: BundledLoader | false;
}

export const ENV_VARS: Record<BinaryName, string> = {
  ffmpeg: 'VIDEO_CURATOR_FFMPEG',
  ffprobe: 'VIDEO_CURATOR_FFPROBE',
};

const BUNDLED_PACKAGES: Record<BinaryName, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};

/** Thrown for a configured path that is unusable, or by `resolveBinary` when nothing is found. */
export class MediaBinaryError extends Error {
  constructor(readonly lookup: MissingBinary) {
    super(lookup.message);
    this.name = 'MediaBinaryError';
  }
}

export function lookupBinary(name: BinaryName, options: LookupOptions = {}): BinaryLookup {
  const env = options.env ?? process.env;
  const tried: string[] = [];

  const configured: [BinarySource, string | undefined, string][] = [
    ['setting', options.explicit, `the videoCurator.${name}Path setting`],
    ['env', env[ENV_VARS[name]], ENV_VARS[name]],
  ];
  for (const [source, value, label] of configured) {
    if (!value?.trim()) continue;
    const candidate = value.trim();
    // A bare command name ("ffmpeg") in a setting means "that command on PATH".
    const path = isBareName(candidate) ? searchPath(candidate, env, []) : resolve(candidate);
    tried.push(`${label}=${candidate}`);
    const problem = path ? executableProblem(path) : 'was not found on PATH';
    if (!problem) return { found: true, name, path: path!, source, notes: [] };
    return {
      found: false,
      name,
      reason: source === 'setting' ? 'bad-setting' : 'bad-env',
      message: `${label} points at ${path ?? candidate}, which ${problem}: fix or clear it (it is not skipped, so a wrong ${name} is never used by accident)`,
      tried,
    };
  }

  const onPath = searchPath(name, env, tried);
  if (onPath) return { found: true, name, path: onPath, source: 'path', notes: [] };

  if (options.bundled !== false) {
    const bundled = bundledBinary(name, options.bundled ?? requireBundled, tried);
    if (bundled) return bundled;
  }

  return {
    found: false,
    name,
    reason: 'not-found',
    message:
      `${name} not found (tried ${tried.join('; ') || 'nothing'}): install it (Debian/Ubuntu: apt-get install ffmpeg; ` +
      `macOS: brew install ffmpeg) or set ${ENV_VARS[name]} to its path`,
    tried,
  };
}

/** Like `lookupBinary`, but throws a `MediaBinaryError` unless the binary is found. */
export function resolveBinary(name: BinaryName, options: LookupOptions = {}): FoundBinary {
  const lookup = lookupBinary(name, options);
  if (!lookup.found) throw new MediaBinaryError(lookup);
  return lookup;
}

/**
 * The path, or undefined when ffmpeg is simply not installed. A setting or environment variable that
 * points at nothing usable throws, so a typo does not quietly pick another ffmpeg.
 */
export function findBinary(
  name: BinaryName,
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const lookup = lookupBinary(name, { explicit, env });
  if (lookup.found) return lookup.path;
  if (lookup.reason !== 'not-found') throw new MediaBinaryError(lookup);
  return undefined;
}

export interface MediaBinaryOptions {
  ffmpeg?: string;
  ffprobe?: string;
  env?: NodeJS.ProcessEnv;
  bundled?: BundledLoader | false;
}

export function resolveMediaBinaries(options: MediaBinaryOptions = {}): Record<BinaryName, BinaryLookup> {
  const { env, bundled } = options;
  return {
    ffmpeg: lookupBinary('ffmpeg', { explicit: options.ffmpeg, env, bundled }),
    ffprobe: lookupBinary('ffprobe', { explicit: options.ffprobe, env, bundled }),
  };
}

function isBareName(value: string): boolean {
  return !isAbsolute(value) && !/[\\/]/.test(value);
}

function searchPath(name: string, env: NodeJS.ProcessEnv, tried: string[]): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  tried.push(dirs.length ? `PATH (${dirs.length} folder${dirs.length === 1 ? '' : 's'})` : 'PATH (empty)');
  const files = process.platform === 'win32' && !/\.exe$/i.test(name) ? [`${name}.exe`, name] : [name];
  for (const dir of dirs) {
    for (const file of files) {
      const path = join(dir, file);
      if (!executableProblem(path)) return path;
    }
  }
  return undefined;
}

/** Why `path` cannot be run, or undefined when it can. */
function executableProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
  } catch {
    return 'does not exist';
  }
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable';
  }
}

function bundledBinary(name: BinaryName, load: BundledLoader, tried: string[]): FoundBinary | undefined {
  let path: string;
  try {
    path = load(name);
  } catch (error) {
    // The packages are optional dependencies; absent on unsupported platforms or --omit=optional.
    tried.push(`${BUNDLED_PACKAGES[name]} (${firstLine(error)})`);
    return undefined;
  }
  const problem = executableProblem(path);
  tried.push(`${BUNDLED_PACKAGES[name]} (${path}${problem ? ` ${problem}` : ''})`);
  if (!problem) return { found: true, name, path, source: 'bundled', notes: [] };
  if (problem !== 'is not executable') return undefined;
  // npm 11 blocks these packages' `chmod u+x` install script, so the binary arrives without its x bit.
  try {
    chmodSync(path, statSync(path).mode | 0o100);
  } catch (error) {
    tried.push(`chmod u+x ${path} failed (${firstLine(error)}); run it yourself`);
    return undefined;
  }
  if (executableProblem(path)) return undefined;
  return {
    found: true,
    name,
    path,
    source: 'bundled',
    notes: [`made ${path} executable (chmod u+x): npm skipped the package's install script`],
  };
}

function requireBundled(name: BinaryName): string {
  // Literal require calls, loaded lazily: the packages are optional, and scripts/build.mjs keeps them
  // external so their own path logic runs from node_modules rather than from inside the bundle.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const loaded: unknown =
    name === 'ffmpeg' ? require('@ffmpeg-installer/ffmpeg') : require('@ffprobe-installer/ffprobe');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const path = (loaded as { path?: unknown }).path;
  if (typeof path !== 'string') throw new Error(`${BUNDLED_PACKAGES[name]} exports no path`);
  return path;
}

function firstLine(error: unknown): string {
  // The ffmpeg package throws plain strings, not Errors.
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}
