// Checksums of model files: sha256 (what the manifest, the lock file and the hub's LFS metadata use) and
// the git blob sha1 (the hub's ETag for small files kept in git rather than LFS), in one read.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export interface FileDigest {
  bytes: number;
  sha256: string;
  /** sha1 of "blob <bytes>\0" + content, as git names the file's contents. */
  gitSha1: string;
}

export async function digestFile(path: string, signal?: AbortSignal): Promise<FileDigest> {
  const { size } = await stat(path);
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${size}\0`);
  let bytes = 0;
  for await (const chunk of createReadStream(path, { signal })) {
    const buffer = chunk as Buffer;
    sha256.update(buffer);
    sha1.update(buffer);
    bytes += buffer.length;
  }
  // A file that changed while it was read would give a git hash over the wrong length.
  if (bytes !== size) throw new Error(`${path} changed while its checksum was computed; try again`);
  return { bytes, sha256: sha256.digest('hex'), gitSha1: sha1.digest('hex') };
}

/** The hash inside an ETag header: without W/ and quotes, lowercased. */
export function etagValue(header: string | null): string | null {
  if (!header) return null;
  const value = header
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  return value || null;
}

export const isSha256 = (value: string | null): value is string => !!value && /^[0-9a-f]{64}$/.test(value);
export const isGitSha1 = (value: string | null): value is string => !!value && /^[0-9a-f]{40}$/.test(value);
