// Index problems as diagnostics in the annotation files themselves, so they show in the Problems panel.
import * as vscode from 'vscode';
import type { Problem } from '../core/dataset/problems';
import { pushTo } from '../core/collections';

const SEVERITY: Record<Problem['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

const sampleIds = new WeakMap<vscode.Diagnostic, string>();

/** The sample a diagnostic is about, for quick fixes. */
export function sampleIdOf(diagnostic: vscode.Diagnostic): string | undefined {
  return sampleIds.get(diagnostic);
}

export function publishProblems(collection: vscode.DiagnosticCollection, problems: readonly Problem[]): void {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const p of problems) {
    if (!p.location) continue;
    const { line, column, endLine, endColumn } = p.location;
    const start = new vscode.Position(line - 1, column - 1);
    const end =
      endLine !== undefined && endColumn !== undefined
        ? new vscode.Position(endLine - 1, endColumn - 1)
        : new vscode.Position(line - 1, Number.MAX_SAFE_INTEGER);
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(start, end),
      p.fix ? `${p.message}. ${p.fix}` : p.message,
      SEVERITY[p.severity],
    );
    diagnostic.source = 'Video Curator';
    diagnostic.code = p.code;
    if (p.sampleId) sampleIds.set(diagnostic, p.sampleId);
    pushTo(byFile, p.location.file, diagnostic);
  }
  collection.clear();
  collection.set([...byFile].map(([file, list]) => [vscode.Uri.file(file), list]));
}
