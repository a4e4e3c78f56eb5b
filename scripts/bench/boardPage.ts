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
import { BoardSession } from '../../src/core/board/boardSession';
import { DecisionJournal } from '../../src/core/curation/decisionJournal';
import type { DatasetIndex } from '../../src/core/dataset/indexDataset';
import { decodeRows } from '../../src/protocol/board';
import type { HostMessage } from '../../src/protocol/board';
import type { HarnessApi, ScrollMeasurement } from '../../test/webview/harness';
import { CHROMIUM, CHROMIUM_ARGS } from '../../test/helpers/headlessChromium';

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
      args: [...CHROMIUM_ARGS, '--disable-gpu-vsync', '--disable-frame-rate-limit'],
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
 * that frame (and to the first frame with any row on screen); the caller's clock adds the
 * serialisation and the transfer.
 */
export async function initBoard(
  page: Page,
  message: HostMessage,
  total: number,
): Promise<{ firstRows: number; allRows: number }> {
  return page.evaluate(
    ({ json, label }) =>
      new Promise<{ firstRows: number; allRows: number }>((done, fail) => {
        const w = globalThis as unknown as Win & {
          document: { querySelector(s: string): { textContent: string | null } | null };
          requestAnimationFrame(cb: () => void): number;
        };
        const started = performance.now();
        w.harness.send(JSON.parse(json) as HostMessage);
        const deadline = started + 60_000;
        let firstRows = 0;
        const check = () => {
          const row = w.document.querySelector('.row:not([hidden])');
          const count = w.document.querySelector('.count')?.textContent ?? '';
          if (row && !firstRows) firstRows = performance.now() - started;
          if (row && count.startsWith(label)) done({ firstRows, allRows: performance.now() - started });
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

export interface ScrollStats {
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  maxRows: number;
}

export interface BoardMeasurement {
  /** Per repetition: wall ms from the journal's open to the frame with all rows counted, its parts. */
  runs: { wall: number; host: number; page: number; firstRows: number }[];
  scroll?: { jump: ScrollStats; steady: ScrollStats };
  message: { initMb: number; initMbAsObjects: number; stringifyMs: number; stringifyMsAsObjects: number };
}

/**
 * Board open (journal + session + init on the host, the message into Chromium, the first frame
 * with every row counted), `repeat` times on fresh pages; then scrolling on the last page. Also the
 * init message's size next to what protocol 1 sent for the same rows (one object per row), with
 * the time JSON.stringify takes for each.
 */
export async function measureBoard(options: {
  index: DatasetIndex;
  folder: string;
  site: string;
  repeat: number;
  log: (line: string) => void;
  notes: string[];
}): Promise<BoardMeasurement> {
  const { index, folder, repeat, log, notes } = options;
  const board = await startBoardPage(options.site);
  const runs: BoardMeasurement['runs'] = [];
  let scroll: BoardMeasurement['scroll'];
  let lastInit: HostMessage | undefined;
  try {
    for (let rep = 0; rep < repeat; rep++) {
      const page = await board.open();
      const t0 = performance.now();
      const journal = await DecisionJournal.open(folder, { annotator: 'bench' });
      const session = new BoardSession(index, journal, (path) => path, undefined);
      const init = session.init();
      const host = performance.now() - t0;
      const { allRows, firstRows } = await initBoard(page, init, index.samples.length);
      const wall = performance.now() - t0;
      runs.push({ wall, host, page: allRows, firstRows });
      lastInit = init;
      log(`rep ${rep + 1}/${repeat}: board open ${wall.toFixed(0)} ms (host ${host.toFixed(0)} ms)`);
      if (rep === repeat - 1) {
        // Jumps ~5 screens per frame (every frame renders fresh rows), then back up at reading pace.
        const jump = await measureScroll(page, 4000);
        const steady = await measureScroll(page, -120, 600);
        scroll = {
          jump: scrollStats(jump.deltas, jump.maxRows),
          steady: scrollStats(steady.deltas, steady.maxRows),
        };
        if (!jump.reachedEnd) notes.push('scroll: the jump scroll did not reach the end of the list');
      }
      await page.close();
    }
  } finally {
    await board.close();
  }
  if (lastInit?.type !== 'init') throw new Error('no init message');
  let t = performance.now();
  const columns = JSON.stringify(lastInit);
  const stringifyMs = performance.now() - t;
  const asObjects = { ...lastInit, samples: decodeRows(lastInit.samples).map((d) => d.row) };
  t = performance.now();
  const objects = JSON.stringify(asObjects);
  const stringifyMsAsObjects = performance.now() - t;
  return {
    runs,
    scroll,
    message: {
      initMb: Buffer.byteLength(columns) / 2 ** 20,
      initMbAsObjects: Buffer.byteLength(objects) / 2 ** 20,
      stringifyMs,
      stringifyMsAsObjects,
    },
  };
}

function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function scrollStats(deltas: number[], maxRows: number): ScrollStats {
  return {
    frames: deltas.length,
    p50: percentile(deltas, 50),
    p95: percentile(deltas, 95),
    p99: percentile(deltas, 99),
    max: Math.max(...deltas),
    maxRows,
  };
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
