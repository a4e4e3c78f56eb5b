// Analyze benchmark: the whole `analyze` (index → media → inference → analysis → results + report)
// on the demo dataset, cold (a fresh cache each time) and warm (every clip a cache hit), next to a
// full decode of the same videos measured interleaved in the same run; and shot detection, ours vs
// ffmpeg's scene filter (`select='gt(scene,0.3)'`), timed on the same clips and scored against known
// cuts (±1 frame). A report, not a test: it exits 0 whether the target passes or not.
//
//   npm run bench:analyze [-- --repeat R] [-- --quick] [-- --json]
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_CLIPS, generateDemoDataset } from '../src/core/demo/demoDataset';
import { indexDataset } from '../src/core/dataset/indexDataset';
import { createInferenceService } from '../src/core/inference/inferenceService';
import { binaryVersion } from '../src/core/media/binaryVersion';
import { resolveMediaBinaries } from '../src/core/media/ffmpegPaths';
import { MediaService } from '../src/core/media/mediaService';
import { analyzedVideos, decodeAll, runAnalyze } from './bench/analyzeRun';
import { measureCostFloors } from './bench/costFloors';
import type { CostFloors } from './bench/costFloors';
import type { AnalyzeRun } from './bench/analyzeRun';
import { DEMO_SHOT_TRUTH, ourShots, realdataShotClips, sceneFilterShots } from './bench/analyzeShots';
import type { ShotClip } from './bench/analyzeShots';
import { median } from './bench/measure';
import { linkRealdataDataset } from './bench/realdataCorpus';
import { matchCuts } from './bench/shots';
import { formatTable, ms, ratio } from './bench/table';

/** Target: a cold analyze on built-in defaults costs no more than one full decode of the corpus. */
const TARGET_ANALYZE = 1;
const TOLERANCE = 1;

interface Phase {
  name: string;
  ms: number;
  runs: number[];
}

interface ClipRow {
  video: string;
  duration?: number;
  frames?: number;
  decodeMs: number;
  decodeRuns: number[];
  /** analyzeClip's own seconds (cold runs, median); clips run two at a time, so these overlap. */
  analysisMs?: number;
  cuts?: number[];
  failed?: string;
}

interface ShotRow {
  id: string;
  source: ShotClip['source'];
  path: string;
  note?: string;
  frames: number;
  truth: number[];
  ours: {
    cuts: number[];
    precision: number;
    recall: number;
    ms: number;
    decodeMs: number;
    modelsMs: number;
    detectMs: number;
    runs: number[];
  };
  ffmpeg: { cuts: number[]; precision: number; recall: number; ms: number; runs: number[] };
  /** The cuts the cold analyze itself stored for this clip (demo clips only). */
  analyzeCuts?: number[];
}

interface Pooled {
  name: string;
  clips: number;
  truth: number;
  ours: { detected: number; matched: number; precision: number; recall: number; ms: number };
  ffmpeg: { detected: number; matched: number; precision: number; recall: number; ms: number };
  timeRatio: number;
}

interface RealCorpus {
  videos: number;
  videoSeconds: number;
  cold: Phase;
  decode: Phase;
  ratio: number;
  cpu?: { coldWithWorkerMs: number; decodeMs: number; ratio: number };
  /** Stage times of the last cold run, summed over the clips. */
  breakdown: { stage: string; ms: number }[];
  floors: CostFloors;
  failures: string[];
}

interface TargetResult {
  name: string;
  limit: number;
  value: number;
  pass: boolean;
  detail: string;
}

