// Builds the dataset index: every annotation file's format and samples, resolved videos, and
// every problem found on the way. Never throws for bad data; only cancellation aborts it.
import { isAbsolute, relative, resolve, sep, basename, extname } from 'node:path';
import { loadDatasetConfig } from './datasetConfig';
import type { DatasetConfig } from './datasetConfig';
import { probeFile, detectFormat } from './detectFormat';
import { scanFolder } from './folderScan';
import type { FileLayout, FormatReader, SampleDraft } from './formats/formatReader';
import { readerFor } from './formats/registry';
import { problem } from './problems';
import type { Problem, ProblemCode } from './problems';
import type { DatasetFormat, Sample } from './sample';
import { sampleIdFor } from './sampleId';
import { VideoResolver } from './videoResolver';

export interface AnnotationFileSummary {
  path: string;
  /** Relative to the dataset folder, forward slashes. */
  relativePath: string;
  /** Undefined when the file is not a recognised annotation file. */
  format?: DatasetFormat;
  layout?: FileLayout;
  sampleCount: number;
  problemCount: number;
  problemsByCode: Partial<Record<ProblemCode, number>>;
}

export interface DatasetIndex {
  folder: string;
  config: DatasetConfig;
  files: AnnotationFileSummary[];
  samples: Sample[];
  problems: Problem[];
  videoFiles: string[];
  /** Distinct video files that samples resolve to. */
  videosFound: number;
  /** Distinct video references that resolve to nothing. */
  videosMissing: number;
}

export interface IndexProgress {
  file: string;
  filesDone: number;
  filesTotal: number;
  samples: number;
}

export interface IndexOptions {
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
}

export async function indexDataset(folder: string, options: IndexOptions = {}): Promise<DatasetIndex> {
  const root = resolve(folder);
  const { signal, onProgress } = options;
  const { config, problems } = await loadDatasetConfig(root);
  const scan = await scanFolder(root, config.exclude, signal);
  const videoFiles = [...scan.videoFiles];
  for (const videoRoot of config.videoRoots) {
    const absolute = resolve(root, videoRoot);
    if (!isInside(root, absolute)) videoFiles.push(...(await scanFolder(absolute, [], signal)).videoFiles);
  }
  for (const { path, reason } of scan.unreadable) {
    problems.push(
      problem('unreadable-file', `cannot read folder ${path}: ${reason}`, { location: at(path) }),
    );
  }
  const resolver = new VideoResolver(root, config.videoRoots, videoFiles);
  const index: DatasetIndex = {
    folder: root,
    config,
    files: [],
    samples: [],
    problems,
    videoFiles,
    videosFound: 0,
    videosMissing: 0,
  };

  for (const [i, file] of scan.annotationFiles.entries()) {
    signal?.throwIfAborted();
    const summary = await indexAnnotationFile(root, file, config, resolver, index);
    index.files.push(summary);
    onProgress?.({
      file,
      filesDone: i + 1,
      filesTotal: scan.annotationFiles.length,
      samples: index.samples.length,
    });
  }

  if (!index.files.some((f) => f.format)) addVideoFolderSamples(root, videoFiles, index);
  countVideos(index);
  return index;
}

