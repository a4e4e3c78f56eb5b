// Every command the extension contributes (category "Video Curator"). Thin: each one asks the
// Curator (state + services) or the board to do the work and reports the outcome.
import * as vscode from 'vscode';
import { DEVICE_SETTINGS } from '../core/inference/deviceSetting';
import { MediaCache } from '../core/media/mediaCache';
import { summarizeIndex } from '../core/dataset/indexSummary';
import { exportDataset } from '../core/export/exportDataset';
import type { ExportFormat } from '../core/export/exportDataset';
import { BoardPanel } from './boardPanel';
import type { Curator } from './curator';
import { pickDatasetFolder } from './datasetFolder';
import { publishProblems } from './problemDiagnostics';

export interface CommandServices {
  output: vscode.OutputChannel;
  diagnostics: vscode.DiagnosticCollection;
  curatorFor: (folder: string) => Curator;
}

export function registerCommands(context: vscode.ExtensionContext, services: CommandServices): void {
  const register = (id: string, handler: (...args: unknown[]) => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await handler(...args);
        } catch (error) {
          if (error instanceof vscode.CancellationError || (error as Error).name === 'AbortError') return;
          services.output.appendLine(`[error] ${id}: ${(error as Error).stack ?? String(error)}`);
          void vscode.window
            .showErrorMessage(`Video Curator: ${(error as Error).message}`, 'Show Log')
            .then((choice) => {
              if (choice) services.output.show();
            });
        }
      }),
    );
  };

  const curator = async (): Promise<Curator | undefined> => {
    const folder = await pickDatasetFolder();
    return folder ? services.curatorFor(folder.fsPath) : undefined;
  };

  const loaded = async (): Promise<Curator | undefined> => {
    const c = await curator();
    if (!c) return undefined;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Video Curator: indexing', cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const index = await c.load(controller.signal);
        publishProblems(services.diagnostics, index.problems);
      },
    );
    return c;
  };

  const board = (): BoardPanel => {
    const panel = BoardPanel.active;
    if (!panel) throw new Error('Open the curation board first (Video Curator: Open Curation Board).');
    return panel;
  };

  const openBoard = async (): Promise<BoardPanel | undefined> => {
    const c = await loaded();
    if (!c?.index || !c.journal) return undefined;
    const panel = BoardPanel.show(
      context.extensionUri,
      {
        index: c.index,
        results: c.results,
        journal: c.journal,
        cacheRoot: c.cacheRoot,
        readOnly: !vscode.workspace.isTrusted,
      },
      services.output,
    );
    panel.onDidRecord.event(() => c.onDidChange.fire());
    return panel;
  };

  register('videoCurator.openBoard', openBoard);

  register('videoCurator.indexDataset', async () => {
    const c = await loaded();
    if (!c?.index) return;
    const t = summarizeIndex(c.index).totals;
    void vscode.window.showInformationMessage(
      `Video Curator: ${t.samples} samples in ${t.annotationFiles} annotation files; ` +
        `${t.problemsBySeverity.error} errors, ${t.problemsBySeverity.warning} warnings.`,
    );
  });

  const analyze = async (only?: ReadonlySet<string>): Promise<void> => {
    const c = await loaded();
    if (!c?.index) return;
    const results = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Video Curator: analysing',
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        // Cancelling aborts the signal every ffmpeg process and inference request listens to.
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return c.analyze({
          ...(only ? { only } : {}),
          signal: controller.signal,
          onProgress: (p) => {
            const share =
              Math.round((100 * p.done) / Math.max(1, p.total)) / 2 + (p.stage === 'samples' ? 50 : 0);
            const eta = p.etaSeconds === undefined ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
            progress.report({
              message: `${p.stage} ${p.done}/${p.total}${eta}`,
              increment: share - reported,
            });
            reported = share;
          },
        });
      },
    );
    BoardPanel.active?.refresh(c.index, results);
    const failed = results.failures.length
      ? `; ${results.failures.length} clips could not be read (see Problems)`
      : '';
    void vscode.window.showInformationMessage(
      `Video Curator: analysed ${results.clips.length} clips and ${results.samples.length} samples${failed}.`,
    );
  };
  register('videoCurator.analyzeDataset', () => analyze());
  register('videoCurator.analyzeSelected', async () => {
    const id = board().selectedSampleId;
    if (!id) throw new Error('Select a sample on the board first.');
    await analyze(new Set([id]));
  });

  const verdict = (value: 'accept' | 'reject') => async (sampleId?: unknown) => {
    const panel = BoardPanel.active;
    const id = typeof sampleId === 'string' ? sampleId : panel?.selectedSampleId;
    if (!id) throw new Error('Select a sample on the board first (or use the quick fix on its problem).');
    if (panel) {
      await panel.act({ type: 'verdict', sampleIds: [id], verdict: value });
      return;
    }
    // From a quick fix with no board open: straight to the journal.
    const c = await loaded();
    if (!c?.journal) return;
    await c.journal.record({ sampleId: id, verdict: value });
    c.onDidChange.fire();
    void vscode.window.showInformationMessage(
      `Video Curator: ${id} ${value === 'accept' ? 'accepted' : 'rejected'}.`,
    );
  };
  register('videoCurator.acceptSample', verdict('accept'));
  register('videoCurator.rejectSample', verdict('reject'));

  register('videoCurator.nextUnreviewed', async () => {
    const panel = BoardPanel.active ?? (await openBoard());
    if (!panel) return;
    const next = panel.nextUnreviewed();
    if (!next) {
      void vscode.window.showInformationMessage('Video Curator: every sample has a verdict.');
      return;
    }
    panel.selectedSampleId = next;
    await panel.act({ type: 'requestDetail', sampleId: next });
  });

  register('videoCurator.relabelSample', async (sampleId?: unknown) => {
    const panel = board();
    const id = typeof sampleId === 'string' ? sampleId : panel.selectedSampleId;
    if (!id) throw new Error('Select a sample on the board first.');
    const text = await vscode.window.showInputBox({
      title: `Relabel ${id}`,
      prompt:
        'New answer (the last assistant turn); recorded in the journal as an edit, the source file is untouched',
    });
    if (text === undefined) return;
    const c = await curator();
    const sample = c?.index?.samples.find((s) => s.id === id);
    if (!sample) throw new Error(`no sample ${id}`);
    const turns = [...sample.turns];
    const last = turns.map((t) => t.role).lastIndexOf('gpt');
    if (last >= 0) turns[last] = { role: 'gpt', text };
    else turns.push({ role: 'gpt', text });
    await panel.act({ type: 'editTurns', sampleId: id, turns });
  });

  register('videoCurator.exportCurated', async () => {
    const picked = await vscode.window.showQuickPick(
      [
        {
          label: 'LLaVA JSONL',
          description: 'one conversation per line with the <video> token',
          format: 'llava-jsonl' as ExportFormat,
        },
        {
          label: 'Source formats',
          description: 'Charades-STA, ActivityNet, grounding JSONL kept in their own format',
          format: 'source' as ExportFormat,
        },
      ],
      { placeHolder: 'Export format' },
    );
    if (!picked) return;
    const c = await loaded();
    if (!c?.index || !c.journal) return;
    const dialogues = (sampleId: string, dialogueId: string) => {
      const sample = c.index?.samples.find((s) => s.id === sampleId);
      const clip = c.results?.clips.find((x) => x.video === sample?.video);
      return clip?.dialogues.find((d) => d.id === dialogueId)?.turns;
    };
    const report = await exportDataset(c.index, c.journal.all(), { format: picked.format, dialogues });
    services.output.appendLine(`[export] ${JSON.stringify(report.outputs)} report: ${report.reportPath}`);
    const choice = await vscode.window.showInformationMessage(
      `Video Curator: exported ${report.exported} samples.`,
      'Open Export',
    );
    if (choice && report.outputs[0])
      await vscode.window.showTextDocument(vscode.Uri.file(report.outputs[0].path));
  });

  register('videoCurator.selectDevice', async () => {
    const current = vscode.workspace.getConfiguration('videoCurator').get<string>('inference.device');
    const picked = await vscode.window.showQuickPick(
      DEVICE_SETTINGS.map((d) => ({ label: d, description: d === current ? 'current' : '' })),
      { placeHolder: 'Where should models run?' },
    );
    if (!picked) return;
    await vscode.workspace
      .getConfiguration('videoCurator')
      .update('inference.device', picked.label, vscode.ConfigurationTarget.Global);
    const c = await curator();
    await c?.resetInference();
    if (c)
      void vscode.window.showInformationMessage(
        `Video Curator: inference now runs on ${await c.inferenceStatus()}.`,
      );
  });

  register('videoCurator.revealSample', async (sampleId?: unknown) => {
    const c = await curator();
    const id = typeof sampleId === 'string' ? sampleId : BoardPanel.active?.selectedSampleId;
    const sample = c?.index?.samples.find((s) => s.id === id);
    if (!sample) throw new Error('Select a sample on the board first.');
    const position = new vscode.Position(sample.source.line - 1, sample.source.column - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(sample.source.file), {
      selection: new vscode.Range(position, position),
    });
  });

  register('videoCurator.clearCache', async () => {
    const c = await curator();
    if (!c) return;
    const removed = await new MediaCache(c.cacheRoot).clear();
    void vscode.window.showInformationMessage(
      `Video Curator: removed ${removed.entries} cached entries (${(removed.bytes / 1e6).toFixed(1)} MB).`,
    );
  });

  register('videoCurator.showReviewStatus', async () => {
    await vscode.commands.executeCommand('videoCurator.openBoard');
  });
}
