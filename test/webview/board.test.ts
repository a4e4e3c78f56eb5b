// The curation board in a real browser (Debian chromium via playwright-core), inside a harness page
// that stands in for VS Code (test/webview/harness.ts) under the CSP the host will serve.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { BOARD_PROTOCOL_VERSION, validateWebviewMessage } from '../../src/protocol/board';
import type { BoardRow, WebviewMessage } from '../../src/protocol/board';
import type { ColourSample, HarnessApi, ThemeKind } from './harness';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/headlessChromium';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, '.test-tmp', 'webview');
const SITE = join(OUT, 'site');
const hasBrowser = existsSync(CHROMIUM);

/** The page's globals the tests use (page callbacks run in the browser; typed by harness.ts). */
type Win = { harness: HarnessApi };

// ---------- protocol (no browser) ----------

describe('board protocol validation', () => {
  it('accepts each well-formed webview message and returns only known fields', () => {
    const good: WebviewMessage[] = [
      { type: 'ready', protocolVersion: BOARD_PROTOCOL_VERSION },
      { type: 'select', sampleId: 's1' },
      { type: 'verdict', sampleIds: ['s1', 's2'], verdict: 'reject' },
      { type: 'undo' },
      { type: 'editTurns', sampleId: 's1', turns: [{ role: 'human', text: 'q' }] },
      { type: 'dialogue', sampleId: 's1', dialogueId: 'd1', action: 'accept' },
      {
        type: 'editDialogue',
        sampleId: 's1',
        dialogueId: 'd1',
        turns: [
          { role: 'human', text: 'q' },
          { role: 'gpt', text: 'a' },
        ],
      },
      { type: 'editWindow', sampleId: 's1', start: 1, end: 2.5, index: 0 },
      { type: 'requestDetail', sampleId: 's1' },
      { type: 'visibleRange', first: 0, last: 2, sampleIds: ['a', 'b', 'c'] },
    ];
    for (const message of good) assert.deepEqual(validateWebviewMessage(message), message);
  });

  it('rejects malformed messages, extra fields, paths-as-extra-fields and bad numbers', () => {
    const bad: unknown[] = [
      null,
      'select',
      [],
      { type: 'nope' },
      { type: 'select' },
      { type: 'select', sampleId: '' },
      { type: 'select', sampleId: 'x'.repeat(600) },
      { type: 'select', sampleId: 's1', file: '/etc/passwd' },
      { type: 'verdict', sampleIds: [], verdict: 'accept' },
      { type: 'verdict', sampleIds: ['s1'], verdict: 'edit' },
      { type: 'verdict', sampleIds: [1], verdict: 'accept' },
      { type: 'editTurns', sampleId: 's1', turns: [{ role: 'robot', text: 'x' }] },
      { type: 'editTurns', sampleId: 's1', turns: [{ role: 'human', text: 'x', extra: 1 }] },
      { type: 'editWindow', sampleId: 's1', start: 3, end: 2 },
      { type: 'editWindow', sampleId: 's1', start: Number.NaN, end: 2 },
      { type: 'editWindow', sampleId: 's1', start: -1, end: 2 },
      { type: 'dialogue', sampleId: 's1', dialogueId: 'd', action: 'maybe' },
      { type: 'dialogue', sampleId: 's1', dialogueId: 'd', action: 'edit' },
      { type: 'editDialogue', sampleId: 's1', dialogueId: 'd', turns: [] },
      { type: 'editDialogue', sampleId: 's1', dialogueId: '', turns: [{ role: 'gpt', text: 'a' }] },
      { type: 'editDialogue', sampleId: 's1', dialogueId: 'd', turns: [{ role: 'system', text: 'a' }] },
      { type: 'editDialogue', sampleId: 's1', dialogueId: 'd', turns: [{ role: 'gpt', text: 1 }] },
      {
        type: 'editDialogue',
        sampleId: 's1',
        dialogueId: 'd',
        turns: [{ role: 'gpt', text: 'a' }],
        extra: 1,
      },
      {
        type: 'editDialogue',
        sampleId: 's1',
        dialogueId: 'd',
        turns: [{ role: 'gpt', text: 'x'.repeat(100_001) }],
      },
      { type: 'visibleRange', first: 5, last: 2, sampleIds: [] },
      { type: 'ready', protocolVersion: '1' },
      { type: 'undo', sampleId: 's1' },
    ];
    for (const message of bad)
      assert.equal(validateWebviewMessage(message), undefined, JSON.stringify(message));
  });
});

