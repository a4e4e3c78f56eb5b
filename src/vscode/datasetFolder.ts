// Which folder is the dataset: the only workspace folder, or the one the user picks.
import * as vscode from 'vscode';

export async function pickDatasetFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 1) return folders[0].uri;
  if (folders.length > 1) {
    const picked = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Dataset folder to curate' });
    return picked?.uri;
  }
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    openLabel: 'Use as dataset folder',
  });
  return chosen?.[0];
}
