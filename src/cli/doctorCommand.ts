// doctor: which ffmpeg/ffprobe the curator would run and their versions, plus what else is set up.
import { binaryVersion } from '../core/media/binaryVersion';
import { ENV_VARS, lookupBinary } from '../core/media/ffmpegPaths';
import type { BinaryName, BinarySource } from '../core/media/ffmpegPaths';
import { InferenceRuntime } from '../core/inference/inferenceRuntime';
import { parseDevice } from '../core/inference/deviceSetting';
import { defaultWorkerLocation } from '../core/inference/workerLocation';
import { cancelSignal, printJson } from './context';
import { table } from './terminal';

interface CheckResult {
  /** Its key in the --json object and first column of the human table. */
  name: string;
  /** A required check that is not ok makes doctor exit 1. */
  required: boolean;
  ok: boolean;
  status: string;
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
  notes?: string[];
  json: unknown;
}

type Check = (signal: AbortSignal) => Promise<CheckResult>;

// One entry per thing the curator needs: media binaries, and the inference runtime's provider.
const checks: Check[] = [binaryCheck('ffmpeg'), binaryCheck('ffprobe'), inferenceCheck];

export async function doctorCommand(options: { json?: boolean }): Promise<number> {
  const results = await Promise.all(checks.map((check) => check(cancelSignal)));
  const healthy = results.every((r) => r.ok || !r.required);

  if (options.json) {
    printJson({
      ...Object.fromEntries(results.map((r) => [r.name, r.json])),
      node: process.version,
      platform: process.platform,
      arch: process.arch,
    });
    return healthy ? 0 : 1;
  }

  const rows = results.map((r) => [r.name, r.status, r.detail]);
  rows.push(['node', 'ok', `${process.version} on ${process.platform}-${process.arch}`]);
  const lines = [table(rows)];
  const fixes = results.filter((r) => !r.ok && r.fix);
  if (fixes.length) lines.push('', 'what to do:', ...fixes.map((r) => `  ${r.name}: ${r.fix}`));
  for (const r of results) for (const note of r.notes ?? []) lines.push(`note: ${note}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return healthy ? 0 : 1;
}

function binaryCheck(name: BinaryName): Check {
  return async (signal) => {
    const lookup = lookupBinary(name);
    if (!lookup.found) {
      return {
        name,
        required: true,
        ok: false,
        status: lookup.reason === 'not-found' ? 'MISSING' : 'BROKEN',
        detail: lookup.reason === 'not-found' ? `tried ${lookup.tried.join('; ')}` : lookup.message,
        fix:
          lookup.reason === 'not-found'
            ? `install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or set ${ENV_VARS[name]} to the ${name} binary`
            : `fix or unset ${lookup.reason === 'bad-env' ? ENV_VARS[name] : `videoCurator.${name}Path`}`,
        json: { error: lookup.message, tried: lookup.tried },
      };
    }
    const where = `${lookup.path} (from ${sourceLabel(name, lookup.source)})`;
    const notes = lookup.notes.length ? { notes: lookup.notes } : {};
    try {
      const { version } = await binaryVersion(lookup.path, { signal });
      return {
        name,
        required: true,
        ok: true,
        status: 'ok',
        detail: `${where}, version ${version}`,
        notes: lookup.notes,
        json: { path: lookup.path, source: lookup.source, version, ...notes },
      };
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      const message = error instanceof Error ? error.message : String(error);
      return {
        name,
        required: true,
        ok: false,
        status: 'BROKEN',
        detail: `${where}: ${message}`,
        fix: `the ${name} found does not run; reinstall it or set ${ENV_VARS[name]} to a working one`,
        notes: lookup.notes,
        json: { path: lookup.path, source: lookup.source, error: message, ...notes },
      };
    }
  };
}

async function inferenceCheck(): Promise<CheckResult> {
  const device = parseDevice(process.env.VIDEO_CURATOR_DEVICE);
  const runtime = new InferenceRuntime({
    ...defaultWorkerLocation(),
    device,
    idleMs: 1000,
    resolveModel: async (id) => id,
  });
  try {
    const status = await runtime.status();
    const detail = `${status.provider} (device setting: ${status.requested})${status.fallbackReason ? `: ${status.fallbackReason}` : ''}`;
    return {
      name: 'inference',
      required: false,
      ok: true,
      status: 'ok',
      detail,
      ...(status.provider === 'cpu' && status.fallbackReason
        ? {
            fix: 'for a GPU, run `video-curator gpu enable` on a machine with internet (or see its offline instructions)',
          }
        : {}),
      json: { available: true, ...status },
    };
  } catch (error) {
    return {
      name: 'inference',
      required: false,
      ok: false,
      status: 'BROKEN',
      detail: (error as Error).message,
      json: { available: false, error: (error as Error).message },
    };
  } finally {
    await runtime.dispose();
  }
}

function sourceLabel(name: BinaryName, source: BinarySource): string {
  switch (source) {
    case 'setting':
      return `the videoCurator.${name}Path setting`;
    case 'env':
      return ENV_VARS[name];
    case 'path':
      return 'PATH';
    case 'bundled':
      return name === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe';
  }
}
