// activate(): wiring only. Everything with logic lives in src/core (VS Code-free) or src/vscode.
import * as vscode from 'vscode';
import { registerCommands } from './vscode/commands';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Video Curator');
  const diagnostics = vscode.languages.createDiagnosticCollection('videoCurator');
  context.subscriptions.push(output, diagnostics);
  registerCommands(context, { output, diagnostics });
}

export function deactivate(): void {
  // Nothing to stop yet: commands hold no background work between invocations.
}
