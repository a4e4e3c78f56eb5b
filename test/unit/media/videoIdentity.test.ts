import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  IDENTITY_BLOCK_BYTES,
  IDENTITY_WHOLE_FILE_BYTES,
  sampledRanges,
  videoIdentity,
} from '../../../src/core/media/videoIdentity';
import { tempFolder } from '../../helpers/tempFolder';

const KIB = 1024;

// Whole seconds, so putting the mtime back after an edit restores it exactly.
const FIXED_MTIME_S = 1_700_000_000;

async function writeClip(path: string, bytes: Buffer): Promise<void> {
  await writeFile(path, bytes);
  await utimes(path, FIXED_MTIME_S, FIXED_MTIME_S);
}

/** Overwrites one byte in place with a different value, then puts the fixed mtime back. */
async function flipByteKeepingMtime(path: string, offset: number): Promise<void> {
  const before = await stat(path);
  assert.equal(before.mtimeMs, FIXED_MTIME_S * 1000, 'test setup: clip written by writeClip');
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] ^= 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
  await utimes(path, FIXED_MTIME_S, FIXED_MTIME_S);
  assert.equal((await stat(path)).mtimeMs, before.mtimeMs, 'test setup: mtime restored');
}

test('an untouched file has the same identity every time', async (t) => {
  const path = join(await tempFolder(t), 'clip.mp4');
  await writeClip(path, randomBytes(700 * KIB));
  const first = await videoIdentity(path);
  const second = await videoIdentity(path);
  assert.deepEqual(second, first);
  assert.equal(first.path, path);
  assert.equal(first.size, 700 * KIB);
  assert.match(first.partialHash, /^[0-9a-f]{64}$/);
  assert.match(first.key, /^[0-9a-f]{20}$/);
});

test('a same-size edit in the head, middle or tail block changes the key with the mtime unchanged', async (t) => {
  const size = 1024 * KIB;
  const middle = Math.floor((size - IDENTITY_BLOCK_BYTES) / 2);
  for (const [where, offset] of [
    ['head', 10],
    ['middle', middle + 100],
    ['tail', size - 1],
  ] as const) {
    const path = join(await tempFolder(t), `${where}.mp4`);
    await writeClip(path, randomBytes(size));
    const before = await videoIdentity(path);
    await flipByteKeepingMtime(path, offset);
    const after = await videoIdentity(path);
    assert.equal(after.size, before.size, where);
    assert.equal(after.mtimeMs, before.mtimeMs, where);
    assert.notEqual(after.partialHash, before.partialHash, where);
    assert.notEqual(after.key, before.key, where);
  }
});

test('an mtime change alone changes the key but not the partial hash', async (t) => {
  const path = join(await tempFolder(t), 'clip.mp4');
  await writeClip(path, randomBytes(300 * KIB));
  const before = await videoIdentity(path);
  await utimes(path, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
  const after = await videoIdentity(path);
  assert.equal(after.partialHash, before.partialHash);
  assert.notEqual(after.mtimeMs, before.mtimeMs);
  assert.notEqual(after.key, before.key);
});

test('bytes outside the sampled blocks are not read: only the mtime reveals edits there', async (t) => {
  const size = 1024 * KIB;
  const path = join(await tempFolder(t), 'clip.mp4');
  await writeClip(path, randomBytes(size));
  const unsampled = 200 * KIB;
  for (const [offset, length] of sampledRanges(size)) {
    assert.ok(unsampled < offset || unsampled >= offset + length, 'test setup: offset is unsampled');
  }
  const before = await videoIdentity(path);
  await flipByteKeepingMtime(path, unsampled);
  assert.deepEqual(await videoIdentity(path), before);
});

test('a sparse 64 GiB file is fingerprinted from three blocks, not read whole', async (t) => {
  const folder = await tempFolder(t);
  const big = join(folder, 'big.mp4');
  const bigger = join(folder, 'bigger.mp4');
  await writeFile(big, '');
  await truncate(big, 64 * 1024 ** 3);
  await writeFile(bigger, '');
  await truncate(bigger, 64 * 1024 ** 3 + 1);
  assert.deepEqual(sampledRanges(64 * 1024 ** 3).length, 3);
  // Hashing 64 GiB would take tens of seconds; three 64 KiB reads take milliseconds.
  const started = performance.now();
  const identity = await videoIdentity(big);
  assert.ok(performance.now() - started < 5000, `took ${performance.now() - started} ms`);
  assert.equal(identity.size, 64 * 1024 ** 3);
  // Same sampled bytes (all zero), different size: the size is part of the hash.
  assert.notEqual((await videoIdentity(bigger)).partialHash, identity.partialHash);
});

test('files up to three blocks are hashed whole; empty files work', async (t) => {
  assert.deepEqual(sampledRanges(0), []);
  assert.deepEqual(sampledRanges(IDENTITY_WHOLE_FILE_BYTES), [[0, IDENTITY_WHOLE_FILE_BYTES]]);
  assert.equal(sampledRanges(IDENTITY_WHOLE_FILE_BYTES + 1).length, 3);
  const folder = await tempFolder(t);
  const empty = join(folder, 'empty.mp4');
  await writeFile(empty, '');
  assert.equal((await videoIdentity(empty)).size, 0);
  // An edit at 100 KiB sits in no 64 KiB head/tail block of a 150 KiB file, yet it is seen.
  const small = join(folder, 'small.mp4');
  await writeClip(small, randomBytes(150 * KIB));
  const before = await videoIdentity(small);
  await flipByteKeepingMtime(small, 100 * KIB);
  assert.notEqual((await videoIdentity(small)).partialHash, before.partialHash);
});

test('fs errors propagate with their codes', async (t) => {
  const folder = await tempFolder(t);
  await assert.rejects(videoIdentity(join(folder, 'missing.mp4')), { code: 'ENOENT' });
  await mkdir(join(folder, 'dir.mp4'));
  await assert.rejects(videoIdentity(join(folder, 'dir.mp4')), { code: 'EISDIR' });
  if (process.platform === 'win32' || process.getuid?.() === 0) {
    t.diagnostic('EACCES not checked: root (or Windows) reads files regardless of mode bits');
    return;
  }
  const locked = join(folder, 'locked.mp4');
  await writeFile(locked, 'x');
  await chmod(locked, 0o000);
  await assert.rejects(videoIdentity(locked), { code: 'EACCES' });
});
