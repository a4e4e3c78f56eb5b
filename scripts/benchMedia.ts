// Media sampling benchmark: how long our sampler takes to pull N uniform frames (224x224 letterbox
// RGB, strategy 'auto') from each clip of a generated corpus, next to a full decode of the same file
// (the decode ceiling), measured interleaved in one run so machine noise hits both alike.
// A report, not a test: it exits 0 whether the targets pass or not.
//
//   npm run bench:media [-- --repeat R] [-- --quick] [-- --json]
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { binaryVersion } from '../src/core/media/binaryVersion';
import { resolveMediaBinaries } from '../src/core/media/ffmpegPaths';
import { readFrameTimeline } from '../src/core/media/frameTimeline';
import { probeVideo } from '../src/core/media/probeVideo';
import { sampleFrames } from '../src/core/media/sampleFrames';
import type { OpenedVideo, SampleOptions, SampleResult } from '../src/core/media/sampleFrames';
import type { SamplingStrategy, StrategyCosts } from '../src/core/media/samplingStrategy';
import { corpusRecipes, ensureCorpus } from './bench/corpus';
import type { CorpusClip } from './bench/corpus';
import { fullDecode, median, timed } from './bench/measure';
import { formatTable, ms, ratio } from './bench/table';

const COUNTS = [8, 16, 32] as const;
/** The N whose row also times 'select' and 'seek' forced, to judge the cost model's choice. */
const FORCED_N = 16;
const SIZE = { width: 224, height: 224, fit: 'letterbox' } as const;
const TARGET_LONG_N16 = 0.5;
const TARGET_CORPUS = 1;

interface Row {
  n: number;
  /** What 'auto' chose. */
  strategy: SamplingStrategy;
  /** The cost model's decoded-frame estimates for this request. */
  costs: StrategyCosts;
  oursMs: number;
  oursRuns: number[];
  ceilingMs: number;
  ratio: number;
  /** Only on the N = 16 row: both strategies forced (the chosen one is the 'auto' run itself). */
  forced?: {
    selectMs: number;
    seekMs: number;
    selectRuns: number[];
    seekRuns: number[];
    /** Both strategies returned byte-identical frames (they are meant to be exact). */
    framesMatch: boolean;
  };
}

interface ClipResult {
  id: string;
  kind: string;
  long: boolean;
  path: string;
  generated: boolean;
  duration: number;
  width: number;
  height: number;
  frames: number;
  keyframes: number;
  /** Median frames between keyframes (the frame count for a single-GOP clip). */
  keyframeInterval: number;
  keyframeIntervalSeconds: number;
  /** probeVideo + readFrameTimeline, median; not part of "ours" (the product caches the timeline). */
  openMs: number;
  ceilingMs: number;
  ceilingRuns: number[];
  rows: Row[];
}

interface GroupSummary {
  name: string;
  oursMs: number;
  ceilingMs: number;
  ratio: number;
}

interface TargetResult {
  name: string;
  limit: number;
  value: number;
  pass: boolean;
  detail: string;
}

interface BenchReport {
  bench: 'media';
  date: string;
  quick: boolean;
  repeat: number;
  counts: readonly number[];
  size: typeof SIZE;
  ffmpeg: { path: string; version: string };
  ffprobe: { path: string; version: string };
  clips: ClipResult[];
  summary: { kinds: GroupSummary[]; byCount: GroupSummary[]; corpus: GroupSummary };
  targets: TargetResult[];
  wallMs: number;
}

