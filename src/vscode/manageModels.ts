// Manage Models…: every model in the manifest with where it resolves or what is missing; a hub
// model can be downloaded from here (size shown first, progress during, cancellable).
import * as vscode from 'vscode';
import type { ModelEntry } from '../core/inference/modelManifest';
import type { InferenceService } from '../core/inference/inferenceService';

export async function manageModels(inference: InferenceService, allowDownload: boolean): Promise<void> {
  const { store, manifest } = inference;
  type Item = vscode.QuickPickItem & { entry: ModelEntry; missing: string[] };
  const items: Item[] = await Promise.all(
    manifest.models.map(async (entry): Promise<Item> => {
      const status = await store.status(entry);
      return {
        entry,
        missing: status.missing,
        label: `${status.resolved ? '$(check)' : '$(cloud-download)'} ${entry.id}`,
        description: `${entry.role}, ${entry.source.kind}`,
        detail: status.resolved
          ? `at ${status.resolved.dir}`
          : `missing ${status.missing.length} file(s): ${status.missing[0] ?? ''}`,
      };
    }),
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Video Curator: models',
    matchOnDetail: true,
  });
  if (!picked || picked.missing.length === 0) return;
  if (picked.entry.source.kind !== 'hub') {
    void vscode.window.showWarningMessage(
      `${picked.entry.id} is missing files its package should ship: ${picked.missing.join(', ')}. Reinstall the extension.`,
    );
    return;
  }
  if (!allowDownload) {
    const message = store.missingError(picked.entry, await store.status(picked.entry)).message;
    const choice = await vscode.window.showWarningMessage(message, { modal: true }, 'Allow Downloads');
    if (choice !== 'Allow Downloads') return;
    await vscode.workspace
      .getConfiguration('videoCurator')
      .update('models.allowDownload', true, vscode.ConfigurationTarget.Global);
  }
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Downloading ${picked.entry.id}`,
      cancellable: true,
    },
    async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      const plan = await store.plan(picked.entry, { signal: controller.signal });
      const size = plan.totalBytes === null ? 'unknown size' : `${(plan.totalBytes / 1e6).toFixed(0)} MB`;
      const go = await vscode.window.showInformationMessage(
        `Download ${plan.files.length} file(s), ${size}, from ${plan.repo}${plan.commit ? `@${plan.commit.slice(0, 8)}` : ''}?`,
        { modal: true },
        'Download',
      );
      if (go !== 'Download') return;
      let reported = 0;
      await store.pull(picked.entry, {
        plan,
        signal: controller.signal,
        onProgress: (p) => {
          const share = p.total ? Math.floor((100 * p.bytes) / p.total) : 0;
          progress.report({
            message: `${p.file} (${p.filesDone}/${p.filesTotal})`,
            increment: share - reported,
          });
          reported = share;
        },
      });
    },
  );
}
