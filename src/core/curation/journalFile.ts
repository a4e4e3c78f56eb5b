// The journal's bytes on disk: UTF-8 JSON lines, read incrementally, appended durably.
//
// Why one write() on an O_APPEND descriptor is enough to keep lines from several processes whole:
// - POSIX: with O_APPEND, moving to end-of-file and writing are one atomic step, so no writer can
//   land inside another's line; local filesystems (ext4, xfs, btrfs, apfs, tmpfs) also hold the
//   inode lock for the whole write(), so two regular-file writes never mix bytes, whatever their
//   size (PIPE_BUF is a limit for pipes, not files). libuv issues a buffer as a single write().
// - Windows: libuv opens 'a' with FILE_APPEND_DATA and without FILE_WRITE_DATA, so every WriteFile
//   goes to the current end of file, and NTFS extends the file for one writer at a time.
// - Not covered: network filesystems (NFS emulates O_APPEND on the client). A write cut short (disk
//   full, a kill in the middle of a large write) leaves a torn line, which readers skip and the next
//   writer ends with '\n' before its own line (DecisionJournal decides when; see docs/reliability.md).
import {
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  open as openCallback,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const JOURNAL_DIR = '.video-curator';
export const JOURNAL_FILE = 'decisions.jsonl';

export function journalPath(datasetFolder: string): string {
  return join(datasetFolder, JOURNAL_DIR, JOURNAL_FILE);
}

/** One '\n'-terminated line of the journal. */
export interface JournalLine {
  /** 1-based. */
  line: number;
  /** The line without its '\n' (or '\r\n'); empty when `invalidUtf8` is set. */
  text: string;
  invalidUtf8?: boolean;
}

export type JournalWarningCode = 'torn-tail' | 'corrupt-line' | 'invalid-decision';

/** A line the reader skipped. Reading never fails for bad contents; it warns. */
export interface JournalWarning {
  code: JournalWarningCode;
  file: string;
  /** 1-based. */
  line: number;
  message: string;
}

export function formatJournalWarning(warning: JournalWarning): string {
  return `${warning.file}:${warning.line}: ${warning.message}`;
}

/** How far a reader has consumed the file: always just after a '\n', so a partial line is re-read. */
export interface JournalPosition {
  offset: number;
  /** Lines consumed so far. */
  lines: number;
  /** dev:ino of the file read, to notice it being replaced (a checkout, a restore). */
  fileId?: string;
}

export const JOURNAL_START: JournalPosition = { offset: 0, lines: 0 };

export interface JournalRead {
  /** Complete lines after the given position. */
  lines: JournalLine[];
  position: JournalPosition;
  /** The file shrank or was replaced, so it was read from the start: drop what came before. */
  restarted: boolean;
  /** Bytes after the last '\n': a line torn by a crash, or one another process is writing now. */
  tailBytes: number;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the complete lines appended since `from`. A missing file reads as empty. */
export async function readJournalFrom(path: string, from: JournalPosition): Promise<JournalRead> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) {
      return { lines: [], position: JOURNAL_START, restarted: from.offset > 0, tailBytes: 0 };
    }
    throw error;
  }
  try {
    const stat = await handle.stat();
    const fileId = `${stat.dev}:${stat.ino}`;
    const restarted = stat.size < from.offset || (from.fileId !== undefined && from.fileId !== fileId);
    let { offset, lines: lineCount } = restarted ? JOURNAL_START : from;
    const lines: JournalLine[] = [];
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let readAt = offset;
    while (readAt < stat.size) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, stat.size - readAt));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, readAt);
      if (bytesRead === 0) break;
      readAt += bytesRead;
      let lineStart = 0;
      for (let nl = buffer.indexOf(NEWLINE, 0); nl !== -1 && nl < bytesRead;) {
        const piece = buffer.subarray(lineStart, nl);
        const bytes = partialBytes > 0 ? Buffer.concat([...partial, piece]) : piece;
        lineCount++;
        lines.push(decodeLine(bytes, lineCount));
        offset += bytes.length + 1;
        partial = [];
        partialBytes = 0;
        lineStart = nl + 1;
        nl = buffer.indexOf(NEWLINE, lineStart);
      }
      if (lineStart < bytesRead) {
        // Copy: the chunk buffer is not kept, and a line may span chunks.
        partial.push(Buffer.from(buffer.subarray(lineStart, bytesRead)));
        partialBytes += bytesRead - lineStart;
      }
    }
    return { lines, position: { offset, lines: lineCount, fileId }, restarted, tailBytes: partialBytes };
  } finally {
    await handle.close();
  }
}

