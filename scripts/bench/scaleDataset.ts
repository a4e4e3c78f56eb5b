// The scale benchmark's dataset: N annotation records (default 100,000) in five files and four
// formats (LLaVA JSONL, LLaVA JSON array, Moment-DETR grounding JSONL, a Video-MME-style
// multiple-choice JSON array, Charades-STA text lines), pointing at a few hundred tiny generated
// videos (ffmpeg lavfi, 64x48, 1 s) and at the real videos in ../shared/realdata when present
// (referenced by a path relative to the dataset folder, never copied). Deterministic from a seed;
// videos are rendered once and kept, so a re-run only rewrites the annotation files.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, opendir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import { VIDEO_EXTENSIONS } from '../../src/core/dataset/folderScan';
import type { DatasetFormat } from '../../src/core/dataset/sample';
import { mulberry32 } from '../../src/core/analysis/seededRandom';

export interface ScaleDatasetOptions {
  /** Dataset folder; annotation files are (re)written, videos under `videos/` are reused. */
  folder: string;
  ffmpeg: string;
  /** Annotation records in all (default 100,000). */
  records?: number;
  /** Generated videos (default 300). */
  videos?: number;
  seed?: number;
  /** Folder of real videos to point records at; default `<repo>/../shared/realdata`; false: none. */
  realdata?: string | false;
  /** One record in `missingEvery` (LLaVA JSONL only) names a video that does not exist (default 1000). */
  missingEvery?: number;
  /** ffmpeg processes at once (default: available cores). */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface ScaleFile {
  path: string;
  relativePath: string;
  format: DatasetFormat;
  layout: 'jsonl' | 'json-array' | 'text-lines';
  records: number;
  bytes: number;
}

export interface ScaleDataset {
  folder: string;
  files: ScaleFile[];
  records: number;
  annotationBytes: number;
  generatedVideos: string[];
  /** How many generated videos this call rendered (the rest were already there). */
  renderedVideos: number;
  realVideos: string[];
  realdataRoot?: string;
  /** Records that name a video on purpose missing: the index must report exactly these. */
  missingVideoRecords: number;
}

const DEFAULT_REALDATA = resolve(__dirname, '..', '..', '..', 'shared', 'realdata');

/** Shares of the records per file, in file order (the last file takes the rounding rest). */
const SHARES: readonly { name: string; format: DatasetFormat; layout: ScaleFile['layout']; share: number }[] =
  [
    { name: 'llava_instruct.jsonl', format: 'llava', layout: 'jsonl', share: 0.35 },
    { name: 'llava_detail.json', format: 'llava', layout: 'json-array', share: 0.25 },
    { name: 'moments.jsonl', format: 'grounding-jsonl', layout: 'jsonl', share: 0.2 },
    { name: 'mcq.json', format: 'multiple-choice', layout: 'json-array', share: 0.1 },
    { name: 'charades_sta.txt', format: 'charades-sta', layout: 'text-lines', share: 0.1 },
  ];

export async function generateScaleDataset(options: ScaleDatasetOptions): Promise<ScaleDataset> {
  const folder = resolve(options.folder);
  const records = options.records ?? 100_000;
  const videoCount = options.videos ?? 300;
  const seed = options.seed ?? 1;
  const missingEvery = options.missingEvery ?? 1000;
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(records) || records < SHARES.length)
    throw new Error(`records must be an integer >= ${SHARES.length}, got ${records}`);
  if (!Number.isInteger(videoCount) || videoCount < 1)
    throw new Error(`videos must be a positive integer, got ${videoCount}`);

  await mkdir(join(folder, 'videos'), { recursive: true });
  await mkdir(join(folder, 'annotations'), { recursive: true });
  const names = Array.from({ length: videoCount }, (_, i) => `g${String(i).padStart(4, '0')}.mp4`);
  const rendered = await renderVideos(options.ffmpeg, folder, names, options.concurrency, log);
  const generatedVideos = names.map((n) => join(folder, 'videos', n));

