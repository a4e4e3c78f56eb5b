// A cheap fingerprint of a video file for cache keys: size + mtime + a hash of a few sampled blocks.
// Videos are large, so we never read the whole file; the mtime catches edits outside the sampled blocks.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { constants } from 'node:os';

export interface VideoIdentity {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 (hex) over the size and the sampled blocks. */
  partialHash: string;
  /** Short hex digest of (size, mtimeMs, partialHash): the identity to key caches by. */
  key: string;
}

export const IDENTITY_BLOCK_BYTES = 64 * 1024;
/** Files up to this size are hashed whole, in one read; beyond it, head + middle + tail blocks. */
export const IDENTITY_WHOLE_FILE_BYTES = 3 * IDENTITY_BLOCK_BYTES;
// Bump when the sampling changes so old cache keys stop matching.
const ALGORITHM = 'video-identity/v1';
const KEY_HEX_CHARS = 20;

/** Byte ranges [offset, length] the partial hash covers for a file of this size. */
export function sampledRanges(size: number): Array<[number, number]> {
  if (size <= IDENTITY_WHOLE_FILE_BYTES) return size === 0 ? [] : [[0, size]];
  const block = IDENTITY_BLOCK_BYTES;
  return [
    [0, block],
    [Math.floor((size - block) / 2), block],
    [size - block, block],
  ];
}

/**
 * Fingerprints the file at `path`. fs errors (ENOENT, EACCES, …) propagate unchanged; a directory
 * rejects with EISDIR and any other non-regular file with EINVAL, so callers can classify them.
 */
export async function videoIdentity(path: string): Promise<VideoIdentity> {
  // stat before open: opening a FIFO for reading would block until a writer appears.
  const first = await stat(path);
  if (!first.isFile()) throw notRegularFile(path, first.isDirectory());
  const handle = await open(path, 'r');
  try {
    // Size and mtime come from the handle so they describe the bytes we actually read.
    const { size, mtimeMs } = await handle.stat();
    const hash = createHash('sha256').update(`${ALGORITHM}\0${size}\0`);
    for (const [offset, length] of sampledRanges(size))
      hash.update(await readExactly(handle, offset, length));
    const partialHash = hash.digest('hex');
    const key = createHash('sha256')
      .update(`${size}\0${mtimeMs}\0${partialHash}`)
      .digest('hex')
      .slice(0, KEY_HEX_CHARS);
    return { path, size, mtimeMs, partialHash, key };
  } finally {
    await handle.close();
  }
}

// A read may return fewer bytes than asked; a file that shrank under us ends early, which still hashes
// deterministically for what is there (and the next call sees the new size anyway).
async function readExactly(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function notRegularFile(path: string, directory: boolean): NodeJS.ErrnoException {
  const code = directory ? 'EISDIR' : 'EINVAL';
  const what = directory ? 'illegal operation on a directory' : 'not a regular file';
  return Object.assign(new Error(`${code}: ${what}, open '${path}'`), {
    code,
    errno: -constants.errno[code],
    syscall: 'open',
    path,
  });
}