interface BenchReport {
  bench: 'analyze';
  date: string;
  quick: boolean;
  repeat: number;
  ffmpeg: { path: string; version: string };
  dataset: string;
  provider: string;
  fallbackReason?: string;
  videos: number;
  videoSeconds: number;
  analyze: {
    phases: Phase[];
    cold: Phase;
    coldWithWorker: Phase;
    warm: Phase;
    warmWorkerStart: Phase;
    decode: Phase;
    ratios: { cold: number; coldWithWorker: number; warm: number };
    /** CPU seconds (process + children, Linux only): a cost that other load on the machine does not inflate. */
    cpu?: { coldWithWorkerMs: number; decodeMs: number; ratio: number };
    warmCacheHits: string;
    clips: ClipRow[];
    /** analyzeClip's own stage times in the last cold run, summed over the clips (two run at a time). */
    breakdown: { stage: string; ms: number }[];
    /** Costs any analysis pays before its models run, beside the full decode. */
    floors: CostFloors;
    failures: { video: string; code: string }[];
    tpl: string;
  };
  shots: { rows: ShotRow[]; pooled: Pooled[]; realdata: string };
  /** The same comparison on the real videos of ../shared/realdata (absent with --quick or without them). */
  realCorpus?: RealCorpus;
  targets: TargetResult[];
  wallMs: number;
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
      'usage: npm run bench:analyze -- [--repeat R] [--quick] [--json]\n' +
        '  --repeat R  cold analyze / full decode / warm analyze / shot runs, median taken (default 3; 1 with --quick)\n' +
        '  --quick     one repetition, demo clips only in the shot comparison (smoke run)\n' +
        '  --json      print the results as one JSON object instead of tables',
    );
    return;
  }
  const repeat = values.repeat === undefined ? (values.quick ? 1 : 3) : Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new Error(`--repeat must be a positive integer, got ${values.repeat}`);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const binaries = resolveMediaBinaries();
  if (!binaries.ffmpeg.found) throw new Error(binaries.ffmpeg.message);
  if (!binaries.ffprobe.found) throw new Error(binaries.ffprobe.message);
  const ffmpeg = binaries.ffmpeg.path;
  const ffprobe = binaries.ffprobe.path;
  const ffmpegVersion = await binaryVersion(ffmpeg);
  log(`ffmpeg ${ffmpegVersion.version} (${ffmpeg})`);

  const work = join(process.cwd(), 'build', 'bench-analyze');
  const folder = join(work, 'demo');
  await generateDemoDataset(folder, { ffmpeg });
  const videos = analyzedVideos(await indexDataset(folder)).filter((v) => existsSync(v));
  log(`demo dataset ${folder}: ${videos.length} videos`);
  // Page cache and ffmpeg's first start are not what either side is measured on.
  await decodeAll(ffmpeg, videos);

  // ---- 1-2. Cold analyze and full decode, interleaved, order alternating each repetition.
  const cold: AnalyzeRun[] = [];
  const decodes: Awaited<ReturnType<typeof decodeAll>>[] = [];
  let lastCache: string | undefined;
  for (let rep = 0; rep < repeat; rep++) {
    const tasks = [
      async () => {
        if (lastCache) await rm(lastCache, { recursive: true, force: true });
        lastCache = await mkdtemp(join(tmpdir(), 'vc-bench-analyze-cache-'));
        const outDir = join(work, 'out');
        await mkdir(outDir, { recursive: true });
        const run = await runAnalyze({ ffmpeg, ffprobe, folder, cacheRoot: lastCache, outDir });
        cold.push(run);
        log(
          `rep ${rep + 1}/${repeat}: cold analyze ${ms(run.analyzeMs)} ms (+ worker start ${ms(run.workerStartMs)} ms), ` +
            `${run.clipsFresh} fresh / ${run.clipsCached} cached clips`,
        );
      },
      async () => {
        const run = await decodeAll(ffmpeg, videos);
        decodes.push(run);
        log(`rep ${rep + 1}/${repeat}: full decode ${ms(run.ms)} ms`);
      },
    ];
    for (const task of rep % 2 ? [...tasks].reverse() : tasks) await task();
  }

  // ---- 3. Warm re-runs on the last cold run's cache: every clip should be a hit.
  const warm: AnalyzeRun[] = [];
  try {
    for (let rep = 0; rep < repeat; rep++) {
      const run = await runAnalyze({
        ffmpeg,
        ffprobe,
        folder,
        cacheRoot: lastCache!,
        outDir: join(work, 'out-warm'),
      });
      warm.push(run);
      log(`rep ${rep + 1}/${repeat}: warm analyze ${ms(run.analyzeMs)} ms, ${run.clipsCached} cached clips`);
    }
  } finally {
    if (lastCache) await rm(lastCache, { recursive: true, force: true });
  }

  // ---- 3b. Where a cold clip's time goes: the stage times each analysis recorded, summed.
  const breakdown = stageSums(cold.at(-1)!);
  const floors = await measureCostFloors(ffmpeg, ffprobe, videos);
  log(`demo floors: ${JSON.stringify(floors)}`);

  // ---- 4. Shot detection: ours vs ffmpeg's scene filter on the same clips.
  const realdataRoot = resolve(__dirname, '..', '..', 'shared', 'realdata');
  const haveRealdata = existsSync(realdataRoot);
  const shotClips: ShotClip[] = DEMO_CLIPS.map((c) => ({
    id: c.file,
    path: join(folder, 'videos', c.file),
    source: 'demo' as const,
    truth: DEMO_SHOT_TRUTH[c.file]?.truth ?? [],
    ...(DEMO_SHOT_TRUTH[c.file]?.note ? { note: DEMO_SHOT_TRUTH[c.file].note } : {}),
  }));
  let realdataNote: string;
  if (!haveRealdata) realdataNote = `not found (${realdataRoot})`;
  else if (values.quick) realdataNote = 'skipped (--quick)';
  else {
    const real = realdataShotClips(realdataRoot);
    const missing = real.filter((c) => !existsSync(c.path));
    shotClips.push(...real.filter((c) => existsSync(c.path)));
    realdataNote = `${realdataRoot}${missing.length ? `; missing ${missing.map((c) => c.id).join(', ')}` : ''}`;
  }
  const lastCold = cold.at(-1)!;
  const realCorpus =
    haveRealdata && !values.quick
      ? await measureRealCorpus(ffmpeg, ffprobe, realdataRoot, work, repeat, log)
      : undefined;
  const shotRows = await measureShots(ffmpeg, ffprobe, shotClips, repeat, lastCold, log);

  // ---- Report.
  const phase = (name: string, runs: number[]): Phase => ({ name, ms: median(runs), runs });
  const phases = [
    phase(
      'inference worker start (not in analyze)',
      cold.map((r) => r.workerStartMs),
    ),
    phase(
      'index',
      cold.map((r) => r.indexMs),
    ),
    phase(
      'clips + samples (analyzeDataset)',
      cold.map((r) => r.datasetMs),
    ),
    phase(
      '  of which clips (2 at a time)',
      cold.map((r) => r.clipsMs),
    ),
    phase(
      '  of which samples',
      cold.map((r) => r.samplesMs),
    ),
    phase(
      'results.json + report.html',
      cold.map((r) => r.writeMs),
    ),
  ];
  const coldPhase = phase(
    'cold analyze (index + dataset + write)',
    cold.map((r) => r.analyzeMs),
  );
  const coldWithWorker = phase(
    'cold analyze + worker start',
    cold.map((r) => r.analyzeMs + r.workerStartMs),
  );
  const warmPhase = phase(
    'warm analyze (cache hits)',
    warm.map((r) => r.analyzeMs),
  );
  const warmWorker = phase(
    'warm: worker start (not in analyze)',
    warm.map((r) => r.workerStartMs),
  );
  const decodePhase = phase(
    'full decode, sum over videos',
    decodes.map((d) => d.ms),
  );

  const clips: ClipRow[] = videos.map((video) => {
    const analyses = cold.flatMap((r) => r.results.clips.filter((c) => c.video === video));
    const failure = lastCold.results.failures.find((f) => f.video === video);
    const decodeRuns = decodes.map((d) => d.perVideo.get(video) ?? Number.NaN);
    const last = analyses.at(-1);
    return {
      video: basename(video),
      ...(last ? { duration: last.duration, frames: last.frameCount } : {}),
      decodeMs: median(decodeRuns),
      decodeRuns,
      ...(analyses.length ? { analysisMs: median(analyses.map((a) => a.seconds * 1000)) } : {}),
      ...(last ? { cuts: last.shots.cuts.map((f) => f.index) } : {}),
      ...(failure ? { failed: failure.code } : {}),
    };
  });

  const coldRatio = coldPhase.ms / decodePhase.ms;
  const coldCpu = cold.map((r) => r.cpuMs).filter((v): v is number => v !== undefined);
  const decodeCpu = decodes.map((d) => d.cpuMs).filter((v): v is number => v !== undefined);
  const cpu =
    coldCpu.length && decodeCpu.length
      ? {
          coldWithWorkerMs: median(coldCpu),
          decodeMs: median(decodeCpu),
          ratio: median(coldCpu) / median(decodeCpu),
        }
      : undefined;
  const withTpl = lastCold.results.samples.filter((s) => s.tpl.tpl !== undefined).length;
  const tplReasons = [
    ...new Set(lastCold.results.samples.map((s) => s.tpl.reason).filter((r): r is string => !!r)),
  ];
  const warmLast = warm.at(-1)!;
  const report: BenchReport = {
    bench: 'analyze',
    date: new Date().toISOString(),
    quick: values.quick,
    repeat,
    ffmpeg: { path: ffmpeg, version: ffmpegVersion.version },
    dataset: folder,
    provider: lastCold.provider,
    ...(lastCold.fallbackReason ? { fallbackReason: lastCold.fallbackReason } : {}),
    videos: videos.length,
    videoSeconds: lastCold.results.clips.reduce((s, c) => s + c.duration, 0),
    analyze: {
      phases,
      cold: coldPhase,
      coldWithWorker,
      warm: warmPhase,
      warmWorkerStart: warmWorker,
      decode: decodePhase,
      ratios: {
        cold: coldRatio,
        coldWithWorker: coldWithWorker.ms / decodePhase.ms,
        warm: warmPhase.ms / decodePhase.ms,
      },
      ...(cpu ? { cpu } : {}),
      warmCacheHits: `${warmLast.clipsCached} of ${warmLast.clipsCached + warmLast.clipsFresh} clips`,
      clips,
      breakdown,
      floors,
      failures: lastCold.results.failures.map((f) => ({ video: basename(f.video), code: f.code })),
      tpl: withTpl
        ? `${withTpl} of ${lastCold.results.samples.length} samples`
        : `not computed (${tplReasons.join('; ') || 'no samples'})`,
    },
    shots: {
      rows: shotRows,
      pooled: [
        pool(
          'demo clips',
          shotRows.filter((r) => r.source === 'demo'),
        ),
        ...(shotRows.some((r) => r.source === 'realdata')
          ? [
              pool(
                'realdata clips',
                shotRows.filter((r) => r.source === 'realdata'),
              ),
              pool('all clips', shotRows),
            ]
          : []),
      ],
      realdata: realdataNote,
    },
    ...(realCorpus ? { realCorpus } : {}),
    targets: [
      {
        name: `cold analyze on built-in defaults <= ${TARGET_ANALYZE} x one full decode of the corpus`,
        limit: TARGET_ANALYZE,
        value: coldRatio,
        pass: coldRatio <= TARGET_ANALYZE,
        detail:
          `${ms(coldPhase.ms)} ms / ${ms(decodePhase.ms)} ms, medians of ${repeat}; ` +
          `with the worker start ${ratio(coldWithWorker.ms / decodePhase.ms)}`,
      },
    ],
    wallMs: performance.now() - started,
  };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(render(report));
}

