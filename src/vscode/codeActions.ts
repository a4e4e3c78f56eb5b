// Quick fixes on the problems shown in annotation files: accept or reject the sample, relabel it,
// reveal it on the board. Verdicts go to the journal; the source file is never edited.
import * as vscode from 'vscode';
import { sampleIdOf } from './problemDiagnostics';

export function registerCodeActions(context: vscode.ExtensionContext): void {
  const selector: vscode.DocumentSelector = [
    { language: 'json' },
    { language: 'jsonl' },
    { language: 'jsonc' },
    { language: 'plaintext' },
    { language: 'csv' },
    { language: 'tsv' },
    { scheme: 'file' },
  ];
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(selector, new SampleActions(), {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
    }),
  );
}

class SampleActions implements vscode.CodeActionProvider {
  provideCodeActions(
    _document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'Video Curator') continue;
      const sampleId = sampleIdOf(diagnostic);
      if (!sampleId) continue;
      const add = (title: string, command: string): void => {
        const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.command = { title, command, arguments: [sampleId] };
        actions.push(action);
      };
      add(`Reject sample ${sampleId}`, 'videoCurator.rejectSample');
      add(`Accept sample ${sampleId}`, 'videoCurator.acceptSample');
      add(`Relabel sample ${sampleId}…`, 'videoCurator.relabelSample');
    }
    return actions;
  }
}
