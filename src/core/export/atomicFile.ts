// Writes a file so that readers see either the old content or the complete new one, never a part:
// stream into a temp file in the same folder, fsync, then rename over the target.
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AtomicWriter {
  write(text: string): Promise<void>;
  /** Flushes, fsyncs and renames into place. */
  commit(): Promise<void>;
  /** Removes the temp file; the target stays as it was. */
  abort(): Promise<void>;
}

export async function createAtomicWriter(target: string): Promise<AtomicWriter> {
  await mkdir(dirname(target), { recursive: true });
  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const stream = createWriteStream(temp, { flags: 'wx' });
  await new Promise<void>((ok, fail) => stream.once('open', () => ok()).once('error', fail));
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  return {
    async write(text) {
      if (failure) throw failure;
      if (!stream.write(text)) await new Promise<void>((ok) => stream.once('drain', () => ok()));
    },
    async commit() {
      await new Promise<void>((ok, fail) =>
        stream.end((error?: Error | null) => (error ? fail(error) : ok())),
      );
      if (failure) throw failure;
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
    },
    async abort() {
      stream.destroy();
      await rm(temp, { force: true });
    },
  };
}

export async function writeFileAtomic(target: string, text: string): Promise<void> {
  const writer = await createAtomicWriter(target);
  try {
    await writer.write(text);
    await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