interface Task {
  label: string;
  run: () => Promise<void>;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run bench:media -- [--repeat R] [--quick] [--json]\n' +
        '  --repeat R  measurements per configuration, median taken (default 3; 1 with --quick)\n' +
        '  --quick     shorter clips (4 s 360p, 12 s 720p), for a smoke run\n' +
        '  --json      print the results as one JSON object instead of tables',
    );
    return;
  }
  const repeat = values.repeat === undefined ? (values.quick ? 1 : 3) : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a positive integer, got ${values.repeat}`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const binaries = resolveMediaBinaries();
  for (const lookup of Object.values(binaries)) if (!lookup.found) throw new Error(lookup.message);
  if (!binaries.ffmpeg.found || !binaries.ffprobe.found) return;
  const ffmpeg = binaries.ffmpeg.path;
  const ffprobe = binaries.ffprobe.path;
  const [ffmpegVersion, ffprobeVersion] = await Promise.all([binaryVersion(ffmpeg), binaryVersion(ffprobe)]);
  log(`ffmpeg ${ffmpegVersion.version} (${ffmpeg})`);

  const corpusDir = join(process.cwd(), 'build', 'bench-corpus');
  const corpus = await ensureCorpus(ffmpeg, corpusDir, corpusRecipes(values.quick), log);

  // Open every clip once (the timeline is what the product caches) and warm up: page cache,
  // fluent-ffmpeg's one-off capability probe, and which strategy 'auto' picks for the forced row.
  const opened: { clip: CorpusClip; video: OpenedVideo; autoAtForced: SamplingStrategy }[] = [];
  for (const clip of corpus) {
    const probe = await probeVideo(ffprobe, clip.path);
    const timeline = await readFrameTimeline(ffprobe, clip.path, probe.streamIndex);
    const video: OpenedVideo = { path: clip.path, probe, timeline };
    await fullDecode(ffmpeg, clip.path);
    const warm = await sample(ffmpeg, video, FORCED_N, 'auto');
    opened.push({ clip, video, autoAtForced: warm.strategy });
  }

  const runs = opened.map(({ clip }) => ({
    clip,
    open: [] as number[],
    ceiling: [] as number[],
    ours: new Map<number, { ms: number[]; result?: SampleResult }>(COUNTS.map((n) => [n, { ms: [] }])),
    forcedOther: [] as number[],
    framesMatch: true,
  }));

  for (let rep = 0; rep < repeat; rep++) {
    for (const [i, { clip, video, autoAtForced }] of opened.entries()) {
      const record = runs[i];
      const other: SamplingStrategy = autoAtForced === 'select' ? 'seek' : 'select';
      let autoFrames: string[] = [];
      let otherFrames: string[] = [];
      const tasks: Task[] = [
        {
          label: 'ceiling',
          run: async () => void record.ceiling.push((await timed(() => fullDecode(ffmpeg, clip.path))).ms),
        },
        ...COUNTS.map((n): Task => ({
          label: `N=${n}`,
          run: async () => {
            const { ms: took, value } = await timed(() => sample(ffmpeg, video, n, 'auto'));
            const slot = record.ours.get(n)!;
            slot.ms.push(took);
            slot.result = { ...value, frames: [] };
            if (n === FORCED_N) autoFrames = frameHashes(value);
          },
        })),
        {
          label: `N=${FORCED_N} ${other}`,
          run: async () => {
            const { ms: took, value } = await timed(() => sample(ffmpeg, video, FORCED_N, other));
            record.forcedOther.push(took);
            otherFrames = frameHashes(value);
          },
        },
        {
          label: 'open',
          run: async () => {
            const { ms: took } = await timed(async () => {
              const probe = await probeVideo(ffprobe, clip.path);
              await readFrameTimeline(ffprobe, clip.path, probe.streamIndex);
            });
            record.open.push(took);
          },
        },
      ];
      // Alternate the order each repetition, so neither side always runs first (warm caches, boost clocks).
      for (const task of rep % 2 ? [...tasks].reverse() : tasks) await task.run();
      if (autoFrames.join() !== otherFrames.join()) record.framesMatch = false;
      log(`rep ${rep + 1}/${repeat} ${clip.id}: ceiling ${ms(record.ceiling.at(-1))} ms`);
    }
  }

  const clips: ClipResult[] = opened.map(({ clip, video, autoAtForced }, i) => {
    const record = runs[i];
    const ceilingMs = median(record.ceiling);
    const rows = COUNTS.map((n): Row => {
      const slot = record.ours.get(n)!;
      const result = slot.result!;
      const oursMs = median(slot.ms);
      const row: Row = {
        n,
        strategy: result.strategy,
        costs: result.costs,
        oursMs,
        oursRuns: slot.ms,
        ceilingMs,
        ratio: oursMs / ceilingMs,
      };
      if (n === FORCED_N) {
        const chosenRuns = slot.ms;
        const otherRuns = record.forcedOther;
        const [selectRuns, seekRuns] =
          autoAtForced === 'select' ? [chosenRuns, otherRuns] : [otherRuns, chosenRuns];
        row.forced = {
          selectMs: median(selectRuns),
          seekMs: median(seekRuns),
          selectRuns,
          seekRuns,
          framesMatch: record.framesMatch,
        };
      }
      return row;
    });
    const { timeline, probe } = video;
    const gaps = timeline.keyframes.slice(1).map((k, j) => k - timeline.keyframes[j]);
    const keyframeInterval = gaps.length ? median(gaps) : timeline.times.length;
    return {
      id: clip.id,
      kind: clip.kind,
      long: clip.long,
      path: clip.path,
      generated: clip.generated,
      duration: probe.duration,
      width: probe.width,
      height: probe.height,
      frames: timeline.times.length,
      keyframes: timeline.keyframes.length,
      keyframeInterval,
      keyframeIntervalSeconds: keyframeInterval / (probe.avgFrameRate || 25),
      openMs: median(record.open),
      ceilingMs,
      ceilingRuns: record.ceiling,
      rows,
    };
  });

  const summary = summarise(clips);
  const report: BenchReport = {
    bench: 'media',
    date: new Date().toISOString(),
    quick: values.quick,
    repeat,
    counts: COUNTS,
    size: SIZE,
    ffmpeg: { path: ffmpeg, version: ffmpegVersion.version },
    ffprobe: { path: ffprobe, version: ffprobeVersion.version },
    clips,
    summary,
    targets: checkTargets(clips, summary.corpus),
    wallMs: performance.now() - started,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(render(report));
}

function sample(
  ffmpeg: string,
  video: OpenedVideo,
  count: number,
  strategy: SampleOptions['strategy'],
): Promise<SampleResult> {
  return sampleFrames(ffmpeg, video, { kind: 'uniform', count }, { size: SIZE, strategy });
}

function frameHashes(result: SampleResult): string[] {
  return result.frames.map((f) => (f.data ? createHash('sha1').update(f.data).digest('hex') : `#${f.index}`));
}

