// The curation board in Chromium for benchmarks: the same bundle and test harness as
// test/webview/board.test.ts (harness.ts stands in for VS Code), served from a local folder.
// Chromium runs with vsync and the frame-rate limit off, so an animation frame lasts as long as its
// work takes rather than a 16.7 ms vsync tick: frame times then measure the board, not the display.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { HostMessage } from '../../src/protocol/board';
import type { HarnessApi, ScrollMeasurement } from '../../test/webview/harness';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(__dirname, '..', '..');

type Win = { harness: HarnessApi };

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

export interface BoardPage {
  /** A fresh page with the board loaded and `ready` posted. */
  open(): Promise<Page>;
  close(): Promise<void>;
}

export async function startBoardPage(site: string): Promise<BoardPage> {
  rmSync(site, { recursive: true, force: true });
  mkdirSync(site, { recursive: true });
  const built = spawnSync(process.execPath, ['scripts/buildWebview.mjs', '--outdir', site], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`buildWebview failed:\n${built.stderr}`);
  await build({
    entryPoints: [join(ROOT, 'test/webview/harness.ts')],
    outfile: join(site, 'harness.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  });
  copyFileSync(join(ROOT, 'test/webview/harness.html'), join(site, 'harness.html'));
  const server = await serve(site);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--disable-gpu-vsync',
        '--disable-frame-rate-limit',
      ],
    });
  } catch (error) {
    await new Promise((done) => server.close(done));
    throw error;
  }
  return {
    async open() {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      // tsx compiles this script with esbuild's keepNames, so functions passed to page.evaluate call
      // its __name helper, which the page does not have.
      await page.addInitScript('globalThis.__name = (target) => target;');
      await page.goto(`${base}harness.html`);
      await page.waitForFunction(() => (globalThis as unknown as Win).harness.messages.length > 0);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((done) => server.close(done));
    },
  };
}

/**
 * Posts `init` into the page (through window.postMessage, as VS Code delivers it) and resolves
 * when the board shows its first rows and counts them all. The message crosses as JSON text, as a
 * webview's postMessage carries it (Playwright's own argument serialisation is far slower on 100k
 * rows than anything VS Code does). Returns the page's own milliseconds from parsing the JSON to
 * that frame; the caller's clock adds the serialisation and the transfer.
 */
export async function initBoard(page: Page, message: HostMessage, total: number): Promise<number> {
  return page.evaluate(
    ({ json, label }) =>
      new Promise<number>((done, fail) => {
        const w = globalThis as unknown as Win & {
          document: { querySelector(s: string): { textContent: string | null } | null };
          requestAnimationFrame(cb: () => void): number;
        };
        const started = performance.now();
        w.harness.send(JSON.parse(json) as HostMessage);
        const deadline = started + 60_000;
        const check = () => {
          const row = w.document.querySelector('.row:not([hidden])');
          const count = w.document.querySelector('.count')?.textContent ?? '';
          if (row && count.startsWith(label)) done(performance.now() - started);
          else if (performance.now() > deadline) fail(new Error(`the board never showed ${label} rows`));
          else w.requestAnimationFrame(check);
        };
        w.requestAnimationFrame(check);
      }),
    {
      json: JSON.stringify(message),
      label: `${total.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`,
    },
  );
}

export function measureScroll(
  page: Page,
  pixelsPerFrame: number,
  maxFrames?: number,
): Promise<ScrollMeasurement> {
  return page.evaluate(
    ({ px, max }) => (globalThis as unknown as Win).harness.measureScroll('.vlist', px, max),
    { px: pixelsPerFrame, max: maxFrames },
  );
}

export function haveChromium(): boolean {
  return existsSync(CHROMIUM);
}

function serve(site: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(
      /^\/+/,
      '',
    );
    const file = join(site, path || 'harness.html');
    if (!file.startsWith(site) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}
