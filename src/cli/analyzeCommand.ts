// analyze: the main job. For now it indexes and validates the dataset and shows review progress;
// the analysis stages (media, inference, signals) plug in here as they land.
import { DecisionJournal } from '../core/curation/decisionJournal';
import { summarizeReview } from '../core/curation/reviewSummary';
import { summarizeIndex } from '../core/dataset/indexSummary';
import { loadIndex, printJson } from './context';
import { renderProblems, renderSummary } from './datasetCommands';

export async function analyzeCommand(folder: string, options: { json?: boolean }): Promise<number> {
  const index = await loadIndex(folder);
  const summary = summarizeIndex(index);
  const journal = await DecisionJournal.open(index.folder);
  const review = summarizeReview(
    index.samples.map((s) => s.id),
    journal,
  );
  if (options.json) {
    printJson({ ...summary, review });
    return 0;
  }
  process.stdout.write(
    `${renderSummary(summary)}\n\n${renderProblems(index, 20)}\n\n` +
      `review: ${review.total - review.unreviewed} of ${review.total} reviewed ` +
      `(accepted ${review.accept}, edited ${review.edit}, rejected ${review.reject})\n`,
  );
  return 0;
}
