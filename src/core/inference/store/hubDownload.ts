// Hugging Face hub file transfer: metadata from HEAD requests on the resolve endpoint (size, LFS sha256,
// git blob id, commit) and resumable, verified downloads (`<file>.partial` + HTTP Range, then rename).
import { Readable } from 'node:stream';
import { open, rename, rm, stat } from 'node:fs/promises';
import { digestFile, etagValue, isGitSha1, isSha256 } from './checksum';
import type { FileDigest } from './checksum';

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** What the hub says about one file, from the headers of a HEAD request. */
export interface HubFileMeta {
  /** The resolve URL that was asked. */
  url: string;
  bytes: number | null;
  /** LFS files: the sha256 of the content (x-linked-etag). */
  sha256: string | null;
  /** Files kept in git: their blob id (the ETag). */
  gitSha1: string | null;
  /** The commit the revision resolved to (x-repo-commit). */
  commit: string | null;
}

export type HubErrorKind = 'offline' | 'http' | 'no-checksum' | 'checksum' | 'interrupted';

export class HubError extends Error {
  constructor(
    message: string,
    readonly kind: HubErrorKind,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export function hubFileUrl(hubUrl: string, repo: string, revision: string, path: string): string {
  const base = hubUrl.replace(/\/+$/, '');
  const encode = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  return `${base}/${encode(repo)}/resolve/${encodeURIComponent(revision)}/${encode(path)}`;
}

// Compressed transfers would make byte counts disagree with content-length and Range offsets.
const HEADERS = { 'accept-encoding': 'identity', 'user-agent': 'video-curator' };

/**
 * HEAD on the resolve endpoint without following redirects: LFS files answer with a redirect to the CDN
 * whose own headers carry the sha256 (x-linked-etag) and size (x-linked-size); git files answer 200.
 */
export async function headHubFile(
  fetchFn: FetchLike,
  url: string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<HubFileMeta> {
  const signal = withTimeout(options.signal, options.timeoutMs ?? 30_000);
  let current = url;
  for (let hop = 0; hop < 5; hop++) {
    const response = await request(
      fetchFn,
      current,
      { method: 'HEAD', redirect: 'manual', signal },
      options.signal,
    );
    const header = (name: string) => response.headers.get(name);
    const linkedEtag = etagValue(header('x-linked-etag'));
    const commit = header('x-repo-commit');
    if (response.status >= 300 && response.status < 400) {
      if (linkedEtag) {
        return {
          url,
          bytes: count(header('x-linked-size')),
          sha256: isSha256(linkedEtag) ? linkedEtag : null,
          gitSha1: null,
          commit,
        };
      }
      const location = header('location');
      if (!location) throw new HubError(`${url}: redirect without a location`, 'http', url, response.status);
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok) throw httpError(url, response.status);
    const etag = linkedEtag ?? etagValue(header('etag'));
    return {
      url,
      bytes: count(header('x-linked-size')) ?? count(header('content-length')),
      sha256: isSha256(etag) ? etag : null,
      gitSha1: isGitSha1(etag) ? etag : null,
      commit,
    };
  }
  throw new HubError(`${url}: too many redirects`, 'http', url);
}

export interface DownloadOptions {
  fetch: FetchLike;
  url: string;
  /** The final path; bytes go to `${dest}.partial` until complete and verified. */
  dest: string;
  expected: { bytes: number | null; sha256: string | null; gitSha1: string | null };
  signal?: AbortSignal;
  /** Bytes of this file on disk so far, resumed part included. */
  onBytes?: (bytes: number) => void;
  /** Consecutive attempts that make no progress before giving up. */
  retries?: number;
  /** An attempt that receives nothing for this long is cut and resumed. */
  stallMs?: number;
}

/** Downloads one file, resuming a `.partial` left by an earlier attempt; returns its verified digest. */
export async function downloadHubFile(options: DownloadOptions): Promise<FileDigest> {
  const { url, dest, expected, signal } = options;
  const partial = `${dest}.partial`;
  const retries = options.retries ?? 4;
  let failures = 0;
  let freshStart = false;
  for (;;) {
    signal?.throwIfAborted();
    let offset = (await stat(partial).catch(() => undefined))?.size ?? 0;
    if (expected.bytes !== null && offset > expected.bytes) {
      await rm(partial, { force: true });
      offset = 0;
    }
    const resumed = offset > 0;
    if (expected.bytes === null || offset < expected.bytes) {
      let progressed = false;
      try {
        progressed = await transfer(options, partial, offset);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof HubError && error.kind === 'http') throw error;
        if (progressed || (await grew(partial, offset))) failures = 0;
        if (++failures > retries) {
          const why = error instanceof Error ? error.message : String(error);
          throw new HubError(`download of ${url} failed ${failures} times: ${why}`, 'interrupted', url);
        }
        await delay(Math.min(250 * 2 ** (failures - 1), 4000), signal);
        continue;
      }
    }

    const digest = await digestFile(partial, signal);
    const problem = mismatch(digest, expected);
    if (problem) {
      await rm(partial, { force: true });
      // A resumed file may have started from another revision's bytes: try once more from zero.
      if (resumed && !freshStart) {
        freshStart = true;
        continue;
      }
      throw new HubError(`${url}: ${problem}; the damaged download was deleted`, 'checksum', url);
    }
    await rename(partial, dest);
    return digest;
  }
}

/** One GET; returns whether bytes arrived. Throws on interruption, leaving the partial for the next try. */
async function transfer(options: DownloadOptions, partial: string, offset: number): Promise<boolean> {
  const { url, signal, onBytes } = options;
  const stall = new AbortController();
  const stallMs = options.stallMs ?? 60_000;
  let timer = setTimeout(() => stall.abort(new Error(`no data for ${stallMs / 1000} s`)), stallMs);
  const attemptSignal = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
  let received = 0;
  try {
    const headers: Record<string, string> = { ...HEADERS };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const response = await request(options.fetch, url, { headers, signal: attemptSignal }, signal);
    if (response.status === 416 && offset > 0) {
      // The server has no bytes past our partial: it is complete or from another file; start over.
      await rm(partial, { force: true });
      throw new Error('range not satisfiable; restarting the file');
    }
    if (!response.ok || !response.body) throw httpError(url, response.status);
    let append = false;
    if (response.status === 206) {
      const start = /bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
      if (Number(start) !== offset) {
        await rm(partial, { force: true });
        throw new Error(`server resumed at byte ${start ?? '?'} instead of ${offset}; restarting the file`);
      }
      append = true;
    }
    let bytes = append ? offset : 0;
    onBytes?.(bytes);
    const file = await open(partial, append ? 'a' : 'w');
    try {
      for await (const chunk of Readable.fromWeb(response.body as never, { signal: attemptSignal })) {
        const buffer = chunk as Buffer;
        await file.write(buffer);
        received += buffer.length;
        bytes += buffer.length;
        clearTimeout(timer);
        timer = setTimeout(() => stall.abort(new Error(`no data for ${stallMs / 1000} s`)), stallMs);
        onBytes?.(bytes);
      }
    } finally {
      await file.close();
    }
    const declared = count(response.headers.get('content-length'));
    if (declared !== null && received < declared)
      throw new Error(`connection closed after ${received} of ${declared} bytes`);
    return received > 0;
  } catch (error) {
    if (stall.signal.aborted && !signal?.aborted) throw stall.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function mismatch(digest: FileDigest, expected: DownloadOptions['expected']): string | undefined {
  if (expected.bytes !== null && digest.bytes !== expected.bytes)
    return `expected ${expected.bytes} bytes, got ${digest.bytes}`;
  if (expected.sha256 !== null && digest.sha256 !== expected.sha256)
    return `sha256 ${digest.sha256} does not match the expected ${expected.sha256}`;
  if (expected.gitSha1 !== null && digest.gitSha1 !== expected.gitSha1)
    return `git blob id ${digest.gitSha1} does not match the hub's ${expected.gitSha1}`;
  return undefined;
}

/** fetch, with network failures turned into an 'offline' HubError that names the cause. */
async function request(
  fetchFn: FetchLike,
  url: string,
  init: RequestInit,
  userSignal: AbortSignal | undefined,
): Promise<Response> {
  try {
    return await fetchFn(url, {
      ...init,
      headers: { ...HEADERS, ...(init.headers as Record<string, string>) },
    });
  } catch (error) {
    if (userSignal?.aborted) throw userSignal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new HubError(`could not reach ${new URL(url).origin} (${why})`, 'offline', url);
  }
}

function httpError(url: string, status: number): HubError {
  const why =
    status === 404
      ? 'not found on the hub (check the repo id, revision and file path in the manifest)'
      : status === 401 || status === 403
        ? 'the hub refused access (the repo may be gated or private)'
        : `the hub answered HTTP ${status}`;
  return new HubError(`${url}: ${why}`, 'http', url, status);
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

async function grew(path: string, from: number): Promise<boolean> {
  return ((await stat(path).catch(() => undefined))?.size ?? 0) > from;
}

function count(header: string | null): number | null {
  if (header === null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
