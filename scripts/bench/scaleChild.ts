// One measurement of the scale benchmark in a fresh process, so its peak memory (maxRSS) is its own:
// `floor` reads and parses the annotation files with nothing but JSON.parse and a line split;
// `index` runs the project's indexDataset on the folder. Prints one JSON line to stdout.
//
//   node --import tsx scripts/bench/scaleChild.ts floor|index <folder>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { indexDataset } from '../../src/core/dataset/indexDataset';

export interface ChildResult {
  mode: 'floor' | 'index';
  ms: number;
  /** CPU time (user + system, all threads) the work took: steadier than wall time on a busy machine. */
  cpuMs: number;
  /** Peak resident set of the whole process, MB (process.resourceUsage().maxRSS is in KB). */
  maxRssMb: number;
  /** RSS before the measured work began (node + tsx + loaded modules), MB. */
  startRssMb: number;
  records: number;
  problems?: number;
}

/** Annotation files of the scale dataset and how to read them plainly. */
export const FLOOR_FILES: readonly { path: string; layout: 'jsonl' | 'json-array' | 'text-lines' }[] = [
  { path: 'annotations/llava_instruct.jsonl', layout: 'jsonl' },
  { path: 'annotations/llava_detail.json', layout: 'json-array' },
  { path: 'annotations/moments.jsonl', layout: 'jsonl' },
  { path: 'annotations/mcq.json', layout: 'json-array' },
  { path: 'annotations/charades_sta.txt', layout: 'text-lines' },
];

/** The floor: read each file whole, JSON.parse it (arrays) or split it and parse each line (JSONL). */
export async function plainParse(folder: string): Promise<number> {
  let records = 0;
  const kept: unknown[] = [];
  for (const file of FLOOR_FILES) {
    const text = await readFile(join(folder, file.path), 'utf8');
    if (file.layout === 'json-array') {
      const items = JSON.parse(text) as unknown[];
      records += items.length;
      kept.push(items);
    } else {
      const parsed: unknown[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        parsed.push(file.layout === 'jsonl' ? JSON.parse(line) : line.split('##'));
      }
      records += parsed.length;
      kept.push(parsed);
    }
  }
  // Keep everything alive to the end, as an index does with its samples.
  return kept.length ? records : 0;
}

async function main(): Promise<void> {
  const [mode, folder] = process.argv.slice(2);
  if ((mode !== 'floor' && mode !== 'index') || !folder)
    throw new Error('usage: scaleChild.ts floor|index <folder>');
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let result: ChildResult;
  if (mode === 'floor') {
    const records = await plainParse(folder);
    result = { mode, ms: performance.now() - started, cpuMs: 0, maxRssMb: 0, startRssMb, records };
  } else {
    const index = await indexDataset(folder);
    result = {
      mode,
      ms: performance.now() - started,
      cpuMs: 0,
      maxRssMb: 0,
      startRssMb,
      records: index.samples.length,
      problems: index.problems.length,
    };
  }
  const used = process.cpuUsage(cpu);
  result.cpuMs = (used.user + used.system) / 1000;
  result.maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
