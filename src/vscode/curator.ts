// The extension's state for one dataset folder: the index, the latest analysis results, the
// journal, and the services that do heavy work off the host thread (ffmpeg and inference run in
// child processes). Commands and the board use it; it knows nothing of how they are shown.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { analyzeDataset } from '../core/analysis/analyzeDataset';
import type { AnalyzeProgress } from '../core/analysis/analyzeDataset';
import type { AnalysisResults, ClipAnalysis } from '../core/analysis/analysisTypes';
import { createDatasetAnalyzer } from '../core/analysis/datasetAnalyzer';
import { writeHtmlReport } from '../core/analysis/htmlReport';
import { DecisionJournal } from '../core/curation/decisionJournal';
import { orphanedDecisions } from '../core/curation/reviewSummary';
import { indexDataset } from '../core/dataset/indexDataset';
import type { DatasetIndex } from '../core/dataset/indexDataset';
import { writeFileAtomic } from '../core/export/atomicFile';
import { createInferenceService } from '../core/inference/inferenceService';
import type { InferenceService } from '../core/inference/inferenceService';
import { defaultWorkerLocation } from '../core/inference/workerLocation';
import { lookupBinary } from '../core/media/ffmpegPaths';
import { datasetCacheRoot, MediaCache } from '../core/media/mediaCache';
import { MediaService } from '../core/media/mediaService';
import { SharedService } from '../core/jobs/sharedService';
import { readSettings } from './settings';

export class Curator implements vscode.Disposable {
  index: DatasetIndex | undefined;
  results: AnalysisResults | undefined;
  journal: DecisionJournal | undefined;
  private readonly inference = new SharedService<InferenceService>(
    () => {
      const settings = readSettings();
      return createInferenceService({
        device: settings.device,
        ...(settings.modelsPath ? { modelsPath: settings.modelsPath } : {}),
        globalStorage: join(this.context.globalStorageUri.fsPath, 'models'),
        allowDownload: settings.allowDownload,
        worker: defaultWorkerLocation(join(this.context.extensionUri.fsPath, 'dist')),
        log: (line) => this.output.appendLine(`[inference] ${line}`),
      });
    },
    (service) => service.runtime.dispose(),
  );
  readonly onDidChange = new vscode.EventEmitter<void>();
  /** Background jobs running now (for the status bar). */
  jobs = 0;
  private orphanCount = 0;

  constructor(
    readonly folder: string,
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
  ) {}

  get cacheRoot(): string {
    return datasetCacheRoot(this.folder);
  }

  /**
   * Re-indexes the folder and refreshes the journal and results. Loads run one after another (a
   * command and the file watcher may ask at once): two in flight would open two journals and could
   * leave the older index in place.
   */
  load(signal?: AbortSignal): Promise<DatasetIndex> {
    const next = (this.loading ?? Promise.resolve()).catch(() => undefined).then(() => this.loadNow(signal));
    this.loading = next;
    return next;
  }

  private loading: Promise<unknown> | undefined;

  private async loadNow(signal?: AbortSignal): Promise<DatasetIndex> {
    this.index = await indexDataset(this.folder, signal ? { signal } : {});
    // One journal per folder for the whole session: the board, commands and the status bar must
    // all see the same decisions (refresh picks up lines other writers, e.g. the CLI, appended).
    if (this.journal) await this.journal.refresh();
    else this.journal = await DecisionJournal.open(this.folder);
    this.results = await readResults(this.folder);
    this.reportOrphans(this.index, this.journal);
    this.onDidChange.fire();
    return this.index;
  }

  /**
   * Decisions whose sample left the index (its record was deleted, or edited so its identity
   * changed) stay in the journal and bind again if the record returns; say so when their number changes.
   */
  private reportOrphans(index: DatasetIndex, journal: DecisionJournal): void {
    const orphans = orphanedDecisions(
      index.samples.map((s) => s.id),
      journal,
    );
    if (orphans.length === this.orphanCount) return;
    this.orphanCount = orphans.length;
    if (orphans.length === 0) return;
    const shown = orphans
      .slice(0, 5)
      .map((d) => `${d.sampleId} (${d.verdict})`)
      .join(', ');
    this.output.appendLine(
      `[journal] ${orphans.length} decision(s) refer to samples no longer in ${this.folder}: ${shown}${orphans.length > 5 ? ', …' : ''}. ` +
        'They are kept in the journal and apply again if those records come back; they are not exported.',
    );
  }

