// Content-addressed cache of derived media (probe JSON, filmstrip folders, poster files) under
// <dataset>/.video-curator/cache. The editor and the CLI may share one cache at the same time, so every
// write is temp + rename, and whatever vanishes under us (another process evicted it) is just a miss.
// Every entry carries a sha256 of its bytes, written with it and checked on every read: a torn,
// truncated or altered entry (a crash, a full disk, a power cut before the page cache reached the
// disk, a hand edit) is a miss, removed and logged, never a value. See docs/reliability.md.
import { createHash, randomBytes } from 'node:crypto';
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

export interface MediaCacheOptions {
  /** Size cap for all entries together; least recently used entries go first. Default 2 GiB. */
  maxBytes?: number;
  /** Clock for the recently-used stamps (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  /** Told why an entry failed its integrity check and was discarded (the faces log it). */
  log?: (line: string) => void;
}

export interface MediaCacheStats {
  entries: number;
  bytes: number;
}

export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;
/** Every directory entry has this file (the builder's own, or an empty `{}` added for it). */
export const DIR_COMPLETE_MARKER = 'meta.json';
/**
 * A directory entry's integrity record: every file's path, size and sha256, itself in a JSON envelope.
 * Written last, inside the temp folder, before the folder is renamed into place.
 */
export const DIR_MANIFEST = '.manifest.json';
// JSON entries are stored as {"sha256":"<hex of the payload bytes>","value":<payload>}: still JSON a
// person can read, and the checksum covers the exact bytes between the fixed head and tail.
const ENVELOPE_HEAD = '{"sha256":"';
const ENVELOPE_MID = '","value":';
const ENVELOPE_TAIL = '}';
const SHA256_HEX_CHARS = 64;
/** Bytes a JSON envelope adds to its payload; the size cap counts payload bytes only. */
export const JSON_ENVELOPE_BYTES =
  ENVELOPE_HEAD.length + SHA256_HEX_CHARS + ENVELOPE_MID.length + ENVELOPE_TAIL.length;
const PAYLOAD_START = ENVELOPE_HEAD.length + SHA256_HEX_CHARS + ENVELOPE_MID.length;
const SHA256_HEX = /^[0-9a-f]{64}$/;
// Evicting down to 90% of the cap (not 100%) keeps a burst of puts from scanning on every put.
const EVICT_TO_FRACTION = 0.9;
// Temps live in one folder so entry folders hold only finished entries; names starting with "." are
// never entries, so a kind may not start with one.
const TEMP_FOLDER = '.tmp';
// A temp untouched for this long belongs to a process that died mid-write.
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;
/** This host, as scratch folder names carry it: a short hash, so any host name fits a file name. */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** `scratch-<label>-<host>-<pid>-<random>`: whose it is, so a dead owner's folder can go at once. */
const SCRATCH_NAME = /^scratch-[a-z0-9]+-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/;
const KIND_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
const KEY_PATTERN = /^[a-z0-9_-]{2,128}$/i;
const EXT_PATTERN = /^[a-z0-9]{1,16}$/i;
const KEY_HEX_CHARS = 32;

/** Where a dataset keeps its media cache. */
export function datasetCacheRoot(datasetFolder: string): string {
  return join(datasetFolder, '.video-curator', 'cache');
}

/** JSON with object keys sorted at every depth, so equal parameters always hash alike. */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const record = item as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  });
  return text ?? 'null';
}

/** Stable key for a derived artifact: what it is, which video it came from, how it was made. */
export function cacheKey(kind: string, identityKey: string, params: unknown): string {
  return createHash('sha256')
    .update(`${kind}\0${identityKey}\0${canonicalJson(params)}`)
    .digest('hex')
    .slice(0, KEY_HEX_CHARS);
}

interface CacheEntry {
  path: string;
  bytes: number;
  lastUsedMs: number;
  directory: boolean;
}