  const realdataRoot = options.realdata === false ? undefined : resolve(options.realdata ?? DEFAULT_REALDATA);
  const realVideos = realdataRoot && existsSync(realdataRoot) ? await findVideos(realdataRoot) : [];
  // Real videos are found through videoRoots (they live outside the dataset folder).
  const config = realVideos.length ? { videoRoots: [posix(relative(folder, realdataRoot!))] } : {};
  await writeFile(join(folder, 'video-curator.json'), `${JSON.stringify(config, null, 2)}\n`);

  const random = mulberry32(seed);
  // Refs relative to the dataset folder: generated clips, then real ones (about one record in 20).
  const generatedRefs = names.map((n) => `videos/${n}`);
  const realRefs = realVideos.map((v) => posix(relative(folder, v)));
  const pickRef = (): string =>
    realRefs.length && random() < 0.05 ? pick(random, realRefs) : pick(random, generatedRefs);

  const counts = SHARES.map((s) => Math.floor(records * s.share));
  counts[counts.length - 1] += records - counts.reduce((a, b) => a + b, 0);
  const files: ScaleFile[] = [];
  let missingVideoRecords = 0;
  let serial = 0;
  for (const [k, spec] of SHARES.entries()) {
    const path = join(folder, 'annotations', spec.name);
    const count = counts[k];
    const items: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = serial++;
      switch (spec.format) {
        case 'llava': {
          let video = pickRef();
          if (spec.layout === 'jsonl' && missingEvery > 0 && i % missingEvery === missingEvery - 1) {
            video = `videos/missing_${n}.mp4`;
            missingVideoRecords++;
          }
          items.push(JSON.stringify(llavaRecord(random, n, video), null, spec.layout === 'jsonl' ? 0 : 2));
          break;
        }
        case 'grounding-jsonl':
          items.push(JSON.stringify(groundingRecord(random, n, pickRef())));
          break;
        case 'multiple-choice':
          items.push(JSON.stringify(choiceRecord(random, n, pickRef()), null, 2));
          break;
        case 'charades-sta':
          items.push(charadesLine(random, n, pick(random, names).replace(/\.mp4$/, '')));
          break;
      }
    }
    const text =
      spec.layout === 'json-array'
        ? `[\n${items.map((item) => indent(item)).join(',\n')}\n]\n`
        : `${items.join('\n')}\n`;
    await writeFile(path, text);
    files.push({
      path,
      relativePath: `annotations/${spec.name}`,
      format: spec.format,
      layout: spec.layout,
      records: count,
      bytes: Buffer.byteLength(text),
    });
  }
  // Remove a decisions journal or export left by an earlier run: every run starts unreviewed.
  await rm(join(folder, '.video-curator'), { recursive: true, force: true });
  return {
    folder,
    files,
    records,
    annotationBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    generatedVideos,
    renderedVideos: rendered,
    realVideos,
    ...(realVideos.length ? { realdataRoot } : {}),
    missingVideoRecords,
  };
}

// ---------- records ----------

const SUBJECTS = ['a person', 'the chef', 'two children', 'a dog', 'the driver', 'a dancer', 'the player'];
const VERBS = ['opens', 'picks up', 'throws', 'looks at', 'walks past', 'holds', 'puts down', 'turns on'];
const OBJECTS = ['the door', 'a red ball', 'the laptop', 'a cup of tea', 'the guitar', 'a book', 'the light'];
const PLACES = ['in the kitchen', 'on a stage', 'in a park', 'at the desk', 'near the window', 'outdoors'];
const QUESTIONS = [
  'What happens in this video?',
  'Describe the video in detail.',
  'What does the person do first?',
  'Which object is used most often?',
  'Where does the scene take place?',
];

function sentence(random: () => number): string {
  return `${pick(random, SUBJECTS)} ${pick(random, VERBS)} ${pick(random, OBJECTS)} ${pick(random, PLACES)}`;
}

function paragraph(random: () => number, sentences: number): string {
  const parts: string[] = [];
  for (let i = 0; i < sentences; i++) {
    const s = sentence(random);
    parts.push(`${s[0].toUpperCase()}${s.slice(1)}.`);
  }
  return parts.join(' ');
}