function group(name: string, rows: Row[]): GroupSummary {
  const oursMs = rows.reduce((s, r) => s + r.oursMs, 0);
  const ceilingMs = rows.reduce((s, r) => s + r.ceilingMs, 0);
  return { name, oursMs, ceilingMs, ratio: oursMs / ceilingMs };
}

function summarise(clips: ClipResult[]): BenchReport['summary'] {
  const kinds = [...new Set(clips.map((c) => c.kind))].map((kind) =>
    group(
      kind,
      clips.filter((c) => c.kind === kind).flatMap((c) => c.rows),
    ),
  );
  const byCount = COUNTS.map((n) =>
    group(
      `N=${n}`,
      clips.flatMap((c) => c.rows.filter((r) => r.n === n)),
    ),
  );
  return {
    kinds,
    byCount,
    corpus: group(
      'whole corpus',
      clips.flatMap((c) => c.rows),
    ),
  };
}

function checkTargets(clips: ClipResult[], corpus: GroupSummary): TargetResult[] {
  const longRows = clips
    .filter((c) => c.long)
    .map((c) => ({ clip: c, row: c.rows.find((r) => r.n === FORCED_N)! }));
  const long = group(
    'long',
    longRows.map((r) => r.row),
  );
  const longSeconds = [...new Set(clips.filter((c) => c.long).map((c) => Math.round(c.duration)))].join('/');
  return [
    {
      name: `${longSeconds} s clips, N=${FORCED_N}: ours <= ${TARGET_LONG_N16} x full decode (sum over those clips)`,
      limit: TARGET_LONG_N16,
      value: long.ratio,
      pass: long.ratio <= TARGET_LONG_N16,
      detail: longRows
        .map(
          ({ clip, row }) =>
            `${clip.kind} ${row.ratio.toFixed(3)}${row.ratio <= TARGET_LONG_N16 ? '' : ' (over)'}`,
        )
        .join(', '),
    },
    {
      name: `whole corpus, all N: ours <= ${TARGET_CORPUS} x full decode (sum ours / sum ceiling)`,
      limit: TARGET_CORPUS,
      value: corpus.ratio,
      pass: corpus.ratio <= TARGET_CORPUS,
      detail: `${ms(corpus.oursMs)} ms / ${ms(corpus.ceilingMs)} ms`,
    },
  ];
}