async function indexAnnotationFile(
  root: string,
  file: string,
  config: DatasetConfig,
  resolver: VideoResolver,
  index: DatasetIndex,
): Promise<AnnotationFileSummary> {
  const relativePath = relative(root, file).split(sep).join('/');
  const summary: AnnotationFileSummary = {
    path: file,
    relativePath,
    sampleCount: 0,
    problemCount: 0,
    problemsByCode: {},
  };
  const report = (p: Problem): void => {
    index.problems.push(p);
    summary.problemCount++;
    summary.problemsByCode[p.code] = (summary.problemsByCode[p.code] ?? 0) + 1;
  };

  let reader: FormatReader | undefined;
  let layout: FileLayout | undefined;
  try {
    const probe = await probeFile(file);
    const override = config.formats[relativePath];
    reader = override ? readerFor(override) : probe && detectFormat(probe);
    layout = probe?.layout;
    if (override && reader && probe && !reader.layouts.includes(probe.layout)) {
      layout = reader.layouts[0];
    }
  } catch (error) {
    report(
      problem('unreadable-file', `cannot read ${relativePath}: ${(error as Error).message}`, {
        location: at(file),
      }),
    );
    return summary;
  }
  if (!reader || !layout) {
    report(
      problem('unrecognized-file', `${relativePath} is not in a supported annotation format; skipped`, {
        location: at(file),
        fix: 'If it is annotation data, set its format under "formats" in video-curator.json.',
      }),
    );
    return summary;
  }
  summary.format = reader.format;
  summary.layout = layout;

  // Within a file, the same identity twice is a duplicate: same content → duplicate record,
  // same record id with different content → conflicting ids.
  // The fingerprint (the record's content as JSON) is only computed when an id repeats: building it for
  // every record would copy all of the dataset's text once more.
  const seen = new Map<
    string,
    { id: string; sample: Sample; fingerprint?: string; count: number; line: number }
  >();
  try {
    for await (const result of reader.read(file, layout)) {
      if (result.kind === 'problem') {
        report(result.problem);
        continue;
      }
      const { draft } = result;
      let id = sampleIdFor(relativePath, draft.identity, draft.label);
      const earlier = seen.get(id);
      if (earlier) {
        earlier.count++;
        earlier.fingerprint ??= fingerprintOf(earlier.sample);
        const sameContent = earlier.fingerprint === fingerprintOf(draft);
        report(
          problem(
            sameContent ? 'duplicate-record' : 'duplicate-id',
            sameContent
              ? `duplicate of the record at line ${earlier.line} (${earlier.id})`
              : `record id "${draft.recordId ?? draft.label}" is already used at line ${earlier.line} by a different record`,
            {
              location: draft.source,
              fix: sameContent ? 'Remove the repeated record.' : 'Give each record its own id.',
            },
          ),
        );
        id = `${id}~${earlier.count}`;
      }
      for (const p of result.problems) report({ ...p, sampleId: id });
      const sample = toSample(draft, id, resolver, file);
      if (!earlier) seen.set(id, { id, sample, count: 1, line: draft.source.line });
      if (!sample.video) {
        report(
          sample.videoRef
            ? problem('missing-video', `video "${sample.videoRef}" not found`, {
                location: draft.source,
                sampleId: id,
                fix: 'Put the video next to the annotation file or in the dataset folder, or list its folder under "videoRoots" in video-curator.json.',
              })
            : problem('missing-video-ref', 'the record names no video', {
                location: draft.source,
                sampleId: id,
                fix: 'Add the video file name to the record.',
              }),
        );
      }
      index.samples.push(sample);
      summary.sampleCount++;
    }
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    report(
      problem('unreadable-file', `reading ${relativePath} failed: ${(error as Error).message}`, {
        location: at(file),
      }),
    );
  }
  return summary;
}

function toSample(draft: SampleDraft, id: string, resolver: VideoResolver, file: string): Sample {
  const { identity: _identity, label: _label, ...rest } = draft;
  const video = draft.videoRef ? resolver.resolve(draft.videoRef, file) : undefined;
  return { ...rest, id, ...(video ? { video } : {}) };
}

function fingerprintOf(
  draft: Pick<Sample, 'videoRef' | 'turns' | 'windows' | 'duration' | 'choice'>,
): string {
  return JSON.stringify([draft.videoRef, draft.turns, draft.windows, draft.duration, draft.choice]);
}

function addVideoFolderSamples(root: string, videoFiles: readonly string[], index: DatasetIndex): void {
  for (const video of videoFiles) {
    const relativePath = relative(root, video).split(sep).join('/');
    const stem = basename(video, extname(video));
    index.samples.push({
      id: sampleIdFor(relativePath, 'video', stem),
      format: 'video-folder',
      source: at(video),
      videoRef: relativePath,
      video,
      turns: [],
    });
  }
}

function countVideos(index: DatasetIndex): void {
  const found = new Set<string>();
  const missing = new Set<string>();
  for (const sample of index.samples) {
    if (sample.video) found.add(sample.video);
    else if (sample.videoRef) missing.add(sample.videoRef);
  }
  index.videosFound = found.size;
  index.videosMissing = missing.size;
}

function at(file: string): { file: string; line: number; column: number } {
  return { file, line: 1, column: 1 };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