/** Seconds per analyzeClip stage (ClipAnalysis.stageSeconds), summed over the run's fresh clips. */
function stageSums(run: AnalyzeRun): { stage: string; ms: number }[] {
  const sums = new Map<string, number>();
  for (const clip of run.results.clips)
    for (const [stage, seconds] of Object.entries(clip.stageSeconds ?? {}))
      sums.set(stage, (sums.get(stage) ?? 0) + seconds * 1000);
  return [...sums].map(([stage, took]) => ({ stage, ms: took }));
}

/** Cold analyze vs full decode, interleaved, on a dataset of links to every real video. */
async function measureRealCorpus(
  ffmpeg: string,
  ffprobe: string,
  root: string,
  work: string,
  repeat: number,
  log: (line: string) => void,
): Promise<RealCorpus> {
  const folder = join(work, 'realdata');
  const count = await linkRealdataDataset(root, folder);
  const videos = analyzedVideos(await indexDataset(folder));
  await decodeAll(ffmpeg, videos);
  const cold: AnalyzeRun[] = [];
  const decodes: Awaited<ReturnType<typeof decodeAll>>[] = [];
  for (let rep = 0; rep < repeat; rep++) {
    const tasks = [
      async () => {
        const cacheRoot = await mkdtemp(join(tmpdir(), 'vc-bench-analyze-real-'));
        try {
          const outDir = join(work, 'out-realdata');
          await mkdir(outDir, { recursive: true });
          cold.push(await runAnalyze({ ffmpeg, ffprobe, folder, cacheRoot, outDir }));
          log(`realdata rep ${rep + 1}/${repeat}: cold analyze ${ms(cold.at(-1)!.analyzeMs)} ms`);
        } finally {
          await rm(cacheRoot, { recursive: true, force: true });
        }
      },
      async () => {
        decodes.push(await decodeAll(ffmpeg, videos));
        log(`realdata rep ${rep + 1}/${repeat}: full decode ${ms(decodes.at(-1)!.ms)} ms`);
      },
    ];
    for (const task of rep % 2 ? [...tasks].reverse() : tasks) await task();
  }
  const phase = (name: string, runs: number[]): Phase => ({ name, ms: median(runs), runs });
  const coldPhase = phase(
    'cold analyze',
    cold.map((r) => r.analyzeMs),
  );
  const decodePhase = phase(
    'full decode',
    decodes.map((d) => d.ms),
  );
  const coldCpu = cold.map((r) => r.cpuMs).filter((v): v is number => v !== undefined);
  const decodeCpu = decodes.map((d) => d.cpuMs).filter((v): v is number => v !== undefined);
  const last = cold.at(-1)!;
  return {
    videos: count,
    videoSeconds: last.results.clips.reduce((sum, c) => sum + c.duration, 0),
    cold: coldPhase,
    decode: decodePhase,
    ratio: coldPhase.ms / decodePhase.ms,
    ...(coldCpu.length && decodeCpu.length
      ? {
          cpu: {
            coldWithWorkerMs: median(coldCpu),
            decodeMs: median(decodeCpu),
            ratio: median(coldCpu) / median(decodeCpu),
          },
        }
      : {}),
    breakdown: stageSums(last),
    floors: await measureCostFloors(ffmpeg, ffprobe, videos),
    failures: last.results.failures.map((f) => `${basename(f.video)} ${f.code}`),
  };
}

