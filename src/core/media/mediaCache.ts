// Content-addressed cache of derived media (probe JSON, filmstrip folders, poster files) under
// <dataset>/.video-curator/cache. The editor and the CLI may share one cache at the same time, so every
// write is temp + rename, and whatever vanishes under us (another process evicted it) is just a miss.
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
import { dirname, join } from 'node:path';

export interface MediaCacheOptions {
  /** Size cap for all entries together; least recently used entries go first. Default 2 GiB. */
  maxBytes?: number;
  /** Clock for the recently-used stamps (ms since the epoch); tests pass a fake one. */
  now?: () => number;
}

export interface MediaCacheStats {
  entries: number;
  bytes: number;
}

export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;
/** A directory entry is complete only when this file exists in it. */
export const DIR_COMPLETE_MARKER = 'meta.json';
// Evicting down to 90% of the cap (not 100%) keeps a burst of puts from scanning on every put.
const EVICT_TO_FRACTION = 0.9;
// Temps live in one folder so entry folders hold only finished entries; names starting with "." are
// never entries, so a kind may not start with one.
const TEMP_FOLDER = '.tmp';
// A temp untouched for this long belongs to a process that died mid-write.
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;
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
  private readonly now: () => number;
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
    return join(this.shardDir(kind, key), `${key}.${ext}`);
  }

  /** The cached value, or undefined when absent or unreadable as JSON (a torn file is removed). */
  async getJson<T>(kind: string, key: string): Promise<T | undefined> {
    const path = this.jsonPath(kind, key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isGone(error)) return undefined;
      throw error;
    }
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch {
      // A torn or foreign file is a miss; the next put replaces it if we cannot remove it now.
      await rm(path, { force: true }).catch(() => undefined);
      return undefined;
    }
    await this.touch(path);
    return value;
  }

  async putJson(kind: string, key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`cannot cache a value of type ${typeof value} as JSON`);
    const final = this.jsonPath(kind, key);
    this.hold(final);
    const temp = await this.newTemp(key, '.json');
    try {
      await writeFile(temp, text);
      await this.placeFile(temp, final, { replace: true });
      await this.account(Buffer.byteLength(text));
    } finally {
      await this.dropTemp(temp);
      this.release(final);
    }
  }

  /** The entry's folder if it is complete (its marker file exists), else undefined. */
  async getDir(kind: string, key: string): Promise<string | undefined> {
    const dir = this.entryDir(kind, key);
    if (!(await isFile(join(dir, DIR_COMPLETE_MARKER)))) return undefined;
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

  /** The entry's file if it exists, else undefined. */
  async getFile(kind: string, key: string, ext: string): Promise<string | undefined> {
    const path = this.filePath(kind, key, ext);
    if (!(await isFile(path))) return undefined;
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
    if (await isFile(final)) {
      await this.touch(final);
      return final;
    }
    this.hold(final);
    const temp = await this.newTemp(key, `.${ext}`);
    try {
      await build(temp);
      let bytes: number;
      try {
        bytes = (await stat(temp)).size;
      } catch (error) {
        if (isGone(error))
          throw new Error(`cache builder for ${final} did not write ${temp}`, { cause: error });
        throw error;
      }
      if (await this.placeFile(temp, final, { replace: false })) await this.account(bytes);
      return final;
    } finally {
      await this.dropTemp(temp);
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
      for (const shard of await listFolder(join(this.root, kind)))
        await removeIfEmpty(join(this.root, kind, shard));
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
    if (await isFile(join(final, DIR_COMPLETE_MARKER))) {
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
      const bytes = await treeBytes(temp);
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
        if (await isFile(join(final, DIR_COMPLETE_MARKER))) {
          await this.touch(final);
          return false;
        }
        if (attempt >= 3) throw error;
        // An incomplete folder (not one of ours) holds the name: move it aside and try again.
        await this.removeEntry({ path: final, bytes: 0, lastUsedMs: 0, directory: true });
      }
    }
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
      await rm(entry.path, { force: true, maxRetries: 3 });
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
          const bytes = directory ? await treeBytes(path) : info.size;
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
      const info = await lstatIfPresent(path);
      // Real time, not this.now(): temps carry the file system's own timestamps.
      if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) {
        await rm(path, { recursive: true, force: true, maxRetries: 3 });
      }
    }
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

/** Bytes of the files under a folder; parts removed while we look count as nothing. */
async function treeBytes(folder: string): Promise<number> {
  let total = 0;
  for (const name of await listFolder(folder)) {
    const info = await lstatIfPresent(join(folder, name));
    if (!info) continue;
    total += info.isDirectory() ? await treeBytes(join(folder, name)) : info.size;
  }
  return total;
}
