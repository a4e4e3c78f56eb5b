// Scale benchmark: a generated dataset of 100,000 annotation records (five files, four formats,
// a few hundred generated clips plus the real videos in ../shared/realdata) through the index, the
// board, the decisions journal and the export, each next to a plain floor measured in the same run:
// JSON.parse / a line split of the same files (index, board open), a bare write + fsync of the same
// line (decision), a bare write + fsync of the same bytes (export). A report, not a test: it exits 0
// whether the targets pass or not.
//
//   npm run bench:scale [-- --repeat R] [-- --quick] [-- --json] [-- --records N] [-- --videos V]
//   npm run bench:scale -- --board-only   (the board's open and scroll alone, a quicker loop)
import { execFile } from 'node:child_process';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DecisionJournal } from '../src/core/curation/decisionJournal';
import { indexDataset } from '../src/core/dataset/indexDataset';
import { exportDataset } from '../src/core/export/exportDataset';
import { resolveMediaBinaries } from '../src/core/media/ffmpegPaths';
import { haveChromium, measureBoard } from './bench/boardPage';
import type { BoardMeasurement, ScrollStats } from './bench/boardPage';
import type { ChildResult } from './bench/scaleChild';
import { median } from './bench/measure';
import { generateScaleDataset } from './bench/scaleDataset';
import type { ScaleDataset } from './bench/scaleDataset';
import { formatTable, ratio } from './bench/table';

const TARGETS = {
  indexMs: 3000,
  indexMemoryMb: 1024,
  boardOpenMs: 2000,
  scrollFrameMs: 16,
  decisionP99Ms: 10,
  exportMs: 5000,
};

interface Row {
  name: string;
  value: number;
  unit: 'ms' | 'MB';
  /** Limit the value must stay under; absent for rows that only inform. */
  target?: number;
  floor?: number;
  floorName?: string;
  runs: number[];
  detail?: string;
}

interface BenchReport {
  bench: 'scale';
  date: string;
  quick: boolean;
  repeat: number;
  node: string;
  cpus: number;
  dataset: {
    folder: string;
    records: number;
    annotationMb: number;
    files: ScaleDataset['files'];
    generatedVideos: number;
    realVideos: number;
    realdata: string;
    indexedSamples: number;
    indexProblems: number;
  };
  rows: Row[];
  scroll?: { jump: ScrollStats; steady: ScrollStats };
  board?: {
    hostMs: number;
    pageMs: number;
    transferMs: number;
    /** The init message as sent (columns) and as protocol 1 sent it (one object per row). */
    initMb: number;
    initMbAsObjects: number;
    stringifyMs: number;
    stringifyMsAsObjects: number;
  };
  /** os.loadavg() (1, 5, 15 min) at the start and the end of the run. */
  load: { start: number[]; end: number[] };
  decisions: { count: number; p50: number; p99: number; max: number; floorP50: number; floorP99: number };
  notes: string[];
  wallMs: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      records: { type: 'string', default: '100000' },
      videos: { type: 'string', default: '300' },
      decisions: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      'board-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const loadAtStart = loadavg();
  if (values.help) {
    console.log(
      'usage: npm run bench:scale -- [--repeat R] [--quick] [--json] [--records N] [--videos V] [--decisions D] [--seed S]\n' +
        '  --repeat R     repetitions of each measure, median taken (default 3; 1 with --quick)\n' +
        '  --quick        one repetition (smoke run)\n' +
        '  --json         print the results as one JSON object instead of a table\n' +
        '  --records N    annotation records (default 100000)\n' +
        '  --videos V     generated clips (default 300; rendered once, kept under build/bench-scale)\n' +
        '  --decisions D  decisions recorded per repetition (default 1000)\n' +
        '  --board-only   measure only the board (open and scroll), with the init message sizes',
    );
    return;
  }
  const repeat = values.repeat === undefined ? (values.quick ? 1 : 3) : Number(values.repeat);
  const records = Number(values.records);
  const videos = Number(values.videos);
  const decisionCount = Number(values.decisions);
  for (const [name, value] of Object.entries({ repeat, records, videos, decisions: decisionCount }))
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const notes: string[] = [];