function llavaRecord(random: () => number, n: number, video: string): unknown {
  const turns = 1 + Math.floor(random() * 3);
  const conversations: { from: string; value: string }[] = [];
  for (let t = 0; t < turns; t++) {
    const question = pick(random, QUESTIONS);
    conversations.push({ from: 'human', value: t === 0 ? `<video>\n${question}` : question });
    conversations.push({ from: 'gpt', value: paragraph(random, 1 + Math.floor(random() * 4)) });
  }
  return { id: `scale-${n}`, video, conversations };
}

function groundingRecord(random: () => number, n: number, videoFile: string): unknown {
  const duration = 10 + Math.round(random() * 1100) / 10;
  const start = Math.round(random() * (duration - 4) * 10) / 10;
  const end = Math.min(duration, Math.round((start + 1 + random() * 20) * 10) / 10);
  return {
    qid: n,
    query: sentence(random),
    duration,
    vid: videoFile
      .split('/')
      .pop()!
      .replace(/\.[^.]+$/, ''),
    video_file: videoFile,
    relevant_windows: [[start, end]],
  };
}

function choiceRecord(random: () => number, n: number, video: string): unknown {
  const options = ['A', 'B', 'C', 'D'].map((letter) => `${letter}. ${sentence(random)}.`);
  return {
    question_id: `q-${n}`,
    video,
    duration: 'short',
    question: `${pick(random, QUESTIONS)} (${n})`,
    options,
    answer: pick(random, ['A', 'B', 'C', 'D']),
  };
}

function charadesLine(random: () => number, n: number, videoId: string): string {
  const start = Math.round(random() * 200) / 10;
  const end = Math.round((start + 0.5 + random() * 10) * 10) / 10;
  // The serial keeps every line distinct (identical lines would be duplicate records).
  return `${videoId} ${start.toFixed(1)} ${end.toFixed(1)}##${sentence(random)} (take ${n}).`;
}

function indent(json: string): string {
  return json
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

// ---------- videos ----------

/** Renders the clips not already in `<folder>/videos`, `concurrency` ffmpeg processes at a time. */
async function renderVideos(
  ffmpeg: string,
  folder: string,
  names: readonly string[],
  concurrency: number | undefined,
  log: (line: string) => void,
): Promise<number> {
  const todo: { name: string; index: number }[] = [];
  for (const [index, name] of names.entries()) {
    const size = await stat(join(folder, 'videos', name)).then(
      (s) => s.size,
      () => 0,
    );
    if (size === 0) todo.push({ name, index });
  }
  if (!todo.length) return 0;
  const started = performance.now();
  await pool(todo, concurrency ?? Math.max(1, availableParallelism()), ({ name, index }) =>
    renderClip(ffmpeg, join(folder, 'videos', name), index),
  );
  log(`rendered ${todo.length} clips in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return todo.length;
}

const SOURCES = [
  'testsrc=size=64x48:rate=10',
  'testsrc2=size=64x48:rate=10',
  'smptebars=size=64x48:rate=10',
  'rgbtestsrc=size=64x48:rate=10',
  'mandelbrot=size=64x48:rate=10',
  'color=c=0x3060a0:size=64x48:rate=10',
];

/** A 1 s, 64x48, 10 fps clip; the hue turns with the index so no two clips are the same. */
function renderClip(ffmpeg: string, target: string, index: number): Promise<void> {
  const partial = `${target}.partial.mp4`;
  const graph = `${SOURCES[index % SOURCES.length]},hue=h=${(index * 37) % 360}`;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    graph,
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-threads',
    '1',
    partial,
  ];
  return new Promise((ok, fail) => {
    execFile(ffmpeg, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) fail(new Error(`ffmpeg could not make ${target}: ${stderr.trim() || error.message}`));
      else rename(partial, target).then(ok, fail);
    });
  });
}

async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

async function findVideos(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of await opendir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (VIDEO_EXTENSIONS.has(extname(entry.name).toLowerCase())) found.push(path);
    }
  };
  await walk(root);
  return found.sort();
}

// ---------- helpers ----------

function posix(path: string): string {
  return path.split(sep).join('/');
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}