// ---------- the board in chromium ----------

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/** A small SVG frame per index, standing in for the host's filmstrip JPEGs. */
function frameSvg(n: number): string {
  const hue = (n * 37) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90"><rect width="160" height="90" fill="hsl(${hue},60%,45%)"/><text x="10" y="55" font-size="36" fill="#fff">${n}</text></svg>`;
}

function serve(): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(
      /^\/+/,
      '',
    );
    const frame = /^frames\/(\d+)\.svg$/.exec(path);
    if (frame) {
      response.writeHead(200, { 'content-type': 'image/svg+xml' });
      response.end(frameSvg(Number(frame[1])));
      return;
    }
    const file = join(SITE, path || 'harness.html');
    if (!file.startsWith(SITE) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    response.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

/** WCAG 2 contrast ratio of two CSS colours ("rgb(...)"/"rgba(...)"); alpha is composited over `bg`. */
function contrastRatio(fg: string, bg: string): number {
  const parse = (css: string) => {
    const m = /rgba?\(([^)]+)\)/.exec(css);
    assert.ok(m, `not an rgb colour: ${css}`);
    const [r, g, b, a = 1] = m[1]
      .split(/[,\s/]+/)
      .filter(Boolean)
      .map(Number);
    return { r, g, b, a };
  };
  const back = parse(bg);
  const front = parse(fg);
  const mix = (f: number, b: number) => f * front.a + b * (1 - front.a);
  const luminance = (r: number, g: number, b: number) => {
    const lin = (c: number) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const l1 = luminance(mix(front.r, back.r), mix(front.g, back.g), mix(front.b, back.b));
  const l2 = luminance(back.r, back.g, back.b);
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function waitFor<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!ok(value)) {
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
    value = await probe();
  }
  return value;
}

