// Review progress over a dataset's samples, for `status` and the status bar.
import type { Decision } from './decision';

/** What the summary needs from a journal (DecisionJournal fits). */
export interface DecisionSource {
  latest(sampleId: string): Decision | undefined;
  all(): ReadonlyMap<string, Decision>;
}

export interface ReviewSummary {
  /** Distinct sample ids given. */
  total: number;
  accept: number;
  reject: number;
  edit: number;
  /** No decision yet, or put back to 'pending'. */
  unreviewed: number;
  /** Of the unreviewed, those explicitly set (or undone) to 'pending'. */
  pending: number;
  /** Non-pending decisions on ids not among the samples (the record changed or was removed). */
  orphaned: number;
}

export function summarizeReview(sampleIds: Iterable<string>, journal: DecisionSource): ReviewSummary {
  const ids = new Set(sampleIds);
  const summary: ReviewSummary = {
    total: ids.size,
    accept: 0,
    reject: 0,
    edit: 0,
    unreviewed: 0,
    pending: 0,
    orphaned: 0,
  };
  for (const id of ids) {
    const verdict = journal.latest(id)?.verdict;
    if (verdict === undefined || verdict === 'pending') {
      summary.unreviewed++;
      if (verdict === 'pending') summary.pending++;
    } else summary[verdict]++;
  }
  summary.orphaned = orphanedDecisions(ids, journal).length;
  return summary;
}

/**
 * The latest non-pending decisions on sample ids the dataset no longer has (the record was deleted,
 * or edited so that its identity changed). They stay in the journal: a record that comes back under
 * the same identity gets its decision back, and `status`/the output channel report them meanwhile.
 */
export function orphanedDecisions(sampleIds: Iterable<string>, journal: DecisionSource): Decision[] {
  const ids = sampleIds instanceof Set ? (sampleIds as ReadonlySet<string>) : new Set(sampleIds);
  const orphans: Decision[] = [];
  for (const [id, decision] of journal.all()) {
    if (!ids.has(id) && decision.verdict !== 'pending') orphans.push(decision);
  }
  return orphans;
}
