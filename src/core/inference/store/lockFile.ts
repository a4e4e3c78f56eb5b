// The lock file beside a downloaded hub model: the commit the revision resolved to and each file's
// sha256 and size as verified at first download, so later checks need no network.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE_NAME = 'video-curator.lock.json';

export interface LockedFile {
  sha256: string;
  bytes: number;
  /** What the download was checked against: the manifest's pin or the hub's own metadata. */
  verifiedBy: 'manifest' | 'hub-lfs-sha256' | 'hub-git-blob-id';
  downloadedAt: string;
}

export interface ModelLock {
  lockVersion: 1;
  hubUrl: string;
  repo: string;
  /** The revision the manifest asked for (branch, tag or commit). */
  revision: string;
  /** The commit it resolved to at first download; later downloads for the same revision use it. */
  commit: string | null;
  files: Record<string, LockedFile>;
}

/** The lock in a model folder, or undefined when there is none. */
export async function readLock(dir: string): Promise<ModelLock | undefined> {
  const path = join(dir, LOCK_FILE_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const lock = JSON.parse(text) as ModelLock;
    if (lock.lockVersion !== 1 || typeof lock.files !== 'object' || lock.files === null)
      throw new Error('unknown shape');
    return lock;
  } catch (error) {
    throw new Error(
      `${path} is damaged (${(error as Error).message}); delete it and run \`video-curator models verify\` or pull again`,
      { cause: error },
    );
  }
}

/** Replaces the lock atomically, so a crash never leaves half a file. */
export async function writeLock(dir: string, lock: ModelLock): Promise<void> {
  const path = join(dir, LOCK_FILE_NAME);
  const temp = `${path}.${process.pid}.tmp`;
  const files = Object.fromEntries(Object.entries(lock.files).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(temp, `${JSON.stringify({ ...lock, files }, null, 2)}\n`);
  await rename(temp, path);
}
