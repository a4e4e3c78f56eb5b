// Quick fixes on the problems shown in annotation files. Verdicts and relabels go to the journal;
// only "Relink Video…" edits the annotation file, as an undoable workspace edit the user chose.
import * as vscode from 'vscode';
import { sampleIdOf } from './problemDiagnostics';

export function registerCodeActions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new SampleActions(), {
      providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
    }),
  );
}

class SampleActions implements vscode.CodeActionProvider {
  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'Video Curator') continue;
      const sampleId = sampleIdOf(diagnostic);
      if (!sampleId) continue;
      const add = (title: string, command: string, args: unknown[] = [sampleId], preferred = false): void => {
        const action = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.command = { title, command, arguments: args };
        action.isPreferred = preferred;
        actions.push(action);
      };
      const code = String(diagnostic.code ?? '');
      if (code === 'end-beyond-duration')
        add('Clamp timestamps to the video duration', 'videoCurator.clampTimestamps', [sampleId], true);
      if (code === 'missing-video' || code === 'unreadable-video') {
        add('Relink video…', 'videoCurator.relinkVideo', [sampleId, document.uri, diagnostic.range]);
      }
      if (code === 'low-tpl')
        add('Replace answer with a generated dialogue…', 'videoCurator.relabelSample', [sampleId], true);
      add(`Reject sample ${sampleId}`, 'videoCurator.rejectSample');
      add(`Accept sample ${sampleId}`, 'videoCurator.acceptSample');
      add(`Relabel sample ${sampleId}…`, 'videoCurator.relabelSample');
    }
    return actions;
  }
}
