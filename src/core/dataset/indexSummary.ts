// The summary every face shows for an index: per file and in total. Also the CLI's --json shape.
import type { DatasetIndex } from './indexDataset';
import type { Problem, ProblemCode, Severity } from './problems';
import type { DatasetFormat, Sample } from './sample';
import { pushTo } from '../collections';

export interface FileSummaryJson {
  path: string;
  relativePath: string;
  format: DatasetFormat | null;
  layout: string | null;
  samples: number;
  problems: Problem[];
}

export interface IndexSummaryJson {
  folder: string;
  files: FileSummaryJson[];
  /** Problems that belong to no annotation file (config, folders, video-folder). */
  otherProblems: Problem[];
  totals: {
    annotationFiles: number;
    samples: number;
    samplesByFormat: Partial<Record<DatasetFormat, number>>;
    videoFiles: number;
    videosFound: number;
    videosMissing: number;
    problems: number;
    problemsByCode: Partial<Record<ProblemCode, number>>;
    problemsBySeverity: Record<Severity, number>;
  };
}

export function summarizeIndex(index: DatasetIndex): IndexSummaryJson {
  const byFile = new Map<string, Problem[]>();
  const otherProblems: Problem[] = [];
  const filePaths = new Set(index.files.map((f) => f.path));
  for (const p of index.problems) {
    const file = p.location?.file;
    if (file && filePaths.has(file)) pushTo(byFile, file, p);
    else otherProblems.push(p);
  }
  const problemsByCode: Partial<Record<ProblemCode, number>> = {};
  const problemsBySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const p of index.problems) {
    problemsByCode[p.code] = (problemsByCode[p.code] ?? 0) + 1;
    problemsBySeverity[p.severity]++;
  }
  return {
    folder: index.folder,
    files: index.files.map((f) => ({
      path: f.path,
      relativePath: f.relativePath,
      format: f.format ?? null,
      layout: f.layout ?? null,
      samples: f.sampleCount,
      problems: byFile.get(f.path) ?? [],
    })),
    otherProblems,
    totals: {
      annotationFiles: index.files.filter((f) => f.format).length,
      samples: index.samples.length,
      samplesByFormat: countBy(index.samples, (s) => s.format),
      videoFiles: index.videoFiles.length,
      videosFound: index.videosFound,
      videosMissing: index.videosMissing,
      problems: index.problems.length,
      problemsByCode,
      problemsBySeverity,
    },
  };
}

function countBy<K extends string>(samples: Sample[], key: (s: Sample) => K): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const s of samples) counts[key(s)] = (counts[key(s)] ?? 0) + 1;
  return counts;
}