function render(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    `Media sampling benchmark: N uniform frames, ${SIZE.width}x${SIZE.height} ${SIZE.fit} RGB, strategy 'auto'` +
      ` vs a full decode (ffmpeg -threads 2 -i F -f null -)`,
    `ffmpeg ${report.ffmpeg.version}; ${report.repeat} repetition(s), medians in ms; ${report.quick ? 'QUICK corpus' : 'full corpus'}`,
    `forced select / seek: the N=${FORCED_N} row with each strategy forced (the one 'auto' chose is its own run); ` +
      `est = the cost model's decoded-frame estimates; open = probe + frame timeline, not counted in ours`,
    '',
  );
  for (const clip of report.clips) {
    out.push(
      `${clip.id}: ${clip.duration.toFixed(1)} s, ${clip.width}x${clip.height}, ${clip.frames} frames, ` +
        `${clip.keyframes} keyframe${clip.keyframes === 1 ? '' : 's'}; open (probe + timeline) ${ms(clip.openMs)} ms; ${clip.path}`,
    );
    out.push(
      formatTable(
        [
          { title: 'kind' },
          { title: 'duration', align: 'right' },
          { title: 'keyint', align: 'right' },
          { title: 'N', align: 'right' },
          { title: 'strategy' },
          { title: 'ours ms', align: 'right' },
          { title: 'ceiling ms', align: 'right' },
          { title: 'ours/ceil', align: 'right' },
          { title: 'est select/seek', align: 'right' },
          { title: 'forced select ms', align: 'right' },
          { title: 'forced seek ms', align: 'right' },
          { title: 'same frames' },
        ],
        clip.rows.map((row) => [
          clip.kind,
          `${clip.duration.toFixed(1)} s`,
          `${clip.keyframeInterval.toFixed(0)} f (${clip.keyframeIntervalSeconds.toFixed(2)} s)`,
          String(row.n),
          row.strategy,
          ms(row.oursMs),
          ms(row.ceilingMs),
          ratio(row.ratio),
          `${row.costs.select}/${row.costs.seek}`,
          ms(row.forced?.selectMs),
          ms(row.forced?.seekMs),
          row.forced ? (row.forced.framesMatch ? 'yes' : 'NO') : '·',
        ]),
      ),
      '',
    );
  }
  out.push('Summary (sum of ours / sum of ceiling over the rows)');
  const summaryRows = [...report.summary.kinds, ...report.summary.byCount, report.summary.corpus];
  out.push(
    formatTable(
      [
        { title: 'group' },
        { title: 'ours ms', align: 'right' },
        { title: 'ceiling ms', align: 'right' },
        { title: 'ours/ceil', align: 'right' },
      ],
      summaryRows.map((g) => [g.name, ms(g.oursMs), ms(g.ceilingMs), ratio(g.ratio)]),
    ),
    '',
  );
  for (const target of report.targets) {
    out.push(
      `${target.pass ? 'PASS' : 'FAIL'}  ${target.name}: ${target.value.toFixed(3)} (${target.detail})`,
    );
  }
  out.push('', `wall time ${(report.wallMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:media failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
