// index, validate, samples: what is in a dataset and what is wrong with it.
import { relative } from 'node:path';
import type { DatasetIndex } from '../core/dataset/indexDataset';
import { summarizeIndex } from '../core/dataset/indexSummary';
import type { IndexSummaryJson } from '../core/dataset/indexSummary';
import { PROBLEM_CODES, formatLocation } from '../core/dataset/problems';
import type { Problem, ProblemCode } from '../core/dataset/problems';
import { DecisionJournal } from '../core/curation/decisionJournal';
import { loadIndex, printJson, UserError } from './context';
import { plural, table } from './terminal';
import { pushTo } from '../core/collections';

export async function indexCommand(folder: string, options: { json?: boolean }): Promise<number> {
  const index = await loadIndex(folder);
  const summary = summarizeIndex(index);
  if (options.json) printJson(summary);
  else process.stdout.write(`${renderSummary(summary)}\n`);
  return 0;
}

export async function validateCommand(
  folder: string,
  options: { json?: boolean; max?: string },
): Promise<number> {
  const index = await loadIndex(folder);
  const summary = summarizeIndex(index);
  const errors = summary.totals.problemsBySeverity.error;
  if (options.json) {
    printJson({ ...summary, valid: errors === 0 });
  } else {
    const max = options.max === undefined ? 50 : Number(options.max);
    process.stdout.write(`${renderSummary(summary)}\n\n${renderProblems(index, max)}\n`);
    process.stdout.write(errors === 0 ? '\nvalid: no errors\n' : `\ninvalid: ${plural(errors, 'error')}\n`);
  }
  return errors === 0 ? 0 : 1;
}

export async function samplesCommand(
  folder: string,
  options: { json?: boolean; verdict?: string; problem?: string; limit?: string },
): Promise<number> {
  const verdicts = ['accept', 'reject', 'edit', 'pending', 'unreviewed'];
  if (options.verdict && !verdicts.includes(options.verdict)) {
    throw new UserError(`--verdict must be one of ${verdicts.join(', ')}`);
  }
  if (options.problem && !(options.problem in PROBLEM_CODES)) {
    throw new UserError(`--problem must be a problem code: ${Object.keys(PROBLEM_CODES).join(', ')}`);
  }
  const limit = options.limit === undefined ? Infinity : Number(options.limit);
  if (!(limit >= 0)) throw new UserError('--limit must be a non-negative number');
  const index = await loadIndex(folder);
  const journal = await DecisionJournal.open(index.folder);
  const problemsBySample = new Map<string, ProblemCode[]>();
  for (const p of index.problems) if (p.sampleId) pushTo(problemsBySample, p.sampleId, p.code);
  const rows = [];
  for (const sample of index.samples) {
    if (rows.length >= limit) break;
    const verdict = journal.latest(sample.id)?.verdict ?? 'unreviewed';
    const codes = problemsBySample.get(sample.id) ?? [];
    if (options.verdict && verdict !== options.verdict) continue;
    if (options.problem && !codes.includes(options.problem as ProblemCode)) continue;
    rows.push({
      id: sample.id,
      format: sample.format,
      source: formatLocation(sample.source),
      video: sample.video ?? null,
      videoRef: sample.videoRef ?? null,
      verdict,
      problems: codes,
    });
  }
  if (options.json) {
    printJson({ folder: index.folder, total: index.samples.length, shown: rows.length, samples: rows });
  } else {
    process.stdout.write(
      `${table(
        rows.map((r) => [
          r.id,
          r.verdict,
          relative(index.folder, r.source),
          r.video ? relative(index.folder, r.video) : `(missing: ${r.videoRef ?? 'none'})`,
          r.problems.join(','),
        ]),
        ['id', 'verdict', 'source', 'video', 'problems'],
      )}\n${plural(rows.length, 'sample')} shown of ${index.samples.length.toLocaleString('en-US')}\n`,
    );
  }
  return 0;
}

export function renderSummary(summary: IndexSummaryJson): string {
  const rows = summary.files.map((f) => [
    f.relativePath,
    f.format ?? '(not annotations)',
    f.format ? f.samples.toLocaleString('en-US') : '-',
    f.problems.filter((p) => p.severity !== 'info').length.toLocaleString('en-US'),
  ]);
  const t = summary.totals;
  const codes = Object.entries(t.problemsByCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `  ${code}: ${n.toLocaleString('en-US')}`);
  return [
    `Dataset ${summary.folder}`,
    rows.length
      ? table(rows, ['file', 'format', 'samples', 'problems'])
      : '(no annotation files: every video is a sample)',
    '',
    `${plural(t.samples, 'sample')} from ${plural(t.annotationFiles, 'annotation file')}; ` +
      `${plural(t.videoFiles, 'video file')} on disk, ${t.videosFound.toLocaleString('en-US')} referenced videos found, ` +
      `${t.videosMissing.toLocaleString('en-US')} missing`,
    `problems: ${plural(t.problemsBySeverity.error, 'error')}, ${plural(t.problemsBySeverity.warning, 'warning')}, ${plural(t.problemsBySeverity.info, 'note')}`,
    ...codes,
  ].join('\n');
}

export function renderProblems(index: DatasetIndex, max: number): string {
  const ordered = [...index.problems].sort((a, b) => rank(a) - rank(b));
  const shown = ordered.slice(0, max).map((p) => {
    const where = p.location
      ? `${relative(index.folder, p.location.file) || p.location.file}:${p.location.line}:${p.location.column}`
      : '';
    return `${p.severity.padEnd(7)} ${p.code.padEnd(22)} ${where}  ${p.message}${p.fix ? `\n${' '.repeat(31)}fix: ${p.fix}` : ''}`;
  });
  if (ordered.length > max) shown.push(`... and ${ordered.length - max} more (use --max N or --json)`);
  return shown.length ? shown.join('\n') : 'no problems';
}

function rank(p: Problem): number {
  return p.severity === 'error' ? 0 : p.severity === 'warning' ? 1 : 2;
}