async function measureShots(
  ffmpeg: string,
  ffprobe: string,
  shotClips: ShotClip[],
  repeat: number,
  cold: AnalyzeRun,
  log: (line: string) => void,
): Promise<ShotRow[]> {
  // No cache: every run decodes. Probe + timeline are opened once up front (the product caches them).
  const media = new MediaService({ ffmpeg, ffprobe, concurrency: 2 });
  const inference = await createInferenceService({ device: 'cpu' });
  try {
    for (const clip of shotClips) await media.open(clip.path);
    // Warm-up: model sessions load on first use; not part of any clip's time.
    await ourShots(media, inference.runtime, shotClips[0].path);
    const rows: ShotRow[] = [];
    for (const clip of shotClips) {
      const ours: Awaited<ReturnType<typeof ourShots>>[] = [];
      const theirs: Awaited<ReturnType<typeof sceneFilterShots>>[] = [];
      for (let rep = 0; rep < repeat; rep++) {
        const tasks = [
          async () => void ours.push(await ourShots(media, inference.runtime, clip.path)),
          async () => void theirs.push(await sceneFilterShots(media, ffmpeg, clip.path)),
        ];
        for (const task of rep % 2 ? [...tasks].reverse() : tasks) await task();
      }
      const o = ours.at(-1)!;
      const f = theirs.at(-1)!;
      const om = matchCuts(o.cuts, clip.truth, TOLERANCE);
      const fm = matchCuts(f.cuts, clip.truth, TOLERANCE);
      const analysed = cold.results.clips.find((c) => c.video === clip.path);
      rows.push({
        id: clip.id,
        source: clip.source,
        path: clip.path,
        ...(clip.note ? { note: clip.note } : {}),
        frames: o.frames,
        truth: clip.truth,
        ours: {
          cuts: o.cuts,
          precision: om.precision,
          recall: om.recall,
          ms: median(ours.map((r) => r.totalMs)),
          decodeMs: median(ours.map((r) => r.decodeMs)),
          modelsMs: median(ours.map((r) => r.modelsMs)),
          detectMs: median(ours.map((r) => r.detectMs)),
          runs: ours.map((r) => r.totalMs),
        },
        ffmpeg: {
          cuts: f.cuts,
          precision: fm.precision,
          recall: fm.recall,
          ms: median(theirs.map((r) => r.ms)),
          runs: theirs.map((r) => r.ms),
        },
        ...(analysed ? { analyzeCuts: analysed.shots.cuts.map((c) => c.index) } : {}),
      });
      log(`shots ${clip.id}: ours ${o.cuts.join(',') || '-'}, ffmpeg ${f.cuts.join(',') || '-'}`);
    }
    return rows;
  } finally {
    await inference.runtime.dispose();
  }
}