  const binaries = resolveMediaBinaries();
  if (!binaries.ffmpeg.found) throw new Error(binaries.ffmpeg.message);
  const work = join(process.cwd(), 'build', 'bench-scale');
  const folder = join(work, 'dataset');
  const made = await generateScaleDataset({
    folder,
    ffmpeg: binaries.ffmpeg.path,
    records,
    videos,
    seed: Number(values.seed),
    log,
  });
  const annotationMb = made.annotationBytes / 2 ** 20;
  log(
    `dataset ${folder}: ${made.records} records, ${annotationMb.toFixed(1)} MB of annotations, ` +
      `${made.generatedVideos.length} generated + ${made.realVideos.length} real videos`,
  );

  // ---- 1. Floor and index, each in a fresh process (peak memory is its own), interleaved.
  const floors: ChildResult[] = [];
  const indexes: ChildResult[] = [];
  const boardOnly = values['board-only'];
  if (!boardOnly) await runChild('floor', folder); // page cache and tsx's compile cache are not what is measured
  for (let rep = 0; rep < (boardOnly ? 0 : repeat); rep++) {
    const tasks = [
      async () => void floors.push(await runChild('floor', folder)),
      async () => void indexes.push(await runChild('index', folder)),
    ];
    for (const task of rep % 2 ? [...tasks].reverse() : tasks) await task();
    log(
      `rep ${rep + 1}/${repeat}: floor ${floors.at(-1)!.ms.toFixed(0)} ms / ${floors.at(-1)!.maxRssMb.toFixed(0)} MB, ` +
        `index ${indexes.at(-1)!.ms.toFixed(0)} ms / ${indexes.at(-1)!.maxRssMb.toFixed(0)} MB`,
    );
  }
  const floorMs = median(floors.map((r) => r.ms));
  const floorRss = median(floors.map((r) => r.maxRssMb));

  // The rest works on one in-process index (the board and export are handed an index).
  const index = await indexDataset(folder);
  if (index.samples.length !== made.records)
    notes.push(`the index holds ${index.samples.length} samples for ${made.records} records`);

  // ---- 2. Board open and scroll.
  const rows: Row[] = [];
  let board: BoardMeasurement | undefined;
  if (!haveChromium()) notes.push('board: /usr/bin/chromium is missing; board open and scroll not measured');
  else board = await measureBoard({ index, folder, site: join(work, 'site'), repeat, log, notes });
  const boardRuns = board?.runs ?? [];
  const scroll = board?.scroll;
  if (values['board-only']) {
    if (!board) throw new Error('--board-only needs /usr/bin/chromium');
    const summary = {
      records: index.samples.length,
      repeat,
      open: { median: median(boardRuns.map((r) => r.wall)), runs: boardRuns },
      scroll,
      message: board.message,
      load: { start: loadAtStart, end: loadavg() },
      notes,
    };
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else console.log(renderBoard(summary.open.median, board, summary.load));
    return;
  }

  // ---- 3. Decisions through the journal (fsync'd), next to a bare write + fsync of the same line.
  const decisionTimes: number[] = [];
  const floorTimes: number[] = [];
  let journal: DecisionJournal | undefined;
  const step = Math.max(1, Math.floor(index.samples.length / decisionCount));
  for (let rep = 0; rep < repeat; rep++) {
    await rm(join(folder, '.video-curator'), { recursive: true, force: true });
    journal = await DecisionJournal.open(folder, { annotator: 'bench' });
    const lines: string[] = [];
    for (let i = 0; i < decisionCount; i++) {
      const sampleId = index.samples[(i * step) % index.samples.length].id;
      const t = performance.now();
      const decision = await journal.record({ sampleId, verdict: i % 4 === 3 ? 'reject' : 'accept' });
      decisionTimes.push(performance.now() - t);
      lines.push(JSON.stringify(decision));
    }
    floorTimes.push(...(await bareAppends(join(work, 'floor-journal.jsonl'), lines)));
    log(
      `rep ${rep + 1}/${repeat}: ${decisionCount} decisions, p99 ${percentile(decisionTimes, 99).toFixed(2)} ms`,
    );
  }

