// The curation board's editor side: a webview panel serving the board bundle under a strict CSP,
// carrying validated messages to the VS Code-free BoardSession and its answers back.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { BoardSession } from '../core/board/boardSession';
import type { AnalysisResults, ClipAnalysis } from '../core/analysis/analysisTypes';
import type { DecisionJournal } from '../core/curation/decisionJournal';
import type { DatasetIndex } from '../core/dataset/indexDataset';
import { receiveWebviewMessage } from '../core/board/webviewInbox';
import type { BoardAction, HostMessage, WebviewMessage } from '../protocol/board';

export const BOARD_VIEW_TYPE = 'videoCurator.board';

export interface BoardInputs {
  index: DatasetIndex;
  results: AnalysisResults | undefined;
  journal: DecisionJournal;
  cacheRoot: string;
  readOnly: boolean;
}

export class BoardPanel implements vscode.Disposable {
  private static current: BoardPanel | undefined;
  private readonly session: BoardSession;
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private folder: string;
  /** The sample the annotator has selected on the board (for commands and the status bar). */
  selectedSampleId: string | undefined;
  /** Samples on screen, analysed first. */
  visibleSampleIds: ReadonlySet<string> = new Set();
  readonly onDidChangeSelection = new vscode.EventEmitter<string | undefined>();
  readonly onDidRecord = new vscode.EventEmitter<void>();

  static get active(): BoardPanel | undefined {
    return BoardPanel.current;
  }

  /** The dataset folder the board shows (a re-index of another folder leaves it alone). */
  get datasetFolder(): string {
    return this.folder;
  }

  static show(extensionUri: vscode.Uri, inputs: BoardInputs, output: vscode.OutputChannel): BoardPanel {
    if (BoardPanel.current) {
      BoardPanel.current.refresh(inputs.index, inputs.results);
      BoardPanel.current.panel.reveal();
      return BoardPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      BOARD_VIEW_TYPE,
      'Curation Board',
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        // Only the frame cache and our own bundle/styles: the webview can load nothing else.
        localResourceRoots: [
          vscode.Uri.joinPath(extensionUri, 'media'),
          vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
          vscode.Uri.file(inputs.cacheRoot),
        ],
      },
    );
    BoardPanel.current = new BoardPanel(panel, extensionUri, inputs, output);
    return BoardPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    inputs: BoardInputs,
    private readonly output: vscode.OutputChannel,
  ) {
    this.folder = inputs.index.folder;
    const webview = panel.webview;
    this.session = new BoardSession(
      inputs.index,
      inputs.journal,
      (path) => webview.asWebviewUri(vscode.Uri.file(path)).toString(),
      inputs.results,
      { readOnly: inputs.readOnly },
    );
    webview.html = boardHtml(webview, extensionUri);
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** New index or analysis results: the board reloads (a new generation drops stale events). */
  refresh(index: DatasetIndex, results: AnalysisResults | undefined): void {
    this.folder = index.folder;
    this.session.load(index, results);
    if (this.ready) void this.post([this.session.init()]);
  }

  /** Acts as if the annotator did it on the board (commands and code actions use this). */
  async act(message: WebviewMessage): Promise<void> {
    await this.post(await this.session.handle(message));
    if (message.type !== 'select' && message.type !== 'requestDetail' && message.type !== 'visibleRange')
      this.onDidRecord.fire();
  }

  nextUnreviewed(): string | undefined {
    return this.session.nextUnreviewed(this.selectedSampleId);
  }

  /** Selects a sample on the board (the webview answers with `select`, which updates selectedSampleId). */
  async reveal(sampleId: string): Promise<void> {
    this.selectedSampleId = sampleId;
    this.panel.reveal();
    await this.post([this.session.reveal(sampleId)]);
  }

  /** Runs a board key's action (j, k, e, /, 1-9) from a VS Code command. */
  async runAction(action: BoardAction): Promise<void> {
    this.panel.reveal();
    await this.post([{ type: 'action', action }]);
  }

  /** A clip's analysis arrived mid-run: its samples' rows update now. */
  async addClip(clip: ClipAnalysis, sampleIds: readonly string[]): Promise<void> {
    this.session.addClip(clip);
    if (this.ready) await this.post([this.session.rowsUpdated(sampleIds)]);
  }

  // Checked and logged in the core (webviewInbox); only accepted messages reach `accept`.
  private async receive(raw: unknown): Promise<void> {
    await receiveWebviewMessage(raw, this.output, (message) => this.accept(message));
  }

  private async accept(message: WebviewMessage): Promise<void> {
    if (message.type === 'ready') this.ready = true;
    if (message.type === 'visibleRange') this.visibleSampleIds = new Set(message.sampleIds);
    if (message.type === 'select') {
      this.selectedSampleId = message.sampleId;
      this.onDidChangeSelection.fire(message.sampleId);
    }
    try {
      await this.act(message);
    } catch (error) {
      this.output.appendLine(`[board] ${message.type} failed: ${(error as Error).stack ?? String(error)}`);
      await this.post([
        { type: 'notice', level: 'error', message: `Could not ${message.type}: ${(error as Error).message}` },
      ]);
    }
  }

  private async post(messages: HostMessage[]): Promise<void> {
    for (const message of messages) await this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (BoardPanel.current === this) BoardPanel.current = undefined;
    this.onDidChangeSelection.dispose();
    this.onDidRecord.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function boardHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'board.css'));
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'board.js'));
  const src = webview.cspSource;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${src}; style-src ${src} 'nonce-${nonce}'; font-src ${src}; script-src 'nonce-${nonce}'" />
<meta property="csp-nonce" content="${nonce}" />
<link rel="stylesheet" href="${css.toString()}" />
<title>Curation Board</title>
</head>
<body>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