  /** The provider in use (starts the inference worker if needed). */
  async inferenceStatus(): Promise<string> {
    const inference = await this.getInference();
    const status = await inference.runtime.status();
    return status.provider;
  }

  async analyze(options: {
    only?: ReadonlySet<string>;
    signal: AbortSignal;
    onProgress: (p: AnalyzeProgress) => void;
    /** A clip finished: its samples' rows can update now. */
    onClip?: (clip: ClipAnalysis) => void;
    /** Sample ids to analyse first (the board's visible rows). */
    prioritize?: () => ReadonlySet<string>;
  }): Promise<AnalysisResults> {
    if (!vscode.workspace.isTrusted)
      throw new Error('Analysis runs ffmpeg and models: trust this workspace first.');
    const index = this.index ?? (await this.load(options.signal));
    const videoOf = new Map(index.samples.map((sample) => [sample.id, sample.video]));
    const settings = readSettings();
    const ffmpeg = lookupBinary('ffmpeg', settings.ffmpegPath ? { explicit: settings.ffmpegPath } : {});
    const ffprobe = lookupBinary('ffprobe', settings.ffprobePath ? { explicit: settings.ffprobePath } : {});
    if (!ffmpeg.found) throw new Error(ffmpeg.message);
    if (!ffprobe.found) throw new Error(ffprobe.message);
    const cache = new MediaCache(this.cacheRoot, {
      log: (line) => this.output.appendLine(`[cache] ${line}`),
    });
    const media = new MediaService({ ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, cache });
    const inference = await this.getInference();
    const status = await inference.runtime.status();
    this.jobs++;
    this.onDidChange.fire();
    try {
      const results = await analyzeDataset(
        index,
        createDatasetAnalyzer({ media, cache, inference, status }),
        {
          signal: options.signal,
          onProgress: options.onProgress,
          ...(options.only ? { only: options.only } : {}),
          // Rows update as clips finish (the board adds each clip); nothing here rebuilds the results per clip.
          onClip: (clip) => options.onClip?.(clip),
          prioritize: () => {
            const videos = new Set<string>();
            for (const id of options.prioritize?.() ?? []) {
              const video = videoOf.get(id);
              if (video) videos.add(video);
            }
            return videos;
          },
        },
      );
      const merged = options.only && this.results ? mergeResults(this.results, results) : results;
      const out = join(this.folder, '.video-curator');
      await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(merged, null, 1)}\n`);
      await writeHtmlReport(join(out, 'report.html'), merged, index.samples);
      this.results = merged;
      return merged;
    } finally {
      this.jobs--;
      this.onDidChange.fire();
    }
  }

  /** The inference service, started on first use; callers asking at once share one worker. */
  getInference(): Promise<InferenceService> {
    return this.inference.get();
  }

  /** Settings changed: the next use starts a fresh runtime with them. */
  resetInference(): Promise<void> {
    return this.inference.reset();
  }

  dispose(): void {
    void this.inference.reset();
    this.onDidChange.dispose();
  }
}

async function readResults(folder: string): Promise<AnalysisResults | undefined> {
  try {
    return JSON.parse(
      await readFile(join(folder, '.video-curator', 'results.json'), 'utf8'),
    ) as AnalysisResults;
  } catch {
    return undefined; // none yet, or unreadable: the board shows "not analysed yet"
  }
}

function mergeResults(previous: AnalysisResults, fresh: AnalysisResults): AnalysisResults {
  const clips = new Map(previous.clips.map((c) => [c.video, c]));
  for (const c of fresh.clips) clips.set(c.video, c);
  const samples = new Map(previous.samples.map((s) => [s.sampleId, s]));
  for (const s of fresh.samples) samples.set(s.sampleId, s);
  return { ...fresh, clips: [...clips.values()], samples: [...samples.values()] };
}