  // ---- 4. Export to LLaVA JSONL: every sample not rejected (pending ones included), next to a bare
  // write + fsync of the same bytes.
  const exportRuns: number[] = [];
  const exportFloorRuns: number[] = [];
  const out = join(work, 'export', 'curated.jsonl');
  let exported = 0;
  let exportBytes = 0;
  for (let rep = 0; rep < repeat; rep++) {
    const t = performance.now();
    const report = await exportDataset(index, journal!.all(), { out, includePending: true });
    exportRuns.push(performance.now() - t);
    exported = report.exported;
    const bytes = await readFile(out);
    exportBytes = bytes.length;
    exportFloorRuns.push(await bareWrite(join(work, 'floor-export.jsonl'), bytes));
    log(`rep ${rep + 1}/${repeat}: export ${exportRuns.at(-1)!.toFixed(0)} ms (${exported} samples)`);
  }

  // ---- Report.
  const plainFloor = 'JSON.parse / line split';
  rows.push(
    {
      name: `index ${made.records.toLocaleString('en-US')} records (fresh process)`,
      value: median(indexes.map((r) => r.ms)),
      unit: 'ms',
      target: TARGETS.indexMs,
      floor: floorMs,
      floorName: plainFloor,
      runs: indexes.map((r) => r.ms),
    },
    {
      name: 'index peak memory (maxRSS)',
      value: median(indexes.map((r) => r.maxRssMb)),
      unit: 'MB',
      target: TARGETS.indexMemoryMb,
      floor: floorRss,
      floorName: `${plainFloor} (maxRSS)`,
      runs: indexes.map((r) => r.maxRssMb),
      detail: `process at start ${median(indexes.map((r) => r.startRssMb)).toFixed(0)} MB`,
    },
  );
  if (boardRuns.length) {
    rows.push({
      name: 'board open (session + init + first rows in Chromium)',
      value: median(boardRuns.map((r) => r.wall)),
      unit: 'ms',
      target: TARGETS.boardOpenMs,
      floor: floorMs,
      floorName: plainFloor,
      runs: boardRuns.map((r) => r.wall),
      detail:
        `host ${median(boardRuns.map((r) => r.host)).toFixed(0)} ms, in page ${median(boardRuns.map((r) => r.page)).toFixed(0)} ms ` +
        `(first rows at ${median(boardRuns.map((r) => r.firstRows)).toFixed(0)} ms); ` +
        `init ${board!.message.initMb.toFixed(1)} MB as columns, ${board!.message.initMbAsObjects.toFixed(1)} MB as row objects`,
    });
  }
  if (scroll) {
    rows.push(
      {
        name: 'scroll frame p95, jump 4000 px/frame',
        value: scroll.jump.p95,
        unit: 'ms',
        target: TARGETS.scrollFrameMs,
        runs: [],
        detail: `p99 ${scroll.jump.p99.toFixed(1)}, max ${scroll.jump.max.toFixed(1)}, ${scroll.jump.frames} frames, ≤${scroll.jump.maxRows} rows in DOM`,
      },
      {
        name: 'scroll frame p95, steady 120 px/frame',
        value: scroll.steady.p95,
        unit: 'ms',
        target: TARGETS.scrollFrameMs,
        runs: [],
        detail: `p99 ${scroll.steady.p99.toFixed(1)}, max ${scroll.steady.max.toFixed(1)}, ${scroll.steady.frames} frames`,
      },
    );
  }
  rows.push(
    {
      name: 'decision p50 (journal, fsync)',
      value: percentile(decisionTimes, 50),
      unit: 'ms',
      floor: percentile(floorTimes, 50),
      floorName: 'write + fsync p50',
      runs: [],
    },
    {
      name: 'decision p99 (journal, fsync)',
      value: percentile(decisionTimes, 99),
      unit: 'ms',
      target: TARGETS.decisionP99Ms,
      floor: percentile(floorTimes, 99),
      floorName: 'write + fsync p99',
      runs: [],
      detail: `${decisionTimes.length} decisions, max ${Math.max(...decisionTimes).toFixed(1)} ms`,
    },
    {
      name: `export ${exported.toLocaleString('en-US')} samples to LLaVA JSONL`,
      value: median(exportRuns),
      unit: 'ms',
      target: TARGETS.exportMs,
      floor: median(exportFloorRuns),
      floorName: `write + fsync of the same ${(exportBytes / 2 ** 20).toFixed(1)} MB`,
      runs: exportRuns,
    },
  );