export class MediaCache {
  readonly maxBytes: number;
  /** Entries this instance found damaged and removed (each one also went to the log). */
  discarded = 0;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  /** Final paths of entries being committed by this process; eviction leaves them alone. */
  private readonly inUse = new Map<string, number>();
  /** This process's temps; the stale-temp sweep leaves them alone however old they look. */
  private readonly ownTemps = new Set<string>();
  /** Directory commits in flight, so two callers in one process build a key once. */
  private readonly pendingDirs = new Map<string, Promise<string>>();
  /** Bytes in the cache as far as this process knows: one scan, then what it adds itself. */
  private estimatedBytes: number | undefined;
  private initialScan: Promise<void> | undefined;
  private evicting: Promise<MediaCacheStats> | undefined;

  constructor(
    readonly root: string,
    options: MediaCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    if (!(this.maxBytes > 0)) throw new RangeError(`maxBytes must be positive, got ${this.maxBytes}`);
  }

  keyFor(kind: string, identityKey: string, params: unknown): string {
    checkKind(kind);
    return cacheKey(kind, identityKey, params);
  }

  jsonPath(kind: string, key: string): string {
    return join(this.shardDir(kind, key), `${key}.json`);
  }

  entryDir(kind: string, key: string): string {
    return join(this.shardDir(kind, key), key);
  }

  filePath(kind: string, key: string, ext: string): string {
    if (!EXT_PATTERN.test(ext)) throw new RangeError(`cache file extension must be alphanumeric: "${ext}"`);
    // <key>.json is a JSON entry (an envelope); a file entry of that name would collide with it.
    if (ext.toLowerCase() === 'json')
      throw new RangeError('JSON goes through putJson/getJson, not file entries');
    return join(this.shardDir(kind, key), `${key}.${ext}`);
  }