describe('curation board webview', { skip: hasBrowser ? false : `${CHROMIUM} is missing` }, () => {
  let server: Server;
  let browser: Browser;
  let base = '';

  before(async () => {
    rmSync(SITE, { recursive: true, force: true });
    mkdirSync(SITE, { recursive: true });
    const built = spawnSync(process.execPath, ['scripts/buildWebview.mjs', '--outdir', SITE], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, `buildWebview failed:\n${built.stderr}`);
    await build({
      entryPoints: [join(ROOT, 'test/webview/harness.ts')],
      outfile: join(SITE, 'harness.js'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'chrome120',
      logLevel: 'warning',
    });
    copyFileSync(join(ROOT, 'test/webview/harness.html'), join(SITE, 'harness.html'));
    server = await serve();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
  });

  after(async () => {
    await browser?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
  });

  async function open(theme: ThemeKind = 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${base}harness.html`);
    await page.waitForFunction(() => (globalThis as unknown as Win).harness.messages.length > 0);
    await page.evaluate((kind) => (globalThis as unknown as Win).harness.setTheme(kind), theme);
    assert.deepEqual(errors, []);
    return page;
  }

  const messages = (page: Page) =>
    page.evaluate(() => (globalThis as unknown as Win).harness.messages as WebviewMessage[]);
  const lastMessage = async (page: Page, type: WebviewMessage['type']) =>
    (await messages(page)).filter((m) => m.type === type).at(-1);
  const activeId = (page: Page) => page.locator('.row.active').getAttribute('data-sample-id');
  const countText = (page: Page) => page.locator('.count').innerText();

  it('posts ready with the protocol version before anything else, and runs under the CSP', async () => {
    const page = await open();
    const posted = await messages(page);
    assert.deepEqual(posted[0], { type: 'ready', protocolVersion: BOARD_PROTOCOL_VERSION });
    assert.equal(posted.length, 1, 'nothing but ready before init');
    await page.evaluate(() => (globalThis as unknown as Win).harness.init(50, 1));
    await page.locator('.row').first().waitFor();
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).harness.cspViolations), []);
    await page.close();
  });

  it('scrolls 100,000 rows to the bottom smoothly with few rows in the DOM', async (t) => {
    const page = await open();
    await page.evaluate(() => (globalThis as unknown as Win).harness.init(100_000, 1));
    await waitFor(
      () => countText(page),
      (text) => text.startsWith('100,000 of 100,000'),
      'the 100k init',
    );
    // Jumps ~5 screens per frame: every frame renders a fresh set of rows (the worst case).
    const jump = await page.evaluate(() =>
      (globalThis as unknown as Win).harness.measureScroll('.vlist', 4000),
    );
    assert.ok(jump.reachedEnd);
    const lastRow = await page.locator('.row[aria-posinset="100000"]').innerText();
    assert.match(lastRow, /part-3\.jsonl:25000/);
    // Then back up at a reading pace (120 px, five rows, per frame), as a wheel or trackpad does.
    const steady = await page.evaluate(() =>
      (globalThis as unknown as Win).harness.measureScroll('.vlist', -120, 240),
    );
    // And a real wheel gesture moves the list (not timed: each wheel event is a round trip to the browser).
    const top = await page.locator('.vlist').evaluate((e) => e.scrollTop);
    await page.mouse.move(300, 400);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -400);
    await waitFor(
      () => page.locator('.vlist').evaluate((e) => e.scrollTop),
      (now) => now < top - 1000,
      'wheel scrolling',
    );
    const rows = await page.locator('.row').count();
    const stats = (d: number[]) =>
      `frames ${d.length}, p50 ${percentile(d, 50).toFixed(1)} ms, p95 ${percentile(d, 95).toFixed(1)} ms, max ${Math.max(...d).toFixed(1)} ms`;
    t.diagnostic(
      `jump scroll to bottom (${jump.scrollHeight}px): ${stats(jump.deltas)}; max rows in DOM ${jump.maxRows}`,
    );
    t.diagnostic(`steady scroll up, 120 px/frame: ${stats(steady.deltas)}; rows in DOM ${rows}`);
    assert.ok(jump.deltas.length > 50);
    assert.ok(percentile(jump.deltas, 95) < 50, `p95 frame ${percentile(jump.deltas, 95)} ms`);
    assert.ok(percentile(steady.deltas, 95) < 50, `p95 steady frame ${percentile(steady.deltas, 95)} ms`);
    assert.ok(
      Math.max(jump.maxRows, steady.maxRows, rows) < 200,
      `rows in DOM: ${jump.maxRows}, ${steady.maxRows}, ${rows}`,
    );
    await page.close();
  });

  it('runs the same actions from VS Code commands (host action messages)', async () => {
    const page = await open();
    await page.evaluate(() => (globalThis as unknown as Win).harness.init(1000, 3));
    await page.locator('.row').first().waitFor();
    const act = (action: string) =>
      page.evaluate(
        (a) => (globalThis as unknown as Win).harness.send({ type: 'action', action: a } as never),
        action,
      );
    await act('next');
    await waitFor(
      () => activeId(page),
      (id) => id === 's0',
      'next selects the first row',
    );
    await act('next');
    await act('previous');
    await waitFor(
      () => activeId(page),
      (id) => id === 's0',
      'previous goes back',
    );
    assert.deepEqual(await lastMessage(page, 'select'), { type: 'select', sampleId: 's0' });
    await act('search');
    await waitFor(
      () =>
        page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document
              .activeElement?.tagName ?? '',
        ),
      (tag) => tag === 'VSCODE-TEXT-FIELD',
      'search focused',
    );
    // An unknown action is not a host message at all: the board ignores it.
    await act('explode');
    assert.equal(await activeId(page), 's0');
    await page.close();
  });

  it('is keyboard first: j/k, a/r, u, / search, e/Esc and 1 for the first dialogue', async () => {
    const page = await open();
    await page.evaluate(() => {
      (globalThis as unknown as Win).harness.autoDetailGeneration = 3;
      (globalThis as unknown as Win).harness.init(1000, 3);
    });
    await page.locator('.row').first().waitFor();
    await page.locator('.vlist').focus();

    await page.keyboard.press('j');
    assert.equal(await activeId(page), 's0');
    assert.deepEqual(await lastMessage(page, 'select'), { type: 'select', sampleId: 's0' });
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    assert.equal(await activeId(page), 's4', 'sorted by source: part-0 rows s0, s4, s8...');
    assert.deepEqual(await lastMessage(page, 'select'), { type: 'select', sampleId: 's4' });

    await page.keyboard.press('a');
    assert.deepEqual(await lastMessage(page, 'verdict'), {
      type: 'verdict',
      sampleIds: ['s4'],
      verdict: 'accept',
    });
    // The row repaints on the next animation frame: poll rather than read once.
    await waitFor(
      () => page.locator('.row.active .c-verdict').innerText(),
      (text) => text === '✓',
      'the accepted row shows its verdict',
    );
    await page.keyboard.press('Shift+J');
    await page.keyboard.press('r');
    assert.deepEqual(await lastMessage(page, 'verdict'), {
      type: 'verdict',
      sampleIds: ['s4', 's8'],
      verdict: 'reject',
    });
    await page.keyboard.press('u');
    assert.deepEqual(await lastMessage(page, 'undo'), { type: 'undo' });

    // The detail pane loads (the harness answers requestDetail) and 1 accepts its first dialogue.
    await page.locator('.dialogue').first().waitFor();
    assert.deepEqual(await lastMessage(page, 'requestDetail'), { type: 'requestDetail', sampleId: 's8' });
    await page.keyboard.press('1');
    assert.deepEqual(await lastMessage(page, 'dialogue'), {
      type: 'dialogue',
      sampleId: 's8',
      dialogueId: 's8-d1',
      action: 'accept',
    });
    assert.match((await page.locator('.dialogue').first().getAttribute('class')) ?? '', /dialogue-accepted/);
    assert.equal(await page.locator('.frame.keyframe').count(), 2);

    // e edits the conversation; Esc leaves without posting; Ctrl+Enter saves.
    await page.keyboard.press('e');
    await page.locator('.turn.editing').first().waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.turn.editing').count(), 0);
    assert.equal(await lastMessage(page, 'editTurns'), undefined);
    await page.keyboard.press('e');
    await page.keyboard.press('End');
    await page.keyboard.type(' Edited.');
    await page.keyboard.press('Control+Enter');
    const edit = await lastMessage(page, 'editTurns');
    assert.ok(edit?.type === 'editTurns' && edit.sampleId === 's8' && edit.turns[0].text.endsWith('Edited.'));

    // / focuses search; typing filters (and does not trigger shortcuts like j or a).
    const before = (await messages(page)).length;
    await page.keyboard.press('/');
    await page.keyboard.type('part-2.jsonl:1');
    await waitFor(
      () => countText(page),
      (text) => text.startsWith('111 of 1,000'),
      'search filtering',
    );
    // The count updates first; the rows in view re-render on the next frame: wait for them, and
    // fail with what is shown if they never all match.
    await waitFor(
      () => page.locator('.row:not([hidden]) .c-source').allInnerTexts(),
      (sources) => sources.length > 0 && sources.every((s) => s.includes('part-2.jsonl:1')),
      'the rows in view to be the filtered ones',
    );
    const typed = (await messages(page)).slice(before);
    assert.ok(
      typed.every((m) => m.type === 'visibleRange'),
      `typing posted ${JSON.stringify(typed)}`,
    );
    await page.keyboard.press('Escape');
    await page.keyboard.press('j');
    assert.ok((await activeId(page))?.length);
    await page.close();
  });

  it('multi-selects with shift/ctrl click and applies bulk verdicts', async () => {
    const page = await open();
    await page.evaluate(() => (globalThis as unknown as Win).harness.init(200, 1));
    const row = (n: number) => page.locator(`.row[aria-posinset="${n}"]`);
    await row(2).click();
    await row(5).click({ modifiers: ['Shift'] });
    await row(8).click({ modifiers: ['Control'] });
    assert.match(await countText(page), /5 selected/);
    await page.keyboard.press('r');
    assert.deepEqual(await lastMessage(page, 'verdict'), {
      type: 'verdict',
      sampleIds: ['s4', 's8', 's12', 's16', 's28'],
      verdict: 'reject',
    });
    // The badges render on the next frame: wait for the fifth, then count exactly five.
    const rejected = page.locator('.row.selected .c-verdict', { hasText: '✗' });
    await rejected.nth(4).waitFor({ timeout: 5_000 });
    assert.equal(await rejected.count(), 5);
    await page.close();
  });

  it('filters rows by dragging the histogram threshold', async () => {
    const page = await open();
    await page.evaluate(() => (globalThis as unknown as Win).harness.init(5000, 1));
    await waitFor(
      () => countText(page),
      (text) => text.startsWith('5,000 of 5,000'),
      'init',
    );
    const box = await page.locator('.histogram-chart').boundingBox();
    assert.ok(box);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.6, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.3, y, { steps: 5 });
    await page.mouse.up();
    const caption = await waitFor(
      () => page.locator('.histogram-caption').innerText(),
      (text) => text.includes('≤'),
      'the threshold caption',
    );
    const threshold = Number(/≤ (-?[\d.]+)/.exec(caption)?.[1]);
    const shown = Number((await countText(page)).split(' ')[0].replace(/,/g, ''));
    const expected = await page.evaluate(
      (t) =>
        (globalThis as unknown as Win).harness
          .makeRows(5000)
          .filter((r: BoardRow) => r.tpl !== undefined && r.tpl <= t).length,
      threshold,
    );
    assert.ok(shown > 0 && shown < 5000, `shown ${shown}`);
    // The caption rounds to 3 digits; allow the rows right at the rounded edge.
    assert.ok(Math.abs(shown - expected) <= 5, `shown ${shown}, expected ~${expected} at ${threshold}`);
    const tpls = (await page.locator('.row:not([hidden]) .c-tpl').allInnerTexts()).map(Number);
    assert.ok(tpls.length > 0 && tpls.every((v) => v <= threshold + 0.001), tpls.join());
    await page.close();
  });

  it('drops rowsUpdated from an older generation and applies the current one', async () => {
    const page = await open();
    await page.evaluate(() => (globalThis as unknown as Win).harness.init(100, 5));
    await page.locator('.row').first().waitFor();
    const update = (generation: number, video: string) =>
      page.evaluate(
        ([g, v]) => {
          const h = (globalThis as unknown as Win).harness;
          const row = { ...h.makeRows(1)[0], video: v as string };
          h.send({ type: 'rowsUpdated', generation: g as number, rows: h.columns([row]) });
        },
        [generation, video] as const,
      );
    await update(4, 'STALE.mp4');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.row', { hasText: 'STALE.mp4' }).count(), 0);
    await update(5, 'FRESH.mp4');
    await page.locator('.row', { hasText: 'FRESH.mp4' }).waitFor({ timeout: 2000 });
    await page.close();
  });

  /** Opens a board of 100 rows with s0's detail loaded in the pane. */
  async function openDetail(): Promise<Page> {
    const page = await open();
    await page.evaluate(() => {
      (globalThis as unknown as Win).harness.autoDetailGeneration = 1;
      (globalThis as unknown as Win).harness.init(100, 1);
    });
    await page.locator('.row').first().waitFor();
    await page.locator('.vlist').focus();
    await page.keyboard.press('j');
    await page.locator('.dialogue').first().waitFor();
    return page;
  }

  it('enlarges a clicked frame with its track and OCR boxes where the normalised coordinates say', async () => {
    const page = await openDetail();
    await page.locator('.frame').nth(2).click();
    const overlay = page.locator('.frame-overlay');
    await overlay.waitFor({ state: 'visible' });
    const expected = await page.evaluate(
      () => (globalThis as unknown as Win).harness.sampleDetail('s0').filmstrip[2].boxes ?? [],
    );
    assert.equal(expected.length, 3);
    assert.equal(await overlay.locator('.frame-box').count(), expected.length);
    await overlay.locator('.frame-stage.loaded').waitFor();
    await page.evaluate(() => (globalThis as unknown as Win).harness.nextFrame());
    const image = await overlay.locator('.frame-stage img').evaluate((e) => {
      const r = e.getBoundingClientRect();
      const img = e as unknown as { naturalWidth: number };
      return { left: r.left, top: r.top, width: r.width, height: r.height, natural: img.naturalWidth };
    });
    assert.ok(image.natural > 0 && image.width > 400, `enlarged to ${image.width}px`);
    assert.ok(Math.abs(image.width / image.height - 16 / 9) < 0.01, 'the frame keeps its aspect ratio');
    const rects = await overlay.locator('.frame-box').evaluateAll((boxes) =>
      boxes.map((b) => {
        const r = b.getBoundingClientRect();
        return {
          left: r.left,
          top: r.top,
          right: r.right,
          bottom: r.bottom,
          label: b.getAttribute('aria-label'),
        };
      }),
    );
    expected.forEach((box, i) => {
      const r = rects[i];
      const near = (got: number, want: number, what: string) =>
        assert.ok(Math.abs(got - want) <= 2, `box ${i} ${what}: ${got} vs ${want}`);
      near(r.left, image.left + box.x0 * image.width, 'left');
      near(r.top, image.top + box.y0 * image.height, 'top');
      near(r.right, image.left + box.x1 * image.width, 'right');
      near(r.bottom, image.top + box.y1 * image.height, 'bottom');
      assert.ok(r.label?.includes(box.label), `accessible label ${r.label}`);
    });
    assert.match((await overlay.locator('.box-ocr').getAttribute('aria-label')) ?? '', /^OCR text "EXIT"/);
    assert.match(
      (await overlay.getAttribute('aria-label')) ?? '',
      /3 boxes: 1 motion, 1 OCR text, 1 detected object/,
    );
    // Colours come from the theme's chart colours, one per source.
    const colours = await overlay
      .locator('.frame-box')
      .evaluateAll((boxes) =>
        boxes.map(
          (b) =>
            (
              globalThis as unknown as { getComputedStyle(e: unknown): { borderTopColor: string } }
            ).getComputedStyle(b).borderTopColor,
        ),
      );
    assert.equal(new Set(colours).size, 3, colours.join());
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).harness.unnamedControls()), []);
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'frame-overlay.png') });

    await page.keyboard.press('Escape');
    await overlay.waitFor({ state: 'hidden' });
    assert.equal(await overlay.locator('.frame-box').count(), 0);
    // A frame without boxes enlarges with none; a click closes it.
    await page.locator('.frame').nth(0).click();
    await overlay.waitFor({ state: 'visible' });
    assert.equal(await overlay.locator('.frame-box').count(), 0);
    assert.match((await overlay.getAttribute('aria-label')) ?? '', /no tracked boxes/);
    await overlay.locator('.frame-stage').click();
    await overlay.waitFor({ state: 'hidden' });
    assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).harness.cspViolations), []);
    await page.close();
  });

  it('edits a generated dialogue: Edit or e on the focused dialogue, Esc cancels, Ctrl+Enter posts', async () => {
    const page = await openDetail();
    const second = page.locator('.dialogue').nth(1);
    // Esc cancels without posting.
    await second.getByRole('button', { name: /^Edit dialogue 2/ }).click();
    await second.locator('.turn.editing').first().waitFor();
    assert.equal(await second.locator('.turn.editing').count(), 2);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('.dialogue .turn.editing').count(), 0);
    assert.equal(await lastMessage(page, 'editDialogue'), undefined);

    // e on the focused dialogue opens it; the answer is corrected and saved with Ctrl+Enter.
    await second.focus();
    await page.keyboard.press('e');
    await second.locator('.turn.editing').first().waitFor();
    assert.equal(await page.locator('.turns .turn.editing').count(), 0, 'not the conversation');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('Two.');
    await page.keyboard.press('Control+Enter');
    assert.deepEqual(await lastMessage(page, 'editDialogue'), {
      type: 'editDialogue',
      sampleId: 's0',
      dialogueId: 's0-d2',
      turns: [
        { role: 'human', text: 'How many people appear?' },
        { role: 'gpt', text: 'Two.' },
      ],
    });
    assert.ok(validateWebviewMessage(await lastMessage(page, 'editDialogue')));
    assert.equal(await page.locator('.dialogue .turn.editing').count(), 0);
    assert.match((await second.getAttribute('class')) ?? '', /dialogue-edited/);
    assert.match(await second.locator('.dialogue-turns').innerText(), /Two\./);
    assert.equal(await lastMessage(page, 'editTurns'), undefined);
    // e with the list focused still edits the conversation.
    await page.locator('.vlist').focus();
    await page.keyboard.press('e');
    await page.locator('.turns .turn.editing').first().waitFor();
    await page.keyboard.press('Escape');
    await page.close();
  });

  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`renders in the ${theme} theme with readable row text (WCAG >= 4.5)`, async (t) => {
      const page = await open(theme);
      await page.evaluate(() => {
        (globalThis as unknown as Win).harness.autoDetailGeneration = 1;
        (globalThis as unknown as Win).harness.init(300, 1);
      });
      await page.locator('.row').first().waitFor();
      await page.locator('.vlist').focus();
      await page.keyboard.press('j');
      await page.keyboard.press('J');
      await page.locator('.dialogue').first().waitFor();
      await page.evaluate(() => (globalThis as unknown as Win).harness.nextFrame());
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, `board-${theme}.png`) });
      const samples: Record<string, ColourSample | undefined> = await page.evaluate(() => ({
        row: (globalThis as unknown as Win).harness.colours('.row:not(.selected):not(.active) .c-source'),
        selected: (globalThis as unknown as Win).harness.colours('.row.selected:not(.active) .c-source'),
        active: (globalThis as unknown as Win).harness.colours('.row.active .c-source'),
        count: (globalThis as unknown as Win).harness.colours('.count'),
      }));
      for (const [name, sample] of Object.entries(samples)) {
        assert.ok(sample, `${name} not found`);
        const ratio = contrastRatio(sample.color, sample.background);
        t.diagnostic(`${theme} ${name}: ${sample.color} on ${sample.background} = ${ratio.toFixed(2)}:1`);
        assert.ok(ratio >= 4.5, `${theme} ${name} contrast ${ratio.toFixed(2)}`);
      }
      // Every control has an accessible name.
      const unnamed = await page.evaluate(() => (globalThis as unknown as Win).harness.unnamedControls());
      assert.deepEqual(unnamed, []);
      assert.deepEqual(await page.evaluate(() => (globalThis as unknown as Win).harness.cspViolations), []);
      await page.close();
    });
  }
});