function pool(name: string, rows: ShotRow[]): Pooled {
  const side = (pick: (r: ShotRow) => ShotRow['ours'] | ShotRow['ffmpeg']) => {
    let detected = 0;
    let matched = 0;
    let spent = 0;
    for (const r of rows) {
      const s = pick(r);
      detected += s.cuts.length;
      matched += matchCuts(s.cuts, r.truth, TOLERANCE).matched.length;
      spent += s.ms;
    }
    const truth = rows.reduce((n, r) => n + r.truth.length, 0);
    return {
      detected,
      matched,
      precision: detected ? matched / detected : 1,
      recall: truth ? matched / truth : 1,
      ms: spent,
    };
  };
  const ours = side((r) => r.ours);
  const ffmpeg = side((r) => r.ffmpeg);
  return {
    name,
    clips: rows.length,
    truth: rows.reduce((n, r) => n + r.truth.length, 0),
    ours,
    ffmpeg,
    timeRatio: ours.ms / ffmpeg.ms,
  };
}

const list = (cuts: readonly number[] | undefined): string =>
  cuts === undefined ? '·' : cuts.length ? cuts.join(',') : '-';
const pr = (p: number, r: number): string => `${p.toFixed(2)}/${r.toFixed(2)}`;

function render(report: BenchReport): string {
  const out: string[] = [];
  const a = report.analyze;
  out.push(
    `Analyze benchmark: the whole analyze of the demo dataset (${report.videos} videos, ${report.videoSeconds.toFixed(0)} s of video) ` +
      `vs a full decode of the same videos (ffmpeg -threads 2 -i F -f null -)`,
    `ffmpeg ${report.ffmpeg.version}; provider ${report.provider}${report.fallbackReason ? ` (${report.fallbackReason})` : ''}; ` +
      `${report.repeat} repetition(s), medians in ms; cold = fresh cache each time; built-in defaults; ${report.quick ? 'QUICK' : 'full'} run`,
    `dataset ${report.dataset}`,
    '',
    formatTable(
      [
        { title: 'phase' },
        { title: 'median ms', align: 'right' },
        { title: 'runs ms', align: 'right' },
        { title: 'x decode', align: 'right' },
      ],
      [...a.phases, a.cold, a.coldWithWorker, a.warm, a.warmWorkerStart, a.decode].map((p) => [
        p.name,
        ms(p.ms),
        p.runs.map((r) => ms(r)).join(' '),
        ratio(p.ms / a.decode.ms),
      ]),
    ),
    `warm re-run: ${a.warmCacheHits} from the cache; TPL: ${a.tpl}; ` +
      `failures (expected for the truncated upload): ${a.failures.map((f) => `${f.video} ${f.code}`).join(', ') || 'none'}`,
    '',
    'Cold analyzeClip stages as the last cold run recorded them (ClipAnalysis.stageSeconds), summed over the clips; ' +
      'two clips run at a time, so stages overlap and waiting for the shared worker counts where it happens',
    formatTable(
      [
        { title: 'stage' },
        { title: 'ms', align: 'right' },
        { title: 'share', align: 'right' },
        { title: 'x decode', align: 'right' },
      ],
      a.breakdown.map((b) => {
        const total = a.breakdown.reduce((n, x) => n + x.ms, 0);
        return [b.stage, ms(b.ms), `${((100 * b.ms) / total).toFixed(0)}%`, ratio(b.ms / a.decode.ms)];
      }),
    ),
    '',
    'Per video (analysis = analyzeClip seconds, cold, median; two clips run at a time, so these overlap)',
    formatTable(
      [
        { title: 'video' },
        { title: 'duration', align: 'right' },
        { title: 'frames', align: 'right' },
        { title: 'decode ms', align: 'right' },
        { title: 'analysis ms', align: 'right' },
        { title: 'analysis/decode', align: 'right' },
        { title: 'cuts' },
      ],
      a.clips.map((c) => [
        c.video,
        c.duration === undefined ? '·' : `${c.duration.toFixed(1)} s`,
        c.frames === undefined ? '·' : String(c.frames),
        ms(c.decodeMs),
        c.failed ? `failed (${c.failed})` : ms(c.analysisMs),
        c.analysisMs === undefined ? '·' : ratio(c.analysisMs / c.decodeMs),
        list(c.cuts),
      ]),
    ),
    '',
    `Shot detection: ours (every frame at 64x64 + frame-signature + motion in the worker + detectShots; ` +
      `probe/timeline not counted) vs ffmpeg select='gt(scene,0.3)' (whole clip, full resolution); ` +
      `P/R against known cuts at ±${TOLERANCE} frame; realdata: ${report.shots.realdata}`,
    formatTable(
      [
        { title: 'clip' },
        { title: 'frames', align: 'right' },
        { title: 'known cuts' },
        { title: 'ours' },
        { title: 'ffmpeg' },
        { title: 'analyze' },
        { title: 'ours P/R', align: 'right' },
        { title: 'ffmpeg P/R', align: 'right' },
        { title: 'ours ms', align: 'right' },
        { title: 'decode/models/detect', align: 'right' },
        { title: 'ffmpeg ms', align: 'right' },
        { title: 'ours/ffmpeg', align: 'right' },
        { title: 'note' },
      ],
      report.shots.rows.map((r) => [
        r.id,
        String(r.frames),
        list(r.truth),
        list(r.ours.cuts),
        list(r.ffmpeg.cuts),
        list(r.analyzeCuts),
        pr(r.ours.precision, r.ours.recall),
        pr(r.ffmpeg.precision, r.ffmpeg.recall),
        ms(r.ours.ms),
        `${ms(r.ours.decodeMs)}/${ms(r.ours.modelsMs)}/${ms(r.ours.detectMs)}`,
        ms(r.ffmpeg.ms),
        ratio(r.ours.ms / r.ffmpeg.ms),
        r.note ?? '',
      ]),
    ),
    '',
    'Shot detection pooled (matched / detected, matched / known; time = sum of medians)',
    formatTable(
      [
        { title: 'group' },
        { title: 'clips', align: 'right' },
        { title: 'known', align: 'right' },
        { title: 'ours det/match', align: 'right' },
        { title: 'ours P/R', align: 'right' },
        { title: 'ffmpeg det/match', align: 'right' },
        { title: 'ffmpeg P/R', align: 'right' },
        { title: 'ours ms', align: 'right' },
        { title: 'ffmpeg ms', align: 'right' },
        { title: 'ours/ffmpeg', align: 'right' },
      ],
      report.shots.pooled.map((p) => [
        p.name,
        String(p.clips),
        String(p.truth),
        `${p.ours.detected}/${p.ours.matched}`,
        pr(p.ours.precision, p.ours.recall),
        `${p.ffmpeg.detected}/${p.ffmpeg.matched}`,
        pr(p.ffmpeg.precision, p.ffmpeg.recall),
        ms(p.ours.ms),
        ms(p.ffmpeg.ms),
        ratio(p.timeRatio),
      ]),
    ),
    '',
    'Summary',
    `  cold analyze ${ms(a.cold.ms)} ms vs full decode ${ms(a.decode.ms)} ms: ${ratio(a.ratios.cold)} x ` +
      `(${ratio(a.ratios.coldWithWorker)} x with the ${ms(a.phases[0].ms)} ms worker start); ` +
      `warm re-run ${ms(a.warm.ms)} ms (${ratio(a.ratios.warm)} x)`,
    a.cpu
      ? `  CPU time (process + children, not inflated by other load): cold analyze with the worker ${ms(a.cpu.coldWithWorkerMs)} ms ` +
          `vs full decode ${ms(a.cpu.decodeMs)} ms: ${ratio(a.cpu.ratio)} x`
      : '  CPU time: not measured (needs /proc)',
    floorsLine('demo', a.floors, a.decode.ms, a.cpu?.decodeMs),
  );
  if (report.realCorpus) {
    const r = report.realCorpus;
    out.push(
      `  real videos (${r.videos} from ../shared/realdata, ${r.videoSeconds.toFixed(0)} s): cold analyze ${ms(r.cold.ms)} ms ` +
        `vs full decode ${ms(r.decode.ms)} ms: ${ratio(r.ratio)} x` +
        (r.cpu
          ? `; CPU ${ms(r.cpu.coldWithWorkerMs)} ms vs ${ms(r.cpu.decodeMs)} ms: ${ratio(r.cpu.ratio)} x`
          : '') +
        (r.failures.length ? `; failed: ${r.failures.join(', ')}` : ''),
    );
    const total = r.breakdown.reduce((n, x) => n + x.ms, 0);
    out.push(
      `  real videos, where the cold run's clip time went: ` +
        r.breakdown.map((b) => `${b.stage} ${((100 * b.ms) / total).toFixed(0)}%`).join(', '),
      floorsLine('real videos', r.floors, r.decode.ms, r.cpu?.decodeMs),
    );
  }
  for (const p of report.shots.pooled) {
    out.push(
      `  shots, ${p.name}: ours P/R ${pr(p.ours.precision, p.ours.recall)} in ${ms(p.ours.ms)} ms, ` +
        `ffmpeg P/R ${pr(p.ffmpeg.precision, p.ffmpeg.recall)} in ${ms(p.ffmpeg.ms)} ms (ours ${ratio(p.timeRatio)} x)`,
    );
  }
  out.push('');
  for (const t of report.targets)
    out.push(`${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.value.toFixed(3)} (${t.detail})`);
  out.push('', `wall time ${(report.wallMs / 1000).toFixed(1)} s`);
  return out.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:analyze failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});

/** What any analysis pays before its models run, as multiples of the full decode. */
function floorsLine(name: string, f: CostFloors, decodeMs: number, decodeCpuMs: number | undefined): string {
  const cpu = (part: { cpuMs?: number }) =>
    part.cpuMs !== undefined && decodeCpuMs ? `, CPU ${ratio(part.cpuMs / decodeCpuMs)} x` : '';
  return (
    `  floors, ${name} (${f.clips} clips, each before any model runs): one ffmpeg start per clip ` +
    `${ms(f.processStartMs)} ms = ${ratio(f.processStartMs / decodeMs)} x the full decode; ` +
    `probing ${ms(f.probe.ms)} ms = ${ratio(f.probe.ms / decodeMs)} x${cpu(f.probe)}; ` +
    `the analysis's own decode step (every frame 64x64 + 2-fps frames) ${ms(f.decodeStep.ms)} ms = ` +
    `${ratio(f.decodeStep.ms / decodeMs)} x${cpu(f.decodeStep)}`
  );
}