function decodeLine(bytes: Buffer, line: number): JournalLine {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--; // a line saved with CRLF by a hand edit
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(0, end));
  } catch {
    return { line, text: '', invalidUtf8: true };
  }
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { line, text };
}

/** Which file is at a path (dev:ino) and how long it is. */
export interface JournalFileState {
  fileId: string;
  size: number;
}

/** The file at `path` now, or undefined when there is none. One stat(): cheap enough per decision. */
export function statJournal(path: string): JournalFileState | undefined {
  try {
    const stat = statSync(path);
    return { fileId: `${stat.dev}:${stat.ino}`, size: stat.size };
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * An O_APPEND descriptor on the journal, opened once and kept: a decision costs one write() and one
 * fdatasync() instead of open + stat + read + write + fsync + close. `ready()` checks (one stat of the
 * path) that the descriptor is still on the file at the path, and reopens it when the file was
 * replaced, renamed away or deleted (a new one is then created, its folder fsync'd).
 */
export class JournalAppender {
  private fd: number | undefined;
  private fileId: string | undefined;

  constructor(readonly path: string) {}

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /**
   * The file the descriptor is on, when it is still the one at the path (one stat). A descriptor left
   * on a file that was replaced, renamed away or deleted is closed; undefined then, and when closed.
   */
  current(): JournalFileState | undefined {
    if (this.fd === undefined) return undefined;
    const now = statJournal(this.path);
    if (now && now.fileId === this.fileId) return now;
    this.close();
    return undefined;
  }

  /** Opens the file at the path for appending (creating it if missing); returns its id and size. */
  async ready(): Promise<JournalFileState> {
    const current = this.current();
    if (current) return current;
    const flags = constants.O_WRONLY | constants.O_APPEND;
    let fd: number;
    try {
      fd = await openFd(this.path, flags);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      const madeFolder = await mkdir(dirname(this.path), { recursive: true });
      if (madeFolder !== undefined) await syncDirectory(dirname(dirname(this.path)));
      fd = await openFd(this.path, flags | constants.O_CREAT);
      // The new file's name must be durable too, not only its contents (done before any write, so
      // an acknowledged decision never sits in a file whose name could vanish).
      try {
        await syncDirectory(dirname(this.path));
      } catch (syncError) {
        closeSync(fd);
        throw syncError;
      }
    }
    const stat = fstatSync(fd);
    this.fd = fd;
    this.fileId = `${stat.dev}:${stat.ino}`;
    return { fileId: this.fileId, size: stat.size };
  }

  /**
   * Writes `bytes` (whole lines) in a single write() and fdatasyncs before resolving. The write is
   * synchronous: a few KiB into the page cache, microseconds, and it saves a thread-pool round trip
   * on every decision; the fdatasync, which waits for the disk, is not. fdatasync also makes the new
   * file size durable (it is needed to read the data back), which is all an append changes.
   */
  async append(bytes: Buffer): Promise<void> {
    const fd = this.fd;
    if (fd === undefined || this.fileId === undefined)
      throw new Error('JournalAppender.append before ready()');
    let written: number;
    try {
      written = writeSync(fd, bytes, 0, bytes.length);
    } catch (error) {
      this.close(); // the next decision reopens and re-checks the file's end
      throw error;
    }
    if (written !== bytes.length) {
      this.close();
      throw new Error(`Wrote only ${written} of ${bytes.length} bytes to ${this.path}; is the disk full?`);
    }
    try {
      await fdatasyncFd(fd);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    this.fileId = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}

const openFd = promisify(openCallback);
const fdatasyncFd = promisify(fdatasync);

async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there; NTFS journals names
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