  const lastIndex = indexes.at(-1)!;
  const report: BenchReport = {
    bench: 'scale',
    date: new Date().toISOString(),
    quick: values.quick,
    repeat,
    node: process.version,
    cpus: availableParallelism(),
    dataset: {
      folder,
      records: made.records,
      annotationMb,
      files: made.files,
      generatedVideos: made.generatedVideos.length,
      realVideos: made.realVideos.length,
      realdata: made.realdataRoot ?? 'not found',
      indexedSamples: lastIndex.records,
      indexProblems: lastIndex.problems ?? 0,
    },
    rows,
    ...(scroll ? { scroll } : {}),
    ...(boardRuns.length
      ? {
          board: {
            hostMs: median(boardRuns.map((r) => r.host)),
            pageMs: median(boardRuns.map((r) => r.page)),
            transferMs: median(boardRuns.map((r) => r.wall - r.host - r.page)),
            ...board!.message,
          },
        }
      : {}),
    decisions: {
      count: decisionTimes.length,
      p50: percentile(decisionTimes, 50),
      p99: percentile(decisionTimes, 99),
      max: Math.max(...decisionTimes),
      floorP50: percentile(floorTimes, 50),
      floorP99: percentile(floorTimes, 99),
    },
    load: { start: loadAtStart, end: loadavg() },
    notes,
    wallMs: performance.now() - started,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(render(report));
}

function renderBoard(
  openMs: number,
  board: BoardMeasurement,
  load: { start: number[]; end: number[] },
): string {
  const m = board.message;
  const r = board.runs;
  const s = board.scroll;
  const avg = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  return [
    `board open: ${openMs.toFixed(0)} ms (median of ${r.length}; target < ${TARGETS.boardOpenMs} ms; runs ${r.map((x) => x.wall.toFixed(0)).join(', ')})`,
    `  host ${median(r.map((x) => x.host)).toFixed(0)} ms, in page ${median(r.map((x) => x.page)).toFixed(0)} ms, first rows in page at ${median(r.map((x) => x.firstRows)).toFixed(0)} ms`,
    `  init message ${m.initMb.toFixed(2)} MB as columns (JSON.stringify ${m.stringifyMs.toFixed(0)} ms); ` +
      `the same rows as protocol-1 objects ${m.initMbAsObjects.toFixed(2)} MB (JSON.stringify ${m.stringifyMsAsObjects.toFixed(0)} ms)`,
    ...(s
      ? [
          `scroll jump 4000 px/frame: p50 ${s.jump.p50.toFixed(1)}, p95 ${s.jump.p95.toFixed(1)}, p99 ${s.jump.p99.toFixed(1)}, max ${s.jump.max.toFixed(1)} ms, ${s.jump.frames} frames, ≤${s.jump.maxRows} rows in DOM`,
          `scroll steady 120 px/frame: p50 ${s.steady.p50.toFixed(1)}, p95 ${s.steady.p95.toFixed(1)}, p99 ${s.steady.p99.toFixed(1)}, max ${s.steady.max.toFixed(1)} ms, ${s.steady.frames} frames`,
        ]
      : []),
    `load average (1/5/15 min): start ${avg(load.start)}, end ${avg(load.end)}; ${availableParallelism()} cores`,
  ].join('\n');
}

function render(report: BenchReport): string {
  const d = report.dataset;
  const value = (v: number, unit: string) => `${v < 100 ? v.toFixed(v < 10 ? 2 : 1) : v.toFixed(0)} ${unit}`;
  const table = formatTable(
    [
      { title: 'measure' },
      { title: 'value', align: 'right' },
      { title: 'target', align: 'right' },
      { title: 'result' },
      { title: 'floor', align: 'right' },
      { title: 'x floor', align: 'right' },
      { title: 'floor is' },
    ],
    report.rows.map((r) => [
      r.name,
      value(r.value, r.unit),
      r.target === undefined ? '' : `< ${r.target} ${r.unit}`,
      r.target === undefined ? '' : r.value < r.target ? 'PASS' : 'FAIL',
      r.floor === undefined ? '' : value(r.floor, r.unit),
      r.floor === undefined ? '' : ratio(r.value / r.floor),
      r.floorName ?? '',
    ]),
  );
  const details = report.rows
    .filter((r) => r.detail || r.runs.length > 1)
    .map(
      (r) =>
        `  ${r.name}: ${[
          r.detail,
          r.runs.length > 1 ? `runs ${r.runs.map((x) => x.toFixed(0)).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')}`,
    );
  return [
    `Scale benchmark: ${d.records.toLocaleString('en-US')} records (${d.annotationMb.toFixed(1)} MB in ${d.files.length} files: ` +
      `${d.files.map((f) => `${f.format} ${f.layout} ${f.records}`).join(', ')}), ` +
      `${d.generatedVideos} generated + ${d.realVideos} real videos; medians of ${report.repeat}; ` +
      `node ${report.node}, ${report.cpus} cores`,
    `index: ${d.indexedSamples} samples, ${d.indexProblems} problems (planted missing videos)`,
    '',
    table,
    '',
    ...details,
    ...(report.notes.length ? ['', ...report.notes.map((n) => `note: ${n}`)] : []),
    '',
    `wall ${(report.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

function runChild(mode: 'floor' | 'index', folder: string): Promise<ChildResult> {
  const script = resolve(__dirname, 'bench', 'scaleChild.ts');
  return new Promise((ok, fail) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, mode, folder],
      { maxBuffer: 1 << 20, timeout: 600_000 },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`${mode} child failed: ${stderr.trim() || error.message}`));
        else ok(JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult);
      },
    );
  });
}

/** One line per append, each written and fsync'd on a held-open O_APPEND file: the least a durable append costs. */
async function bareAppends(path: string, lines: readonly string[]): Promise<number[]> {
  await rm(path, { force: true });
  const handle = await open(path, 'a');
  const times: number[] = [];
  try {
    for (const line of lines) {
      const t = performance.now();
      await handle.write(`${line}\n`);
      await handle.sync();
      times.push(performance.now() - t);
    }
  } finally {
    await handle.close();
  }
  await rm(path, { force: true });
  return times;
}

async function bareWrite(path: string, bytes: Buffer): Promise<number> {
  await rm(path, { force: true });
  const t = performance.now();
  const handle = await open(path, 'w');
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const took = performance.now() - t;
  if ((await stat(path)).size !== bytes.length) throw new Error('the floor write came out short');
  await rm(path, { force: true });
  return took;
}

function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

void (async () => {
  try {
    await main();
  } catch (error) {
    console.error((error as Error).stack ?? String(error));
    process.exit(1);
  }
})();
