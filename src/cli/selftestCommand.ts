// selftest needle: the needle-in-a-haystack check of keyframe selection (TSPO's temporal-locating
// reward), on generated video, so a user can see the picker find a known event before trusting it.
import { lookupBinary } from '../core/media/ffmpegPaths';
import { runNeedleSelfTest } from '../core/analysis/needleSelfTest';
import type { NeedleReport, NeedleVariant } from '../core/analysis/needleSelfTest';
import { cancelSignal, printJson, UserError } from './context';
import { ProgressLine, table } from './terminal';

export interface SelftestOptions {
  json?: boolean;
  k?: string;
  haystack?: string;
  needle?: string;
  keep?: boolean;
}

/** The query-aware picks must land on the needle at least this often (and beat uniform sampling). */
export const NEEDLE_PASS_FRACTION = 0.5;

export async function selftestCommand(name: string, options: SelftestOptions): Promise<number> {
  if (name !== 'needle') throw new UserError(`unknown self-test "${name}" (available: needle)`);
  const binaries = (['ffmpeg', 'ffprobe'] as const).map((binary) => lookupBinary(binary));
  for (const lookup of binaries) if (!lookup.found) throw new UserError(lookup.message);
  const [ffmpeg, ffprobe] = binaries.map((lookup) => (lookup.found ? lookup.path : ''));
  const progress = new ProgressLine();
  let report: NeedleReport;
  try {
    report = await runNeedleSelfTest({
      ffmpeg,
      ffprobe,
      k: positiveInt(options.k ?? '8', '--k'),
      ...(options.haystack ? { haystackSeconds: positiveNumber(options.haystack, '--haystack') } : {}),
      ...(options.needle ? { needleSeconds: positiveNumber(options.needle, '--needle') } : {}),
      keep: !!options.keep,
      signal: cancelSignal,
      onProgress: (step) => progress.update(step),
    });
  } finally {
    progress.done();
  }
  const passed =
    report.ours.hitFraction >= NEEDLE_PASS_FRACTION && report.ours.hitFraction > report.uniform.hitFraction;
  if (options.json) {
    // Candidate frames are many and add nothing to the verdict; their count and rate stay.
    const { frames: _frames, ...candidates } = report.candidates;
    printJson({ ...report, candidates, passed, passFraction: NEEDLE_PASS_FRACTION });
  } else {
    process.stdout.write(`${humanReport(report, passed)}\n`);
  }
  return passed ? 0 : 1;
}

function humanReport(report: NeedleReport, passed: boolean): string {
  const s = (t: number) => t.toFixed(1);
  const haystack = report.segments.map((seg) => `${seg.source} ${s(seg.start)}-${s(seg.end)}`).join(', ');
  const row = (v: NeedleVariant) => [
    v.name,
    `${v.hits}/${v.picks.length}`,
    v.hitFraction.toFixed(2),
    v.picks.map((p) => `${s(p.time)}${p.inside ? '*' : ''}`).join(' '),
  ];
  const params = Object.entries(report.keyframeParams)
    .filter(([key]) => !/M(in|ax)$/.test(key))
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}`)
    .join(' ');
  return [
    'needle-in-a-haystack self-test (keyframe selection, TSPO temporal locating)',
    `video     ${s(report.duration)} s: ${haystack}${report.video ? ` (kept: ${report.video})` : ''}`,
    `needle    ${s(report.needle.start)}-${s(report.needle.end)} s: ${report.needle.description}`,
    `frames    ${report.candidates.count} candidates at ${report.candidates.fps} fps, ${report.candidates.width}x${report.candidates.height}, ` +
      `${report.model.id} v${report.model.version}`,
    `query     ${report.query.text}`,
    `picker    k=${report.k} ${params}`,
    '',
    table(
      [row(report.ours), row(report.noveltyOnly), row(report.uniform)],
      ['', 'hits', 'fraction', 'pick times (s; * = on the needle)'],
    ),
    '',
    `${passed ? 'PASS' : 'FAIL'}: query-aware picks hit the needle ${report.ours.hitFraction.toFixed(2)} of the time ` +
      `(need >= ${NEEDLE_PASS_FRACTION} and more than uniform's ${report.uniform.hitFraction.toFixed(2)}); ` +
      `took ${report.seconds.toFixed(1)} s`,
  ].join('\n');
}

function positiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UserError(`${flag} must be a positive integer, got "${text}"`);
  return value;
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new UserError(`${flag} must be a positive number, got "${text}"`);
  return value;
}
