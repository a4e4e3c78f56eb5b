// What analysis found, as problems on the samples' source locations, so the Problems panel and
// `validate`-style output show them beside the index's own problems.
import type { DatasetIndex } from '../dataset/indexDataset';
import { problem } from '../dataset/problems';
import type { Problem } from '../dataset/problems';
import type { AnalysisResults } from './analysisTypes';

export function analysisProblems(index: DatasetIndex, results: AnalysisResults): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(index.samples.map((s) => [s.id, s]));
  for (const failure of results.failures) {
    for (const s of index.samples.filter((x) => x.video === failure.video)) {
      problems.push(
        problem(
          'unreadable-video',
          `video "${s.videoRef ?? failure.video}" cannot be used: ${failure.message}`,
          {
            location: s.source,
            sampleId: s.id,
            fix: 'Re-encode or replace the video (H.264 MP4 is safest), or remove the sample.',
          },
        ),
      );
    }
  }
  for (const analysis of results.samples) {
    const sample = byId.get(analysis.sampleId);
    if (!sample) continue;
    if (analysis.flags.includes('low-tpl') && analysis.tpl.tpl !== undefined) {
      problems.push(
        problem(
          'low-tpl',
          `answerable from one frame: TPL ${analysis.tpl.tpl.toFixed(3)} nats/token, in the dataset's bottom 10%`,
          {
            location: sample.source,
            sampleId: sample.id,
            fix: 'Reject it, or relabel it with a question that needs the whole video (e.g. a generated dialogue).',
          },
        ),
      );
    }
    if (analysis.flags.includes('window-insensitive')) {
      problems.push(
        problem(
          'window-insensitive',
          'the text does not depend on its timestamps: shuffling the frames around the window changes nothing',
          {
            location: sample.source,
            sampleId: sample.id,
            fix: 'Check the start and end against the video, or reject the sample.',
          },
        ),
      );
    }
  }
  return problems;
}
