// activate(): wiring only. Everything with logic lives in src/core (VS Code-free) or src/vscode.
import * as vscode from 'vscode';
import { registerCodeActions } from './vscode/codeActions';
import { registerCommands } from './vscode/commands';
import { Curator } from './vscode/curator';
import { DatasetWatcher } from './vscode/datasetWatcher';
import { StatusItem } from './vscode/statusItem';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Video Curator');
  const diagnostics = vscode.languages.createDiagnosticCollection('videoCurator');
  const curators = new Map<string, Curator>();
  const status = new StatusItem();
  const curatorFor = (folder: string): Curator => {
    let curator = curators.get(folder);
    if (!curator) {
      curator = new Curator(folder, context, output);
      curators.set(folder, curator);
      const c = curator;
      context.subscriptions.push(
        c,
        c.onDidChange.event(() => status.update(c)),
        new DatasetWatcher(c, { diagnostics, output }),
      );
    }
    return curator;
  };
  context.subscriptions.push(output, diagnostics, status);
  registerCommands(context, { output, diagnostics, curatorFor });
  registerCodeActions(context);
}

export function deactivate(): void {
  // Curators are disposed through context.subscriptions: their inference workers stop with them.
}
