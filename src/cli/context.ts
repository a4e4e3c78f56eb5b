// Shared plumbing for CLI commands: loading the index with progress, cancellation, user errors.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { indexDataset } from '../core/dataset/indexDataset';
import type { DatasetIndex } from '../core/dataset/indexDataset';
import { ProgressLine } from './terminal';

/** An error the user can fix; printed without a stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

const controller = new AbortController();
/** Aborted on Ctrl-C, so long work stops cleanly and leaves nothing half-written. */
export const cancelSignal = controller.signal;
process.once('SIGINT', () => controller.abort());

export async function requireFolder(folder: string): Promise<string> {
  const path = resolve(folder);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new UserError(`dataset folder not found: ${path}`);
  if (!info.isDirectory())
    throw new UserError(`not a folder: ${path} (give the dataset folder, not a file in it)`);
  return path;
}

export async function loadIndex(folder: string): Promise<DatasetIndex> {
  const path = await requireFolder(folder);
  const progress = new ProgressLine();
  try {
    return await indexDataset(path, {
      signal: cancelSignal,
      onProgress: (p) =>
        progress.update(`indexing ${p.filesDone}/${p.filesTotal} files, ${p.samples} samples: ${p.file}`),
    });
  } finally {
    progress.done();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
