// A local stand-in for the Hugging Face hub's resolve endpoint (node:http on 127.0.0.1), as the real one
// behaves: LFS files answer 302 to a CDN URL with x-linked-etag (sha256) and x-linked-size; git files
// answer 200 with their blob id as ETag; x-repo-commit on both; Range requests on the file bytes.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export const FAKE_COMMIT = 'c0ffee0000000000000000000000000000000001';

export interface FakeHubRequest {
  method: string;
  path: string;
  range?: string;
}

export interface FakeHub {
  url: string;
  requests: FakeHubRequest[];
  /** The next `times` GETs of this file's bytes send the first `fraction` of the body, then drop the connection. */
  cut(repoPath: string, times: number, fraction?: number): void;
  /** The next GET of this file sends `fraction` of the body and then nothing, holding the connection open. */
  stall(repoPath: string, fraction?: number): void;
  /** Serve these bytes for a file while its headers still describe the original (a damaged CDN copy). */
  corrupt(repoPath: string, bytes: Buffer): void;
  /** Drop checksums from the headers, like a mirror that strips them. */
  stripChecksums: boolean;
}

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');
export const gitBlobId = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');

/** Deterministic pseudo-random bytes, so "model weights" are not trivially compressible or repeated. */
export function weights(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Serves `repos` ({ "owner/name": { "onnx/model.onnx": bytes } }) at revision "main" and FAKE_COMMIT.
 * Files of `lfsFrom` bytes or more are LFS files. Closed when the test ends.
 */
export async function startFakeHub(
  t: TestContext,
  repos: Record<string, Record<string, Buffer | string>>,
  options: { lfsFrom?: number } = {},
): Promise<FakeHub> {
  const lfsFrom = options.lfsFrom ?? 1024;
  const files = new Map<string, Buffer>();
  for (const [repo, entries] of Object.entries(repos))
    for (const [path, content] of Object.entries(entries)) files.set(`${repo}/${path}`, Buffer.from(content));
  const cuts = new Map<string, { times: number; fraction: number }>();
  const stalls = new Map<string, number>();
  const corrupted = new Map<string, Buffer>();
  const byCdnId = new Map<string, string>();
  for (const key of files.keys()) byCdnId.set(sha256(key).slice(0, 16), key);

  const hub: FakeHub = {
    url: '',
    requests: [],
    cut: (key, times, fraction = 0.5) => cuts.set(key, { times, fraction }),
    stall: (key, fraction = 0.5) => stalls.set(key, fraction),
    corrupt: (key, bytes) => corrupted.set(key, bytes),
    stripChecksums: false,
  };

  const sendBytes = (
    req: IncomingMessage,
    res: ServerResponse,
    key: string,
    headers: Record<string, string>,
  ) => {
    const original = files.get(key) as Buffer;
    const body = corrupted.get(key) ?? original;
    const size = body.length;
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    }
    const slice = body.subarray(start);
    res.writeHead(status, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(slice.length) });
    if (req.method === 'HEAD') return void res.end();
    const cut = cuts.get(key);
    if (cut && cut.times > 0) {
      cut.times--;
      const sent = slice.subarray(0, Math.floor(slice.length * cut.fraction));
      res.write(sent, () => setTimeout(() => res.destroy(), 20));
      return;
    }
    const stall = stalls.get(key);
    if (stall !== undefined) {
      stalls.delete(key);
      res.write(slice.subarray(0, Math.floor(slice.length * stall)));
      return; // never ends; the client has to give up on it
    }
    res.end(slice);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const path = decodeURIComponent(url.pathname);
    hub.requests.push({
      method: req.method ?? '',
      path,
      ...(req.headers.range ? { range: req.headers.range } : {}),
    });

    const cdn = /^\/cdn\/([0-9a-f]+)$/.exec(path);
    if (cdn) {
      const key = byCdnId.get(cdn[1]);
      if (!key) return void res.writeHead(404).end();
      // The CDN's ETag is its own, not the sha256: clients must take checksums from the hub's headers.
      return sendBytes(req, res, key, { etag: `"cdn-${cdn[1]}"` });
    }

    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (!resolve || (resolve[2] !== 'main' && resolve[2] !== FAKE_COMMIT)) {
      return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end('not found');
    }
    const key = `${resolve[1]}/${resolve[3]}`;
    const content = files.get(key);
    if (!content) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    const common: Record<string, string> = { 'x-repo-commit': FAKE_COMMIT };
    if (content.length >= lfsFrom) {
      const headers: Record<string, string> = {
        ...common,
        location: `${hub.url}/cdn/${sha256(key).slice(0, 16)}`,
        'x-linked-size': String(content.length),
      };
      if (!hub.stripChecksums) {
        headers['x-linked-etag'] = `"${sha256(content)}"`;
        headers.etag = `"${sha256(content)}"`;
      }
      return void res.writeHead(302, headers).end();
    }
    sendBytes(req, res, key, hub.stripChecksums ? common : { ...common, etag: `W/"${gitBlobId(content)}"` });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(
    () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  );
  return hub;
}

/** A URL on 127.0.0.1 where nothing listens: what the hub looks like offline. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return `http://127.0.0.1:${port}`;
}
