// Writes the curated dataset: accepted and edited samples with their edits applied and their
// accepted generated dialogues appended, as LLaVA-style JSONL or in the source format where that
// round-trips. Every output file is written atomically; a report records what went where.
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Decision } from '../curation/decision';
import type { DatasetIndex } from '../dataset/indexDataset';
import type { DatasetFormat, Sample } from '../dataset/sample';
import { createAtomicWriter, writeFileAtomic } from './atomicFile';
import type { AtomicWriter } from './atomicFile';
import { curatedSample } from './curatedSample';
import type { CuratedSample, DialogueLookup } from './curatedSample';
import { activityNetDocument, charadesStaLine, groundingRecord, llavaRecord } from './recordWriters';
import { pushTo } from '../collections';

export type ExportFormat = 'llava-jsonl' | 'source';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['llava-jsonl', 'source'];

/** Formats whose own file layout can hold curated samples without loss of what we curate. */
const ROUND_TRIP: ReadonlySet<DatasetFormat> = new Set([
  'charades-sta',
  'activitynet-captions',
  'grounding-jsonl',
]);

export interface ExportOptions {
  /** Output file (llava-jsonl) or folder (source). Default under `<dataset>/.video-curator/export/`. */
  out?: string;
  format?: ExportFormat;
  includePending?: boolean;
  dialogues?: DialogueLookup;
  signal?: AbortSignal;
}

type ReviewState = Decision['verdict'] | 'unreviewed';

export interface ExportReport {
  at: string;
  folder: string;
  settings: { format: ExportFormat; includePending: boolean };
  outputs: { path: string; format: string; samples: number }[];
  reportPath: string;
  exported: number;
  byVerdict: Record<ReviewState, number>;
  bySourceFile: Record<string, Record<ReviewState | 'exported', number>>;
  /** Accepted dialogue ids that no generated dialogue matched. */
  missingDialogues: { sampleId: string; dialogueId: string }[];
  warnings: string[];
}

export async function exportDataset(
  index: DatasetIndex,
  decisions: ReadonlyMap<string, Decision>,
  options: ExportOptions = {},
): Promise<ExportReport> {
  const format = options.format ?? 'llava-jsonl';
  const includePending = options.includePending ?? false;
  const exportDir = join(index.folder, '.video-curator', 'export');
  const out = resolve(
    options.out ?? (format === 'llava-jsonl' ? join(exportDir, 'curated.jsonl') : exportDir),
  );
  const report: ExportReport = {
    at: new Date().toISOString(),
    folder: index.folder,
    settings: { format, includePending },
    outputs: [],
    reportPath: format === 'llava-jsonl' ? `${out}.report.json` : join(out, 'export-report.json'),
    exported: 0,
    byVerdict: { accept: 0, edit: 0, reject: 0, pending: 0, unreviewed: 0 },
    bySourceFile: {},
    missingDialogues: [],
    warnings: [],
  };

  const chosen: CuratedSample[] = [];
  for (const sample of index.samples) {
    const decision = decisions.get(sample.id);
    const state: ReviewState = decision?.verdict ?? 'unreviewed';
    const file = relativeSource(index, sample);
    const perFile = (report.bySourceFile[file] ??= {
      accept: 0,
      edit: 0,
      reject: 0,
      pending: 0,
      unreviewed: 0,
      exported: 0,
    });
    report.byVerdict[state]++;
    perFile[state]++;
    const keep =
      state === 'accept' ||
      state === 'edit' ||
      (includePending && (state === 'pending' || state === 'unreviewed'));
    if (!keep) continue;
    const curated = curatedSample(sample, decision, options.dialogues);
    for (const dialogueId of curated.missingDialogues)
      report.missingDialogues.push({ sampleId: sample.id, dialogueId });
    if (curated.turns.length === 0) {
      report.warnings.push(`${sample.id}: no text to export (no turns, no accepted dialogues); skipped`);
      continue;
    }
    if (!sample.video)
      report.warnings.push(`${sample.id}: exported, but its video "${sample.videoRef ?? ''}" was not found`);
    perFile.exported++;
    chosen.push(curated);
  }

  if (format === 'llava-jsonl') {
    await writeJsonl(out, chosen, (c) => llavaRecord(c, dirname(out)), report, 'llava-jsonl', options.signal);
  } else {
    await writeSourceFormats(index, out, chosen, report, options.signal);
  }
  report.exported = report.outputs.reduce((sum, o) => sum + o.samples, 0);
  await writeFileAtomic(report.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function writeSourceFormats(
  index: DatasetIndex,
  outDir: string,
  chosen: CuratedSample[],
  report: ExportReport,
  signal: AbortSignal | undefined,
): Promise<void> {
  const groups = new Map<string, CuratedSample[]>();
  for (const curated of chosen) {
    const key = ROUND_TRIP.has(curated.sample.format) ? relativeSource(index, curated.sample) : '';
    pushTo(groups, key, curated);
  }
  for (const [file, samples] of groups) {
    const format = samples[0].sample.format;
    if (file === '') {
      await writeJsonl(
        join(outDir, 'curated.llava.jsonl'),
        samples,
        (c) => llavaRecord(c, outDir),
        report,
        'llava-jsonl',
        signal,
      );
    } else if (format === 'charades-sta') {
      await writeLines(join(outDir, file), samples.map(charadesStaLine), report, format, signal);
    } else if (format === 'grounding-jsonl') {
      const target = join(outDir, file.replace(/\.json$/i, '.jsonl'));
      await writeJsonl(target, samples, groundingRecord, report, format, signal);
    } else {
      const target = join(outDir, file);
      await writeFileAtomic(target, `${JSON.stringify(activityNetDocument(samples), null, 2)}\n`);
      report.outputs.push({ path: target, format, samples: samples.length });
    }
  }
}

async function writeJsonl(
  target: string,
  samples: CuratedSample[],
  toRecord: (c: CuratedSample) => unknown,
  report: ExportReport,
  format: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  await writeLines(
    target,
    samples.map((c) => JSON.stringify(toRecord(c))),
    report,
    format,
    signal,
  );
}

async function writeLines(
  target: string,
  lines: string[],
  report: ExportReport,
  format: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const writer: AtomicWriter = await createAtomicWriter(target);
  try {
    for (let i = 0; i < lines.length; i += 1000) {
      signal?.throwIfAborted();
      await writer.write(
        lines
          .slice(i, i + 1000)
          .map((line) => `${line}\n`)
          .join(''),
      );
    }
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  report.outputs.push({ path: target, format, samples: lines.length });
}

function relativeSource(index: DatasetIndex, sample: Sample): string {
  return relative(index.folder, sample.source.file).split(sep).join('/');
}
