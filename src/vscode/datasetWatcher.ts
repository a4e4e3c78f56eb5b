// Keeps a loaded dataset in step with its annotation files on disk: a file created, changed or
// deleted outside the board (a hand edit, a script, a checkout) re-indexes the dataset through the
// Curator, whose change event updates the status bar; then diagnostics and the board refresh.
// Decisions need no rebinding: sample ids come from what a record says, not where it sits
// (src/core/dataset/sampleId.ts), and decisions on records that are gone are reported, not dropped.
import { isAbsolute, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { analysisProblems } from '../core/analysis/analysisProblems';
import { ANNOTATION_EXTENSIONS, SKIPPED_DIRS } from '../core/dataset/folderScan';
import { BoardPanel } from './boardPanel';
import type { Curator } from './curator';
import { publishProblems } from './problemDiagnostics';

/** Editors save in bursts (save, format on save, git writing many files): one re-index per burst. */
export const REINDEX_DEBOUNCE_MS = 300;

export interface DatasetWatcherServices {
  diagnostics: vscode.DiagnosticCollection;
  output: vscode.OutputChannel;
  debounceMs?: number;
}

export class DatasetWatcher implements vscode.Disposable {
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;

  constructor(
    private readonly curator: Curator,
    private readonly services: DatasetWatcherServices,
  ) {
    const extensions = [...ANNOTATION_EXTENSIONS].map((ext) => ext.slice(1)).join(',');
    // *.json also covers the dataset's config (video-curator.json), which changes how files are read.
    this.watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(curator.folder), `**/*.{${extensions}}`),
    );
    const onEvent = (uri: vscode.Uri): void => this.changed(uri);
    this.subscriptions.push(
      this.watcher,
      this.watcher.onDidCreate(onEvent),
      this.watcher.onDidChange(onEvent),
      this.watcher.onDidDelete(onEvent),
    );
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
  }

  private get debounceMs(): number {
    return this.services.debounceMs ?? REINDEX_DEBOUNCE_MS;
  }

  private changed(uri: vscode.Uri): void {
    // Nothing loaded yet: the first command that needs the index reads the files as they are then.
    if (this.disposed || !this.curator.index || uri.scheme !== 'file') return;
    const path = relative(this.curator.folder, uri.fsPath);
    if (path === '' || path.startsWith('..') || isAbsolute(path)) return;
    // Our own writes (.video-curator: journal, results, cache, exports) and folders the index skips.
    if (path.split(sep).some((part) => SKIPPED_DIRS.has(part))) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reindex();
    }, this.debounceMs);
  }

  private reindex(): Promise<void> {
    // A change during a re-index means one more after it, never two at once.
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const index = await this.curator.load();
          if (this.disposed) return;
          publishProblems(this.services.diagnostics, [
            ...index.problems,
            ...(this.curator.results ? analysisProblems(index, this.curator.results) : []),
          ]);
          const board = BoardPanel.active;
          if (board?.datasetFolder === this.curator.folder) board.refresh(index, this.curator.results);
        } catch (error) {
          this.services.output.appendLine(
            `[error] re-indexing ${this.curator.folder} after a file changed: ${(error as Error).stack ?? String(error)}`,
          );
        }
      } while (this.again && !this.disposed);
    })().finally(() => (this.running = undefined));
    return this.running;
  }
}
