// The commands that exist so far: index/validate a dataset, show review status, export.
import * as vscode from 'vscode';
import { DecisionJournal } from '../core/curation/decisionJournal';
import { summarizeReview } from '../core/curation/reviewSummary';
import { indexDataset } from '../core/dataset/indexDataset';
import type { DatasetIndex } from '../core/dataset/indexDataset';
import { summarizeIndex } from '../core/dataset/indexSummary';
import { exportDataset } from '../core/export/exportDataset';
import type { ExportFormat } from '../core/export/exportDataset';
import { pickDatasetFolder } from './datasetFolder';
import { publishProblems } from './problemDiagnostics';

export interface CommandServices {
  output: vscode.OutputChannel;
  diagnostics: vscode.DiagnosticCollection;
}

export function registerCommands(context: vscode.ExtensionContext, services: CommandServices): void {
  const register = (id: string, handler: () => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async () => {
        try {
          await handler();
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

  register('videoCurator.indexDataset', async () => {
    const index = await indexWithProgress(services);
    if (!index) return;
    const t = summarizeIndex(index).totals;
    void vscode.window.showInformationMessage(
      `Video Curator: ${t.samples} samples in ${t.annotationFiles} annotation files; ` +
        `${t.problemsBySeverity.error} errors, ${t.problemsBySeverity.warning} warnings.`,
    );
  });

  register('videoCurator.showReviewStatus', async () => {
    const index = await indexWithProgress(services);
    if (!index) return;
    const journal = await DecisionJournal.open(index.folder);
    const r = summarizeReview(
      index.samples.map((s) => s.id),
      journal,
    );
    void vscode.window.showInformationMessage(
      `Video Curator: ${r.total - r.unreviewed} of ${r.total} reviewed — ${r.accept} accepted, ${r.edit} edited, ${r.reject} rejected.`,
    );
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
    const index = await indexWithProgress(services);
    if (!index) return;
    const journal = await DecisionJournal.open(index.folder);
    const report = await exportDataset(index, journal.all(), { format: picked.format });
    services.output.appendLine(`[export] ${JSON.stringify(report.outputs)} report: ${report.reportPath}`);
    const choice = await vscode.window.showInformationMessage(
      `Video Curator: exported ${report.exported} samples.`,
      'Open Export',
    );
    if (choice && report.outputs[0])
      await vscode.window.showTextDocument(vscode.Uri.file(report.outputs[0].path));
  });
}

async function indexWithProgress(services: CommandServices): Promise<DatasetIndex | undefined> {
  const folder = await pickDatasetFolder();
  if (!folder) return undefined;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Video Curator: indexing', cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      let reported = 0;
      const index = await indexDataset(folder.fsPath, {
        signal: controller.signal,
        onProgress: (p) => {
          const done = Math.round((100 * p.filesDone) / p.filesTotal);
          progress.report({
            message: `${p.filesDone}/${p.filesTotal} files, ${p.samples} samples`,
            increment: done - reported,
          });
          reported = done;
        },
      });
      publishProblems(services.diagnostics, index.problems);
      services.output.appendLine(
        `[index] ${index.folder}: ${index.samples.length} samples, ${index.problems.length} problems`,
      );
      return index;
    },
  );
}