  /**
   * The cached value, or undefined when absent. An entry whose checksum does not match its bytes (torn,
   * truncated, altered, or written before entries had checksums) is a miss too: it is removed and logged.
   */
  async getJson<T>(kind: string, key: string): Promise<T | undefined> {
    const path = this.jsonPath(kind, key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
    const opened = openEnvelope(bytes);
    let value: T;
    try {
      if (typeof opened === 'string') throw new Error(opened);
      value = JSON.parse(opened.toString('utf8')) as T;
    } catch (error) {
      await this.discard({ path, bytes: 0, lastUsedMs: 0, directory: false }, (error as Error).message);
      return undefined;
    }
    await this.touch(path);
    return value;
  }

  async putJson(kind: string, key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot cache a value of type ${typeof value} as JSON`);
    const payload = Buffer.from(text, 'utf8');
    const final = this.jsonPath(kind, key);
    this.hold(final);
    const temp = await this.newTemp(key, '.json');
    try {
      await writeFile(temp, sealEnvelope(payload));
      await this.placeFile(temp, final, { replace: true });
      await this.account(payload.length);
    } finally {
      await this.dropTemp(temp);
      this.release(final);
    }
  }

  /**
   * The entry's folder if it is complete and intact (its manifest lists exactly the files there, with
   * matching sizes and sha256), else undefined; a damaged folder is removed and logged.
   */
  async getDir(kind: string, key: string): Promise<string | undefined> {
    const dir = this.entryDir(kind, key);
    if (!(await this.intactDir(dir))) return undefined;
    await this.touch(dir);
    return dir;
  }

  /**
   * Returns the complete entry folder, building it when missing: `build` fills a fresh temp folder
   * inside the cache (and may write its own meta.json; an empty one is added otherwise), which is then
   * renamed into place. When another writer placed the entry first, theirs is kept and ours removed.
   * If `build` fails, its folder is removed and the error rethrown. Concurrent calls for one key in
   * this process share a single build.
   */
  async commitDir(kind: string, key: string, build: (tempDir: string) => Promise<void>): Promise<string> {
    const final = this.entryDir(kind, key);
    const pending = this.pendingDirs.get(final);
    if (pending) return pending;
    const work = this.buildDir(key, final, build).finally(() => this.pendingDirs.delete(final));
    this.pendingDirs.set(final, work);
    return work;
  }

  /** The entry's file if it exists and matches its checksum, else undefined (a damaged one is removed). */
  async getFile(kind: string, key: string, ext: string): Promise<string | undefined> {
    const path = this.filePath(kind, key, ext);
    if (!(await this.intactFile(path))) return undefined;
    await this.touch(path);
    return path;
  }

  /**
   * Returns the entry's file, building it when missing: `build` writes `tempPath` (which does not exist
   * yet and ends in `.ext`, so tools that pick a format by extension work), then it is renamed into place.
   */
  async commitFile(
    kind: string,
    key: string,
    ext: string,
    build: (tempPath: string) => Promise<void>,
  ): Promise<string> {
    const final = this.filePath(kind, key, ext);
    if (await this.intactFile(final)) {
      await this.touch(final);
      return final;
    }
    this.hold(final);
    const temp = await this.newTemp(key, `.${ext}`);
    const sumTemp = await this.newTemp(key, '.sha256');
    try {
      await build(temp);
      let bytes: Buffer;
      try {
        bytes = await readFile(temp);
      } catch (error) {
        if (isGone(error))
          throw new Error(`cache builder for ${final} did not write ${temp}`, { cause: error });
        throw error;
      }
      // Another writer may have placed an intact file meanwhile: keep theirs (and their checksum).
      if (await this.intactFile(final)) {
        await this.touch(final);
        return final;
      }
      // Checksum first, then the file: a reader in between sees no file (a miss), never a file
      // without its checksum. A race of two writers can pair one's file with the other's checksum;
      // that reads as a mismatch (a miss and a rebuild), never as a wrong picture.
      await writeFile(sumTemp, `${sha256Hex(bytes)}\n`);
      await this.placeFile(sumTemp, checksumPath(final), { replace: true });
      await this.placeFile(temp, final, { replace: true });
      await this.account(bytes.length);
      return final;
    } finally {
      await this.dropTemp(temp);
      await this.dropTemp(sumTemp);
      this.release(final);
    }
  }

  /**
   * When the cache holds more than maxBytes, deletes least recently used entries until it holds at most
   * 90% of it. Entries this process is committing are kept. Returns what was removed.
   */
  async evict(): Promise<MediaCacheStats> {
    this.evicting ??= this.runEviction().finally(() => (this.evicting = undefined));
    return this.evicting;
  }

  async stats(): Promise<MediaCacheStats> {
    const entries = await this.scan();
    const bytes = sumBytes(entries);
    this.estimatedBytes = bytes;
    return { entries: entries.length, bytes };
  }

  /** Removes every entry (except those being committed right now) and returns what was removed. */
  async clear(): Promise<MediaCacheStats> {
    const removed: MediaCacheStats = { entries: 0, bytes: 0 };
    let kept = 0;
    for (const entry of await this.scan()) {
      if (this.inUse.has(entry.path)) {
        kept += entry.bytes;
        continue;
      }
      await this.removeEntry(entry);
      removed.entries += 1;
      removed.bytes += entry.bytes;
    }
    // Empty folders go too; a writer that loses its folder this way recreates it (see placeFile).
    for (const kind of await listFolder(this.root)) {
      if (kind.startsWith('.')) continue;
      for (const shard of await listFolder(join(this.root, kind))) {
        const shardPath = join(this.root, kind, shard);
        await removeOrphanChecksums(shardPath);
        await removeIfEmpty(shardPath);
      }
      await removeIfEmpty(join(this.root, kind));
    }
    this.estimatedBytes = kept;
    return removed;
  }

  private shardDir(kind: string, key: string): string {
    checkKind(kind);
    if (!KEY_PATTERN.test(key)) throw new RangeError(`cache key must be 2-128 of [A-Za-z0-9_-]: "${key}"`);
    return join(this.root, kind, key.slice(0, 2));
  }

  private async buildDir(key: string, final: string, build: (tempDir: string) => Promise<void>) {
    if (await this.intactDir(final)) {
      await this.touch(final);
      return final;
    }
    this.hold(final);
    const temp = await this.newTemp(key, '');
    try {
      await mkdir(temp);
      await build(temp);
      const marker = join(temp, DIR_COMPLETE_MARKER);
      if (!(await isFile(marker))) await writeFile(marker, '{}\n');
      // Last, so a folder with a manifest is a folder whose builder finished.
      const bytes = await writeDirManifest(temp);
      if (await this.placeDir(temp, final)) await this.account(bytes);
      return final;
    } finally {
      await this.dropTemp(temp);
      this.release(final);
    }
  }

  /** Renames a finished file into place; returns false when an existing entry was kept instead. */
  private async placeFile(temp: string, final: string, { replace }: { replace: boolean }): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(final), { recursive: true });
      if (!replace && (await isFile(final))) break;
      try {
        await rename(temp, final);
        await this.touch(final);
        return true;
      } catch (error) {
        // ENOENT: a concurrent clear() removed the shard folder between our mkdir and rename.
        if (errorCode(error) === 'ENOENT' && attempt < 3) continue;
        // Windows refuses to replace a file another process has open; theirs is just as good.
        if (isTargetBusy(error) && (await isFile(final))) break;
        throw error;
      }
    }
    await this.touch(final);
    return false;
  }

  /** Renames a finished folder into place; returns false when a complete entry was kept instead. */
  private async placeDir(temp: string, final: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(final), { recursive: true });
      try {
        await rename(temp, final);
        await this.touch(final);
        return true;
      } catch (error) {
        if (errorCode(error) === 'ENOENT' && attempt < 3) continue;
        if (!isTargetBusy(error)) throw error;
        if ((await checkDir(final)) === 'intact') {
          await this.touch(final);
          return false;
        }
        if (attempt >= 3) throw error;
        // An incomplete folder (not one of ours) holds the name: move it aside and try again.
        await this.removeEntry({ path: final, bytes: 0, lastUsedMs: 0, directory: true });
      }
    }
  }

  /**
   * A private folder for big intermediate files (a decode's raw frames), inside the cache's temp
   * folder: when its process is killed, the next sweep on this host removes it as soon as that
   * process is gone, rather than a day later. Give it back with releaseScratch.
   */
  async scratchFolder(label: string): Promise<string> {
    if (!/^[a-z0-9]+$/.test(label)) throw new RangeError(`scratch label must be [a-z0-9]+: "${label}"`);
    const folder = join(this.root, TEMP_FOLDER);
    await mkdir(folder, { recursive: true });
    const path = join(
      folder,
      `scratch-${label}-${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    this.ownTemps.add(path);
    await mkdir(path);
    return path;
  }

  releaseScratch(path: string): Promise<void> {
    return this.dropTemp(path);
  }

  /** Sweeps temps now (a fresh process calls this once: a killed run's scratch is big). */
  async sweepTemps(): Promise<void> {
    await this.sweepStaleTemps();
  }

  private async newTemp(key: string, suffix: string): Promise<string> {
    const folder = join(this.root, TEMP_FOLDER);
    await mkdir(folder, { recursive: true });
    const temp = join(folder, `${key}-${process.pid}-${randomBytes(6).toString('hex')}${suffix}`);
    this.ownTemps.add(temp);
    return temp;
  }

  private async dropTemp(temp: string): Promise<void> {
    try {
      await rm(temp, { recursive: true, force: true, maxRetries: 3 });
    } finally {
      this.ownTemps.delete(temp);
    }
  }

  /** Marks an entry as recently used. Best effort: LRU order is advisory, a read-only cache still works. */
  private async touch(path: string): Promise<void> {
    const seconds = this.now() / 1000;
    try {
      await utimes(path, seconds, seconds);
    } catch (error) {
      if (!isGone(error) && !['EPERM', 'EACCES', 'EROFS'].includes(errorCode(error) ?? '')) throw error;
    }
  }

  /** True when the folder entry verifies; a damaged one is removed (and logged), an absent one is not. */
  private async intactDir(dir: string): Promise<boolean> {
    const state = await checkDir(dir);
    if (state === 'intact') return true;
    if (state !== 'absent')
      await this.discard({ path: dir, bytes: 0, lastUsedMs: 0, directory: true }, state);
    return false;
  }

  /** True when the file entry matches its checksum; a damaged one is removed (and logged). */
  private async intactFile(path: string): Promise<boolean> {
    const state = await checkFile(path);
    if (state === 'intact') return true;
    if (state !== 'absent') await this.discard({ path, bytes: 0, lastUsedMs: 0, directory: false }, state);
    return false;
  }

  /** Removes an entry that failed its integrity check, and says so: it will be rebuilt on next use. */
  private async discard(entry: CacheEntry, reason: string): Promise<void> {
    this.discarded += 1;
    this.log(`discarded damaged cache entry ${entry.path}: ${reason}; it will be rebuilt when next needed`);
    await this.removeEntry(entry).catch((error: unknown) =>
      this.log(`could not remove damaged cache entry ${entry.path}: ${(error as Error).message}`),
    );
  }

  private hold(path: string): void {
    this.inUse.set(path, (this.inUse.get(path) ?? 0) + 1);
  }

  private release(path: string): void {
    const count = (this.inUse.get(path) ?? 1) - 1;
    if (count > 0) this.inUse.set(path, count);
    else this.inUse.delete(path);
  }

  /** Adds a new entry's bytes to the estimate and evicts when it passes the cap. */
  private async account(bytes: number): Promise<void> {
    if (this.estimatedBytes === undefined) {
      // The first put scans once (the scan already sees this entry); later puts just add.
      this.initialScan ??= this.scan()
        .then((entries) => {
          this.estimatedBytes = sumBytes(entries);
        })
        .finally(() => (this.initialScan = undefined));
      await this.initialScan;
    } else {
      this.estimatedBytes += bytes;
    }
    if ((this.estimatedBytes ?? 0) > this.maxBytes) await this.evict();
  }

  private async runEviction(): Promise<MediaCacheStats> {
    const entries = await this.scan();
    let bytes = sumBytes(entries);
    const removed: MediaCacheStats = { entries: 0, bytes: 0 };
    if (bytes > this.maxBytes) {
      const target = this.maxBytes * EVICT_TO_FRACTION;
      const oldestFirst = entries
        .filter((entry) => !this.inUse.has(entry.path))
        .sort((a, b) => a.lastUsedMs - b.lastUsedMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const entry of oldestFirst) {
        if (bytes <= target) break;
        await this.removeEntry(entry);
        bytes -= entry.bytes;
        removed.entries += 1;
        removed.bytes += entry.bytes;
      }
    }
    this.estimatedBytes = bytes;
    return removed;
  }

  private async removeEntry(entry: CacheEntry): Promise<void> {
    if (!entry.directory) {
      // The file first, then its checksum: a reader never sees the file without it.
      await rm(entry.path, { force: true, maxRetries: 3 });
      await rm(checksumPath(entry.path), { force: true, maxRetries: 3 });
      return;
    }
    // Rename aside first so no reader ever sees a half-deleted folder that still looks complete.
    const trash = await this.newTemp('trash', '');
    try {
      await rename(entry.path, trash);
    } catch (error) {
      this.ownTemps.delete(trash);
      if (isGone(error)) return;
      throw error;
    }
    await this.dropTemp(trash);
  }

  /** Every entry in the cache, with its size and last use; also sweeps temps left by dead processes. */
  private async scan(): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = [];
    for (const kind of await listFolder(this.root)) {
      if (kind === TEMP_FOLDER) await this.sweepStaleTemps();
      if (kind.startsWith('.')) continue;
      for (const shard of await listFolder(join(this.root, kind))) {
        const shardPath = join(this.root, kind, shard);
        for (const name of await listFolder(shardPath)) {
          if (name.startsWith('.')) continue;
          const path = join(shardPath, name);
          const info = await lstatIfPresent(path);
          if (!info) continue;
          const directory = info.isDirectory();
          // Payload bytes: a JSON entry's envelope and a folder's manifest are not counted.
          const bytes = directory
            ? await treeBytes(path, DIR_MANIFEST)
            : name.endsWith('.json')
              ? Math.max(0, info.size - JSON_ENVELOPE_BYTES)
              : info.size;
          entries.push({ path, bytes, lastUsedMs: info.mtimeMs, directory });
        }
      }
    }
    return entries;
  }

  private async sweepStaleTemps(): Promise<void> {
    const folder = join(this.root, TEMP_FOLDER);
    for (const name of await listFolder(folder)) {
      const path = join(folder, name);
      if (this.ownTemps.has(path)) continue;
      // A scratch folder of a process of this host that is gone: no one will use it again.
      const owner = SCRATCH_NAME.exec(name);
      if (owner && owner[1] === HOST_TAG && !processAlive(Number(owner[2]))) {
        await rm(path, { recursive: true, force: true, maxRetries: 3 });
        continue;
      }
      const info = await lstatIfPresent(path);
      // Real time, not this.now(): temps carry the file system's own timestamps.
      if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) {
        await rm(path, { recursive: true, force: true, maxRetries: 3 });
      }
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return errorCode(error) === 'EPERM';
  }
}

function checkKind(kind: string): void {
  if (!KIND_PATTERN.test(kind)) {
    throw new RangeError(`cache kind must be 1-64 of [A-Za-z0-9_-], not starting with - or _: "${kind}"`);
  }
}

function sumBytes(entries: CacheEntry[]): number {
  return entries.reduce((total, entry) => total + entry.bytes, 0);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The path (or a folder on it) is not there: another process removed it, so it is a miss. */
function isGone(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** rename() refused because the target exists (POSIX: non-empty folder; Windows: any target). */
function isTargetBusy(error: unknown): boolean {
  return ['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES'].includes(errorCode(error) ?? '');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
}

async function lstatIfPresent(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

async function listFolder(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch (error) {
    if (isGone(error)) return [];
    throw error;
  }
}

async function removeIfEmpty(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (error) {
    if (!isGone(error) && !['ENOTEMPTY', 'EEXIST'].includes(errorCode(error) ?? '')) throw error;
  }
}

/** Bytes of the files under a folder (except `skip` at its top); parts removed while we look count as nothing. */
async function treeBytes(folder: string, skip?: string): Promise<number> {
  let total = 0;
  for (const name of await listFolder(folder)) {
    if (name === skip) continue;
    const info = await lstatIfPresent(join(folder, name));
    if (!info) continue;
    total += info.isDirectory() ? await treeBytes(join(folder, name)) : info.size;
  }
  return total;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sealEnvelope(payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`${ENVELOPE_HEAD}${sha256Hex(payload)}${ENVELOPE_MID}`, 'latin1'),
    payload,
    Buffer.from(ENVELOPE_TAIL, 'latin1'),
  ]);
}

/** The payload bytes of an envelope whose checksum matches, else why not (a sentence). */
function openEnvelope(bytes: Buffer): Buffer | string {
  if (
    bytes.length < JSON_ENVELOPE_BYTES ||
    bytes.toString('latin1', 0, ENVELOPE_HEAD.length) !== ENVELOPE_HEAD ||
    bytes.toString('latin1', PAYLOAD_START - ENVELOPE_MID.length, PAYLOAD_START) !== ENVELOPE_MID ||
    bytes[bytes.length - 1] !== ENVELOPE_TAIL.charCodeAt(0)
  ) {
    return `not a checksummed entry (${bytes.length} bytes; torn, truncated, or written by an older version)`;
  }
  const expected = bytes.toString('latin1', ENVELOPE_HEAD.length, ENVELOPE_HEAD.length + SHA256_HEX_CHARS);
  if (!SHA256_HEX.test(expected)) return 'its checksum field is damaged';
  const payload = bytes.subarray(PAYLOAD_START, bytes.length - ENVELOPE_TAIL.length);
  const actual = sha256Hex(payload);
  if (actual !== expected)
    return `sha256 mismatch (recorded ${expected.slice(0, 12)}…, found ${actual.slice(0, 12)}…)`;
  return payload;
}

interface DirManifest {
  files: Record<string, { bytes: number; sha256: string }>;
}

/** Hashes every file under `dir` into its manifest; returns the payload bytes (the files' sizes). */
async function writeDirManifest(dir: string): Promise<number> {
  const files: DirManifest['files'] = {};
  let total = 0;
  for (const relative of await listTree(dir)) {
    const bytes = await readFile(join(dir, ...relative.split('/')));
    files[relative] = { bytes: bytes.length, sha256: sha256Hex(bytes) };
    total += bytes.length;
  }
  const manifest: DirManifest = { files };
  await writeFile(join(dir, DIR_MANIFEST), sealEnvelope(Buffer.from(JSON.stringify(manifest), 'utf8')));
  return total;
}

type EntryState = 'intact' | 'absent' | string;

/** 'intact', 'absent' (no folder: a plain miss, or removed by another process), or what is wrong. */
async function checkDir(dir: string): Promise<EntryState> {
  let manifestBytes: Buffer;
  try {
    manifestBytes = await readFile(join(dir, DIR_MANIFEST));
  } catch (error) {
    if (!isGone(error)) throw error;
    return (await lstatIfPresent(dir))
      ? 'the folder has no manifest (incomplete, or written by an older version)'
      : 'absent';
  }
  const opened = openEnvelope(manifestBytes);
  if (typeof opened === 'string') return `manifest: ${opened}`;
  let manifest: DirManifest;
  try {
    manifest = JSON.parse(opened.toString('utf8')) as DirManifest;
  } catch {
    return 'manifest: not JSON';
  }
  const listed = Object.keys(manifest.files ?? {}).sort();
  let present: string[];
  try {
    present = await listTree(dir, DIR_MANIFEST);
  } catch (error) {
    if (isGone(error)) return 'absent';
    throw error;
  }
  if (listed.join('\0') !== present.join('\0')) {
    const missing = listed.filter((f) => !present.includes(f));
    const extra = present.filter((f) => !listed.includes(f));
    if (!(await lstatIfPresent(dir))) return 'absent'; // removed while we looked
    return `files differ from the manifest (${[
      missing.length ? `missing ${missing.slice(0, 3).join(', ')}` : '',
      extra.length ? `unexpected ${extra.slice(0, 3).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ')})`;
  }
  const problems = await Promise.all(
    listed.map(async (relative) => {
      const want = manifest.files[relative];
      let bytes: Buffer;
      try {
        bytes = await readFile(join(dir, ...relative.split('/')));
      } catch (error) {
        if (isGone(error)) return `missing ${relative}`;
        throw error;
      }
      if (bytes.length !== want.bytes)
        return `${relative} has ${bytes.length} bytes, manifest says ${want.bytes}`;
      if (sha256Hex(bytes) !== want.sha256) return `${relative}: sha256 mismatch`;
      return undefined;
    }),
  );
  const problem = problems.find((p) => p !== undefined);
  if (problem === undefined) return 'intact';
  if (!(await lstatIfPresent(dir))) return 'absent';
  return problem;
}

/** A file entry's checksum lives beside it, hidden from scans (names starting with "." are not entries). */
function checksumPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.sha256`);
}

async function checkFile(path: string): Promise<EntryState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (isGone(error) || errorCode(error) === 'EISDIR') return isGone(error) ? 'absent' : 'not a file';
    throw error;
  }
  let recorded: string;
  try {
    recorded = (await readFile(checksumPath(path), 'latin1')).trim();
  } catch (error) {
    if (!isGone(error)) throw error;
    if (!(await lstatIfPresent(path))) return 'absent'; // removed while we looked
    return 'no checksum file (written by an older version)';
  }
  if (!SHA256_HEX.test(recorded)) return 'its checksum file is damaged';
  const actual = sha256Hex(bytes);
  if (actual !== recorded)
    return `sha256 mismatch (recorded ${recorded.slice(0, 12)}…, found ${actual.slice(0, 12)}…)`;
  return 'intact';
}

/** Checksum files whose entry is gone (a crash between the two removals), so the shard can go. */
async function removeOrphanChecksums(shard: string): Promise<void> {
  for (const name of await listFolder(shard)) {
    if (!name.startsWith('.') || !name.endsWith('.sha256')) continue;
    const file = join(shard, name.slice(1, -'.sha256'.length));
    if (!(await lstatIfPresent(file))) await rm(join(shard, name), { force: true });
  }
}

/** Files under `dir` as sorted '/'-separated relative paths (folders are walked, not listed). */
async function listTree(dir: string, skipTop?: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (prefix === '' && entry.name === skipTop) continue;
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(join(folder, entry.name), relative);
      else out.push(relative);
    }
  };
  await walk(dir, '');
  return out.sort();
}
