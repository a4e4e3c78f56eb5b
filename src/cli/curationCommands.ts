// status, decide, export: review progress, recording verdicts, writing the curated dataset.
import { DecisionJournal } from '../core/curation/decisionJournal';
import { formatJournalWarning } from '../core/curation/journalFile';
import { summarizeReview } from '../core/curation/reviewSummary';
import { EXPORT_FORMATS, exportDataset } from '../core/export/exportDataset';
import type { ExportFormat } from '../core/export/exportDataset';
import { cancelSignal, loadIndex, printJson, UserError } from './context';
import { plural, table } from './terminal';
import { pushTo } from '../core/collections';

export async function statusCommand(folder: string, options: { json?: boolean }): Promise<number> {
  const index = await loadIndex(folder);
  const journal = await DecisionJournal.open(index.folder);
  const overall = summarizeReview(
    index.samples.map((s) => s.id),
    journal,
  );
  const byFile = new Map<string, string[]>();
  for (const s of index.samples) pushTo(byFile, s.source.file, s.id);
  const files = [...byFile].map(([file, ids]) => ({ file, ...summarizeReview(ids, journal) }));
  if (options.json) {
    printJson({ folder: index.folder, journal: journal.path, ...overall, files, warnings: journal.warnings });
    return 0;
  }
  const reviewed = overall.total - overall.unreviewed;
  const share = overall.total ? ((100 * reviewed) / overall.total).toFixed(1) : '0.0';
  process.stdout.write(
    `${reviewed.toLocaleString('en-US')} of ${plural(overall.total, 'sample')} reviewed (${share}%)\n` +
      `${table(
        files.map((f) => [
          f.file,
          String(f.total),
          String(f.accept),
          String(f.edit),
          String(f.reject),
          String(f.pending),
          String(f.unreviewed),
        ]),
        ['source', 'samples', 'accepted', 'edited', 'rejected', 'pending', 'unreviewed'],
      )}\n`,
  );
  for (const w of journal.warnings) process.stderr.write(`warning: ${formatJournalWarning(w)}\n`);
  return 0;
}

export async function decideCommand(
  folder: string,
  sampleId: string,
  verdict: string,
  options: { note?: string; annotator?: string; json?: boolean },
): Promise<number> {
  const verdicts = ['accept', 'reject', 'pending'] as const;
  if (!(verdicts as readonly string[]).includes(verdict)) {
    throw new UserError(`verdict must be one of ${verdicts.join(', ')} (edits are made in the editor)`);
  }
  const index = await loadIndex(folder);
  if (!index.samples.some((s) => s.id === sampleId)) {
    throw new UserError(
      `no sample "${sampleId}" in ${index.folder}; list ids with: video-curator samples ${folder}`,
    );
  }
  const journal = await DecisionJournal.open(
    index.folder,
    options.annotator ? { annotator: options.annotator } : {},
  );
  const decision = await journal.record({
    sampleId,
    verdict: verdict as (typeof verdicts)[number],
    ...(options.note ? { note: options.note } : {}),
  });
  if (options.json) printJson(decision);
  else
    process.stdout.write(
      `${sampleId}: ${decision.verdict} (rev ${decision.rev}) recorded in ${journal.path}\n`,
    );
  return 0;
}

export async function exportCommand(
  folder: string,
  options: { out?: string; format?: string; includePending?: boolean; json?: boolean },
): Promise<number> {
  const format = (options.format ?? 'llava-jsonl') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new UserError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
  const index = await loadIndex(folder);
  const journal = await DecisionJournal.open(index.folder);
  const report = await exportDataset(index, journal.all(), {
    format,
    includePending: options.includePending ?? false,
    signal: cancelSignal,
    ...(options.out ? { out: options.out } : {}),
  });
  if (options.json) {
    printJson(report);
    return 0;
  }
  const v = report.byVerdict;
  process.stdout.write(
    `exported ${plural(report.exported, 'sample')} ` +
      `(accepted ${v.accept}, edited ${v.edit}, rejected ${v.reject}, pending ${v.pending}, unreviewed ${v.unreviewed})\n` +
      report.outputs.map((o) => `  ${o.path} (${o.format}, ${plural(o.samples, 'sample')})\n`).join('') +
      `report: ${report.reportPath}\n`,
  );
  for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
  return 0;
}
