// The packaged extension in real VS Code: the .vsix installed into code-server (VS Code's own workbench
// and extension host), driven through Debian chromium with playwright-core, on the demo dataset:
// index + Problems panel; the board's keyboard accept; then the whole curation flow (Analyze Dataset
// with real ffmpeg and the inference worker, the board's filmstrip/keyframes/TPL reason/dialogues,
// 1 a j r, a quick fix from the Problems panel, export), checked on disk (test/integration/curationFiles.ts).
// A third test runs the mocha suite of test/vscode-suite inside code-server's extension host, through
// VS Code's own extension-test options (extensionDevelopmentPath/extensionTestsPath in the workbench
// URL's payload), as @vscode/test-electron does with desktop VS Code.
// The last two SIGKILL a window's real extension host (docs/reliability.md, "Nothing lost"): mid-burst
// of board verdicts (every acknowledged one is in the journal after the workbench restarts the host)
// and mid-Analyze Dataset (the re-run reuses the clips cached before the kill).
// Skips, with the reason, where code-server cannot be installed (not linux-x64, not Node 20, offline
// without a cached install) or chromium is missing. Timings and peak memory go to the test log.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { ROW_VERDICTS } from '../../src/protocol/board';
import {
  exportPath,
  generatedDialogue,
  journalPath,
  latestVerdicts,
  readJournal,
  readJsonl,
} from './curationFiles';
import type { ExportReportFile, LlavaLine } from './curationFiles';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/headlessChromium';

const ROOT = resolve(__dirname, '../..');
const OUT = join(ROOT, '.test-tmp', 'vscode');
const VSIX = join(OUT, 'video-curator.vsix');
const VSIX_INPUTS = `${VSIX}.inputs`; // hash of what went into VSIX, to reuse it while nothing changed

interface Tools {
  codeServer: string;
  packageExtension: (options: { out: string; build: boolean }) => string;
}

/** What test/vscode-suite/index.ts writes to VIDEO_CURATOR_TEST_RESULTS. */
interface SuiteResults {
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  vscodeVersion: string;
  tests: {
    fullTitle: string;
    state: string;
    durationMs?: number;
    error?: { message: string; stack?: string };
  }[];
}

const timings: Record<string, number> = {};
async function timed<T>(label: string, work: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[label] = (Date.now() - started) / 1000;
  }
}

/** Installs code-server if it can (scripts/codeServer.mjs) and says why not where it cannot. */
async function prepareTools(): Promise<Tools | string> {
  if (!existsSync(CHROMIUM)) return `chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  const codeServerScript = (await import(pathToFileURL(join(ROOT, 'scripts', 'codeServer.mjs')).href)) as {
    ensureCodeServer: (o?: { log?: (line: string) => void }) => string;
    installedCodeServer: () => string | undefined;
  };
  const packaging = (await import(pathToFileURL(join(ROOT, 'scripts', 'package.mjs')).href)) as Omit<
    Tools,
    'codeServer'
  >;
  try {
    const wasInstalled = codeServerScript.installedCodeServer() !== undefined;
    const codeServer = await timed('code-server install', () =>
      codeServerScript.ensureCodeServer({ log: (line) => console.log(`# ${line}`) }),
    );
    if (wasInstalled) delete timings['code-server install'];
    return { codeServer, ...packaging };
  } catch (error) {
    return `code-server cannot be installed here: ${(error as Error).message}`;
  }
}

describe('Video Curator in real VS Code (code-server)', async () => {
  const prepared = await prepareTools();
  if (typeof prepared === 'string') {
    it('runs the extension in code-server', { skip: prepared }, () => undefined);
    return;
  }
  const tools = prepared;
  const run = join(OUT, `run-${process.pid}`);
  const dataset = join(run, 'demo');
  const suiteDataset = join(run, 'demo-suite'); // the mocha suite's own copy: it records verdicts
  const crashDataset = join(run, 'demo-crash'); // the extension-host kill tests' copy, never analysed
  const suiteResults = join(run, 'vscode-suite-results.json');
  const suiteBundle = join(ROOT, 'out', 'vscode-suite', 'index.js'); // scripts/build-vscode-suite.mjs
  let port = 0;
  let server: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let memory: MemorySampler | undefined;
  let succeeded = 0; // run dir is removed only when every test here passed
  const passed = (): boolean => succeeded >= 7;

  before(async () => {
    for (const old of existsSync(OUT) ? readdirSync(OUT) : [])
      if (old.startsWith('run-')) rmSync(join(OUT, old), { recursive: true, force: true });
    mkdirSync(run, { recursive: true });

    await timed('package (.vsix)', () => freshVsix(tools));
    await timed('demo dataset', () =>
      runChecked(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'demo', dataset]),
    );
    // In a child process, like build.mjs: esbuild's service would otherwise keep this process alive.
    await timed('mocha suite bundle', () =>
      runChecked(process.execPath, [join(ROOT, 'scripts', 'build-vscode-suite.mjs')]),
    );
    cpSync(dataset, suiteDataset, { recursive: true });
    cpSync(dataset, crashDataset, { recursive: true });

    // Everything code-server writes (settings, logs, caches, extensions) stays inside the run dir.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: join(run, 'config'),
      XDG_DATA_HOME: join(run, 'data'),
      XDG_CACHE_HOME: join(run, 'cache'),
      TMPDIR: join(run, 'tmp'),
      // Read by the mocha suite's runner (test/vscode-suite/index.ts) in the extension host.
      VIDEO_CURATOR_TEST_RESULTS: suiteResults,
    };
    for (const dir of ['config', 'data', 'cache', 'tmp', 'user-data/User', 'extensions'])
      mkdirSync(join(run, dir), { recursive: true });
    writeFileSync(
      join(run, 'user-data', 'User', 'settings.json'),
      JSON.stringify({
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.tips.enabled': false,
      }),
    );
    const dirs = ['--user-data-dir', join(run, 'user-data'), '--extensions-dir', join(run, 'extensions')];
    await timed('install .vsix', () =>
      runChecked(process.execPath, [tools.codeServer, ...dirs, '--install-extension', VSIX], env),
    );

    port = await freePort();
    const log = openSync(join(run, 'code-server.log'), 'w');
    await timed('code-server start (/healthz)', async () => {
      // detached: its own process group, so the extension host and helpers go down with it.
      server = spawn(
        process.execPath,
        [
          tools.codeServer,
          '--auth',
          'none',
          '--bind-addr',
          `127.0.0.1:${port}`,
          ...dirs,
          '--disable-telemetry',
          '--disable-update-check',
          '--disable-workspace-trust',
          '--disable-getting-started-override',
          dataset,
        ],
        { env, detached: true, stdio: ['ignore', log, log] },
      );
      // If this process dies without running after(), take code-server's group down with it.
      const group = -(server.pid as number);
      process.once('exit', () => {
        try {
          process.kill(group, 'SIGKILL');
        } catch {
          // already gone
        }
      });
      await waitFor(`code-server /healthz on port ${port}`, 60_000, async () => {
        if (server?.exitCode !== null)
          throw new Error(`code-server exited: ${tail(join(run, 'code-server.log'))}`);
        const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return response?.ok === true;
      });
    });

    memory = new MemorySampler();
    context = await chromium.launchPersistentContext(join(run, 'browser'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [...CHROMIUM_ARGS],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await timed('workbench load', async () => {
      await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dataset)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.statusbar').waitFor({ timeout: 60_000 });
    });
  });

  after(async () => {
    if (!passed() && page) await page.screenshot({ path: join(run, 'failure.png') }).catch(() => undefined);
    await context?.close().catch(() => undefined);
    if (server?.pid !== undefined) await killGroup(server);
    memory?.stop();
    const report = Object.entries(timings)
      .map(([label, seconds]) => `${label} ${seconds.toFixed(1)} s`)
      .join(', ');
    console.log(`# timings: ${report}`);
    if (memory)
      console.log(`# peak memory (PSS of code-server + chromium): ${(memory.peak / 2 ** 20).toFixed(0)} MiB`);
    if (passed()) rmSync(run, { recursive: true, force: true });
    else console.log(`# kept ${relative(ROOT, run)} for inspection (code-server.log inside)`);
  });

  it('indexes the dataset from the command palette and lists its problems in the Problems panel', async () => {
    await timed('index command + Problems panel', async () => {
      await runCommand(page, 'Video Curator: Index Dataset');
      await page
        .locator('.notifications-toasts')
        .getByText(/Video Curator: 16 samples in 5 annotation files; [1-9]\d* errors?, [1-9]\d* warnings?/)
        .waitFor({ timeout: 60_000 });

      await runCommand(page, 'View: Focus Problems');
      const problems = page.locator('.markers-panel');
      await problems.waitFor({ timeout: 30_000 });
      // One row per problem: a missing video and a grounding window past the clip's end. The tree is
      // virtualised, but a handful of problems in two files fit on screen.
      await problems.getByText('video "videos/interview.mp4" not found', { exact: false }).waitFor();
      await problems.getByText("The window [3, 4.5] ends after the video's 4 s", { exact: false }).waitFor();
      const text = (await problems.textContent()) ?? '';
      for (const expected of ['conversations.json', 'grounding.jsonl'])
        assert.ok(text.includes(expected), `Problems panel lacks ${expected}: ${text.slice(0, 500)}`);
      const badge = await page.locator('.statusbar-item[id="status.problems"]').textContent();
      assert.match(
        badge ?? '',
        /^\s*[1-9]\d*\D+[1-9]\d*\s*$/,
        `status bar problems badge (errors, warnings): ${badge}`,
      );
    });
    succeeded++;
  });

  it('opens the curation board and records an accept pressed on its first row', async () => {
    await timed('board: open + accept', async () => {
      await runCommand(page, 'Video Curator: Open Curation Board');
      const board: FrameLocator = page
        .frameLocator('iframe.webview.ready')
        .frameLocator('iframe#active-frame');
      const firstRow = board.locator('.row[role="option"]').first();
      await firstRow.waitFor({ timeout: 60_000 });
      assert.ok((await board.locator('.row[role="option"]').count()) >= 5, 'board shows the demo rows');
      const sampleId = await firstRow.getAttribute('data-sample-id');
      assert.ok(sampleId, 'rows carry their sample id');

      // Keyboard first, as the board is meant to be used: focus the list, j to the first row, a.
      await board.getByRole('listbox', { name: 'Samples' }).focus();
      await page.keyboard.press('j');
      await board.locator('.row[role="option"][aria-selected="true"]').first().waitFor();
      assert.equal(
        await board
          .locator('.row[role="option"][aria-selected="true"]')
          .first()
          .getAttribute('data-sample-id'),
        sampleId,
        'j selects the first row',
      );
      await page.keyboard.press('a');
      const journal = join(dataset, '.video-curator', 'decisions.jsonl');
      const line = await waitFor('an accept line in decisions.jsonl', 30_000, () => {
        if (!existsSync(journal)) return undefined;
        return readFileSync(journal, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { sampleId: string; verdict: string })
          .find((d) => d.verdict === 'accept');
      });
      assert.equal(line.sampleId, sampleId, 'the accepted sample is the row that was selected');
      await board.locator(`.row[data-sample-id="${cssString(sampleId)}"] .c-verdict.v-accept`).waitFor();
    });
    succeeded++;
  });

  it('analyses the dataset, reviews text_card on the board, applies a quick fix and exports', async () => {
    const board = boardFrame(page);
    const journalStart = readJournal(dataset).length; // the board test above already wrote a line

    await timed('analyze command (ffmpeg + inference worker)', async () => {
      await runCommand(page, 'Video Curator: Analyze Dataset');
      await page
        .locator('.notifications-toasts')
        .getByText(/Video Curator: analysed [1-9]\d* clips and [1-9]\d* samples/)
        .waitFor({ timeout: 180_000 });
      assert.ok(existsSync(join(dataset, '.video-curator', 'results.json')), 'analysis wrote results.json');
    });

    let accepted = '';
    let rejected = '';
    let dialogueId = '';
    await timed('board: filmstrip, TPL reason, dialogues; 1, a, j, r', async () => {
      await runCommand(page, 'Video Curator: Open Curation Board');
      const list = board.getByRole('listbox', { name: 'Samples' });
      await list.waitFor({ timeout: 60_000 });
      // The analysis refreshed the open board: durations appear in the rows.
      await board
        .locator('.row[role="option"] .c-duration', { hasText: /\d/ })
        .first()
        .waitFor({ timeout: 30_000 });

      // `/` to the search box, type, Esc back to the list, j to the first match.
      await list.focus();
      await page.keyboard.press('/');
      await page.keyboard.type('text_card');
      await board.locator('.count', { hasText: /^2 of 16 samples/ }).waitFor({ timeout: 10_000 });
      await page.keyboard.press('Escape');
      await page.keyboard.press('j');
      const selected = board.locator('.row[role="option"][aria-selected="true"]').first();
      await selected.waitFor();
      accepted = (await selected.getAttribute('data-sample-id')) ?? '';
      assert.match(await selected.locator('.c-video').innerText(), /text_card/, 'j selects a text_card row');

      // The detail pane: filmstrip frames (JPEGs from the frame cache, through the webview's
      // resource URIs) with at least one keyframe pick, the TPL absence reason and dialogues.
      const detail = board.locator('section.detail');
      await detail.locator('.filmstrip .frame').first().waitFor({ timeout: 30_000 });
      const keyframes = detail.locator('.filmstrip .frame.keyframe');
      assert.ok((await keyframes.count()) >= 1, 'the filmstrip marks at least one keyframe pick');
      assert.equal(await keyframes.first().locator('.keyframe-mark').innerText(), 'K');
      const image = await waitFor('a filmstrip frame image to load', 15_000, () =>
        keyframes
          .first()
          .locator('img')
          .evaluate((element) => {
            const img = element as unknown as LoadedImage;
            return img.complete && img.naturalWidth > 0
              ? { src: img.src, width: img.naturalWidth }
              : undefined;
          }),
      );
      assert.match(image.src, /vscode-resource|vscode-remote-resource/, `frame src: ${image.src}`);
      assert.match(image.src, /\.video-curator\/cache\//, `frame served from the frame cache: ${image.src}`);
      assert.match(
        await detail.locator('.tpl-section .tpl-reason').innerText(),
        /^no scorer model installed \(/,
        'the TPL section says why there is no TPL',
      );
      const dialogues = detail.locator('ol.dialogues > li.dialogue');
      assert.ok((await dialogues.count()) >= 1, 'the clip has generated dialogues');
      dialogueId = (await dialogues.first().getAttribute('data-dialogue-id')) ?? '';
      assert.ok(dialogueId, 'dialogues carry their id');

      // 1: accept the first generated dialogue; a: accept the sample (the dialogue stays accepted).
      await page.keyboard.press('1');
      await detail.locator(`li.dialogue-accepted[data-dialogue-id="${cssString(dialogueId)}"]`).waitFor();
      await waitFor('the accepted dialogue in decisions.jsonl', 30_000, () =>
        readJournal(dataset)
          .slice(journalStart)
          .find((d) => d.sampleId === accepted && d.acceptedDialogues?.includes(dialogueId)),
      );
      await page.keyboard.press('a');
      await waitFor(`an accept of ${accepted} in decisions.jsonl`, 30_000, () =>
        readJournal(dataset)
          .slice(journalStart)
          .find(
            (d) =>
              d.sampleId === accepted && d.verdict === 'accept' && d.acceptedDialogues?.includes(dialogueId),
          ),
      );
      await board.locator(`.row[data-sample-id="${cssString(accepted)}"] .c-verdict.v-accept`).waitFor();

      // j to the other text_card sample, r.
      await page.keyboard.press('j');
      rejected = await waitFor('j to select the next row', 10_000, async () => {
        const id = await board
          .locator('.row[role="option"][aria-selected="true"]')
          .first()
          .getAttribute('data-sample-id');
        return id && id !== accepted ? id : undefined;
      });
      await page.keyboard.press('r');
      await waitFor(`a reject of ${rejected} in decisions.jsonl`, 30_000, () =>
        readJournal(dataset)
          .slice(journalStart)
          .find((d) => d.sampleId === rejected && d.verdict === 'reject'),
      );
      await board.locator(`.row[data-sample-id="${cssString(rejected)}"] .c-verdict.v-reject`).waitFor();
    });

    let clamped = '';
    await timed('quick fix from the Problems panel', async () => {
      clamped = await applyQuickFixFromProblems(
        page,
        "The window [3, 4.5] ends after the video's 4 s",
        'Clamp timestamps to the video duration',
      );
      const line = await waitFor(`the clamp of ${clamped} in decisions.jsonl`, 30_000, () =>
        readJournal(dataset)
          .slice(journalStart)
          .find((d) => d.sampleId === clamped && d.verdict === 'edit' && d.edits?.windows),
      );
      assert.deepEqual(line.edits?.windows, [{ start: 3, end: 4 }], 'the window is clamped to the 4 s clip');
    });

    await timed('export (LLaVA JSONL)', async () => {
      await runCommand(page, 'Video Curator: Export Curated Dataset…');
      const choice = page.locator('.quick-input-list .monaco-list-row', { hasText: 'LLaVA JSONL' }).first();
      await choice.waitFor({ timeout: 10_000 });
      await choice.click();
      await waitFor('curated.jsonl and its report on disk', 60_000, () =>
        existsSync(`${exportPath(dataset)}.report.json`),
      );
      // The message is in the notification center; its toast may stay hidden while older toasts
      // (the clamp's, which never time out in an unfocused headless window) fill the toast area.
      const exported = readJsonl<LlavaLine>(exportPath(dataset)).length;
      await runCommand(page, 'Notifications: Show Notifications');
      await page
        .locator('.notifications-center')
        .getByText(`Video Curator: exported ${exported} samples.`, { exact: true })
        .waitFor({ timeout: 10_000 });
      await page.keyboard.press('Escape');
    });

    // On disk: the journal holds all four actions; the export holds what the journal decided.
    const journal = readJournal(dataset);
    const ours = journal.slice(journalStart);
    assert.ok(
      ours.some(
        (d) => d.sampleId === accepted && d.verdict === 'accept' && d.acceptedDialogues?.includes(dialogueId),
      ),
    );
    assert.ok(ours.some((d) => d.sampleId === rejected && d.verdict === 'reject'));
    assert.ok(ours.some((d) => d.sampleId === clamped && d.verdict === 'edit'));
    const latest = latestVerdicts(journal);
    assert.equal(latest.get(accepted)?.verdict, 'accept');
    assert.equal(latest.get(rejected)?.verdict, 'reject');
    assert.equal(latest.get(clamped)?.verdict, 'edit');

    const out = exportPath(dataset);
    const records = readJsonl<LlavaLine>(out);
    for (const record of records) {
      const tokens = record.conversations
        .map((c) => c.value.match(/<video>/g)?.length ?? 0)
        .reduce((a, b) => a + b, 0);
      assert.equal(tokens, 1, `${record.id} has exactly one <video> token (has ${tokens})`);
    }
    const byId = new Map(records.map((r) => [r.id, r]));
    assert.ok(!byId.has(rejected), 'the rejected sample is not exported');
    const mine = byId.get(accepted);
    assert.ok(mine, `${accepted} is exported`);
    const turns = generatedDialogue(dataset, dialogueId);
    assert.ok(turns, `results.json holds dialogue ${dialogueId}`);
    assert.deepEqual(
      mine.conversations.slice(-turns.length),
      turns.map((t) => ({ from: t.role, value: t.text.replace(/<video>\s*/g, '') })),
      'the accepted dialogue is appended to the conversation',
    );
    assert.ok(mine.conversations.length > turns.length, 'the original conversation comes first');
    assert.match(mine.video, /(^|\/)videos\/text_card\.mp4$/);
    const edited = byId.get(clamped);
    assert.ok(edited, `${clamped} (edited by the quick fix) is exported`);
    assert.deepEqual(
      edited.conversations.at(-1),
      { from: 'gpt', value: 'From 3 to 4 seconds.' },
      `${clamped}'s answer states the clamped window`,
    );

    const report = JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) as ExportReportFile;
    const kept = [...latest.values()].filter((d) => d.verdict === 'accept' || d.verdict === 'edit');
    assert.deepEqual(report.warnings, [], 'no sample was skipped');
    assert.deepEqual(report.missingDialogues, []);
    assert.deepEqual(
      [...byId.keys()].sort(),
      kept.map((d) => d.sampleId).sort(),
      'the export holds exactly the accepted and edited samples',
    );
    assert.equal(report.exported, records.length);
    assert.deepEqual(report.outputs, [{ path: out, format: 'llava-jsonl', samples: records.length }]);
    const counted = (verdict: string): number =>
      [...latest.values()].filter((d) => d.verdict === verdict).length;
    assert.deepEqual(report.byVerdict, {
      accept: counted('accept'),
      edit: counted('edit'),
      reject: counted('reject'),
      pending: counted('pending'),
      unreviewed: 16 - latest.size,
    });
    console.log(
      `# exported ${records.length} samples (${JSON.stringify(report.byVerdict)}); accepted ${accepted} ` +
        `with dialogue ${dialogueId}, rejected ${rejected}, clamped ${clamped}`,
    );
    succeeded++;
  });

  it('shows a poster image on each analysed row', async () => {
    // Runs after the analysis above; the quick fix left grounding.jsonl in front, so bring the board back.
    await page
      .getByRole('tab', { name: /Curation Board/ })
      .first()
      .click();
    const poster = boardFrame(page).locator('.row[role="option"] img.poster:not([hidden])').first();
    await poster.waitFor({ timeout: 5_000 });
    const src = (await poster.getAttribute('src')) ?? '';
    assert.match(src, /vscode-resource|vscode-remote-resource/, `poster src: ${src}`);
    assert.match(src, /\.video-curator\/cache\//, `poster served from the frame cache: ${src}`);
    await waitFor('the poster to load', 15_000, () =>
      poster.evaluate((element) => {
        const img = element as unknown as LoadedImage;
        return img.complete && img.naturalWidth > 0 ? true : undefined;
      }),
    );
    succeeded++;
  });

  it('passes the mocha suite (test/vscode-suite) run in its extension host as extension tests', async () => {
    await timed('mocha suite in the extension host', async () => {
      // The installed .vsix is the extension under development: the suite tests what ships. Its
      // folder name carries version and target (video-curator.video-curator-0.1.0-linux-x64).
      const installed = readdirSync(join(run, 'extensions')).find((name) =>
        name.startsWith('video-curator.video-curator-'),
      );
      assert.ok(installed, "the .vsix is installed in the run's extensions dir");
      const remote = (path: string): string => `vscode-remote://127.0.0.1:${port}${path}`;
      // The workbench reads VS Code's development options from its URL's payload; when the tests
      // settle it stops the extension host and calls window.codeAutomationExit(code), as test-web uses.
      const payload = [
        ['extensionDevelopmentPath', remote(join(run, 'extensions', installed))],
        ['extensionTestsPath', remote(suiteBundle)],
      ];
      const suitePage = await (context as BrowserContext).newPage();
      const hostLog: string[] = [];
      suitePage.on('console', (message) => hostLog.push(message.text()));
      let exited: (code: number) => void = () => undefined;
      const exitCode = new Promise<number>((resolveExit) => (exited = resolveExit));
      await suitePage.exposeFunction('codeAutomationExit', (code: number) => exited(code));
      try {
        await suitePage.goto(
          `http://127.0.0.1:${port}/?folder=${encodeURIComponent(suiteDataset)}` +
            `&payload=${encodeURIComponent(JSON.stringify(payload))}`,
        );
        let timer: NodeJS.Timeout | undefined;
        const code = await Promise.race([
          exitCode,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`the suite did not finish in 180 s; its log:\n${hostLog.join('\n')}`)),
              180_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        assert.ok(
          existsSync(suiteResults),
          `the suite wrote no results (exit ${code}):\n${hostLog.join('\n')}`,
        );
        const results = JSON.parse(readFileSync(suiteResults, 'utf8')) as SuiteResults;
        console.log(
          `# mocha suite in VS Code ${results.vscodeVersion} (code-server): ${results.passes} passed, ` +
            `${results.failures} failed, ${results.pending} pending in ${(results.durationMs / 1000).toFixed(1)} s`,
        );
        for (const t of results.tests)
          console.log(
            `#   ${t.state === 'passed' ? 'ok' : t.state} ${t.fullTitle}` +
              (t.durationMs === undefined ? '' : ` (${t.durationMs} ms)`),
          );
        const failures = results.tests
          .filter((t) => t.state === 'failed')
          .map((t) => `${t.fullTitle}\n${t.error?.stack ?? t.error?.message ?? ''}`);
        assert.deepEqual(failures, [], `failed in the extension host:\n${failures.join('\n\n')}`);
        assert.equal(results.failures, 0);
        assert.ok(results.passes >= 3, `the suite ran its tests (${results.passes} passed)`);
        assert.equal(code, 0, 'the extension host reports the tests passed');
      } finally {
        await suitePage.close().catch(() => undefined);
      }
    });
    succeeded++;
  });

  // Issue 7 ("Nothing lost") with the real extension host: a window of its own on a fresh copy of the
  // demo, whose extension host (code-server's `--type=extensionHost` child serving that window) is
  // SIGKILLed in the middle of a burst of board verdicts, then in the middle of Analyze Dataset. The
  // workbench restarts a crashed remote extension host by itself (up to 3 times in 5 minutes).
  let crash: { page: Page; tokens: string[] } | undefined;
  const crashWindow = async (): Promise<{ page: Page; tokens: string[] }> => {
    if (crash) return crash;
    const crashPage = await (context as BrowserContext).newPage();
    // The workbench logs each extension host connection it opens with the host's reconnection
    // token; code-server's remoteagent.log pairs that token with the host process it launched.
    const tokens: string[] = [];
    crashPage.on('console', (message) => {
      const token = /renderer-ExtensionHost-([0-9a-f-]{8,})/.exec(message.text())?.[1];
      if (token && !tokens.includes(token)) tokens.push(token);
    });
    await crashPage.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(crashDataset)}`);
    await crashPage.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    crash = { page: crashPage, tokens };
    return crash;
  };
  /** The pid of the crash window's current extension host (its latest connection's). */
  const crashHost = async (): Promise<number> => {
    const { tokens } = await crashWindow();
    return waitFor("the crash window's extension host", 60_000, () => {
      const token = tokens.at(-1);
      const pid = token === undefined ? undefined : launchedHost(join(run, 'user-data', 'logs'), token);
      return pid !== undefined && extensionHosts((server as ChildProcess).pid as number).includes(pid)
        ? pid
        : undefined;
    });
  };
  /**
   * SIGKILLs the crash window's extension host once `busy` (checked just before) says it is doing the
   * work under test; resolves with the host's child processes at the kill once the workbench has
   * started its replacement.
   */
  const killCrashHost = async (
    during: string,
    busy: (host: number) => string | undefined,
  ): Promise<number[]> => {
    const host = await crashHost();
    const notBusy = busy(host);
    assert.equal(notBusy, undefined, `extension host ${host} ${notBusy}`);
    const children = descendants(host);
    process.kill(host, 'SIGKILL');
    const restarted = await timed(`extension host restart after a kill ${during}`, () =>
      waitFor(`the workbench to restart the killed extension host ${host}`, 60_000, async () => {
        const pid = await crashHost();
        return pid !== host ? pid : undefined;
      }),
    );
    assert.ok(!isAlive(host), `the killed extension host ${host} is gone (replaced by ${restarted})`);
    return children;
  };

  it('keeps every acknowledged board verdict when its extension host is SIGKILLed mid-burst', async () => {
    const { page: crashPage } = await crashWindow();
    const journal = journalPath(crashDataset);
    assert.equal(existsSync(journal), false, 'the crash copy starts with no decisions');

    let acked: Map<string, string> = new Map();
    let pressed = 0;
    await timed('kill mid-burst: board verdicts', async () => {
      await runCommand(crashPage, 'Video Curator: Open Curation Board');
      const board = boardFrame(crashPage);
      await board.locator('.row[role="option"]').first().waitFor({ timeout: 60_000 });
      const document = await boardDocument(crashPage);
      await recordAcks(document);

      // j + a (or r on every third row) down the list, without waiting for the host between keys;
      // the host is killed as soon as four verdicts are acknowledged, with more keys still coming.
      await board.getByRole('listbox', { name: 'Samples' }).focus();
      let stop = false;
      const burst = (async () => {
        for (let row = 0; row < 16 && !stop; row++) {
          await crashPage.keyboard.press('j');
          await crashPage.keyboard.press(row % 3 === 2 ? 'r' : 'a');
          pressed++;
          // A short pause per row: a decision now costs ~1 ms, and an unpaced burst could finish
          // before the kill lands, which would prove nothing about a kill mid-burst.
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
      })();
      // Polled without a pause: the burst takes about 2.5 s.
      const deadline = Date.now() + 60_000;
      while ((await readAcks(document)).size < 3)
        assert.ok(Date.now() < deadline, 'three verdicts acknowledged within 60 s');
      await killCrashHost('mid-burst', (host) =>
        openFiles(host).includes(journal) ? undefined : `does not hold ${journal} open: not the writer`,
      );
      stop = true;
      await burst;
      // Every rowsUpdated the webview got was posted by the host after the journal's record() returned.
      acked = await readAcks(document);
    });
    assert.ok(acked.size >= 3, `at least three verdicts were acknowledged before the kill (${acked.size})`);
    assert.ok(
      acked.size < pressed,
      `killed mid-burst: ${acked.size} of ${pressed} keyed verdicts acknowledged`,
    );

    const raw = readFileSync(journal, 'utf8');
    assert.ok(raw.endsWith('\n'), 'the journal ends with a whole line');
    const lines = readJournal(crashDataset); // every line parses
    const latest = latestVerdicts(lines);
    for (const [sampleId, verdict] of acked)
      assert.equal(
        latest.get(sampleId)?.verdict,
        verdict,
        `acknowledged ${verdict} of ${sampleId} is in the journal`,
      );
    console.log(
      `# extension host killed after ${acked.size} acknowledged verdicts (${pressed} keyed); ` +
        `the journal holds ${lines.length} lines`,
    );

    await timed('restarted extension host: board + one more verdict', async () => {
      // The old panel belonged to the dead host; the restarted one opens its own from the journal.
      await runCommand(crashPage, 'View: Close All Editors');
      await runCommand(crashPage, 'Video Curator: Open Curation Board');
      const board = boardFrame(crashPage);
      for (const [sampleId, verdict] of acked)
        await board
          .locator(`.row[data-sample-id="${cssString(sampleId)}"] .c-verdict.v-${verdict}`)
          .waitFor({ timeout: 60_000 });
      const document = await boardDocument(crashPage);
      await recordAcks(document);
      await board.getByRole('listbox', { name: 'Samples' }).focus();
      await crashPage.keyboard.press('j');
      await crashPage.keyboard.press('r');
      const [[sampleId, verdict]] = await waitFor(
        'the restarted host to acknowledge a verdict',
        30_000,
        async () => {
          const acks = await readAcks(document);
          return acks.size > 0 ? [...acks] : undefined;
        },
      );
      assert.equal(verdict, 'reject');
      const after = readJournal(crashDataset);
      assert.ok(after.length > lines.length, 'the restarted host appended to the same journal');
      assert.deepEqual(after.slice(0, lines.length), lines, 'lines written before the kill are unchanged');
      const last = after.at(-1);
      assert.equal(last?.sampleId, sampleId);
      assert.equal(last?.verdict, 'reject');
      const earlier = lines.filter((l) => l.sampleId === sampleId).map((l) => l.rev);
      assert.ok(
        earlier.every((rev) => (last?.rev ?? 0) > rev),
        `its revision (${last?.rev}) follows the ones before the kill (${earlier.join(', ')})`,
      );
    });
    succeeded++;
  });

  it('resumes Analyze Dataset from the cache after its extension host is SIGKILLed mid-run', async () => {
    const { page: crashPage } = await crashWindow();
    const entriesDir = join(crashDataset, '.video-curator', 'cache', 'clip-analysis');
    const resultsFile = join(crashDataset, '.video-curator', 'results.json');
    assert.equal(clipEntries(entriesDir).size, 0, 'the crash copy has never been analysed');

    let atKill = new Map<string, { ino: number; sha256: string }>();
    let children: number[] = [];
    await timed('kill mid-analysis', async () => {
      await runCommand(crashPage, 'Video Curator: Analyze Dataset');
      // Polled every 25 ms: a clip takes about a second, and the kill must land before the last one.
      const deadline = Date.now() + 240_000;
      while ((atKill = clipEntries(entriesDir)).size === 0) {
        assert.ok(Date.now() < deadline, 'a finished clip in the analysis cache within 240 s');
        await new Promise((r) => setTimeout(r, 25));
      }
      children = await killCrashHost('mid-analysis', (host) => {
        const tree = processTree();
        return descendants(host).some((pid) => tree.get(pid)?.args.includes('inferenceWorker'))
          ? undefined
          : 'runs no inference worker: not the analysing host';
      });
    });
    assert.equal(existsSync(resultsFile), false, 'the run was killed before it wrote results.json');
    const videos = readdirSync(join(crashDataset, 'videos')).filter(
      (name) => name.endsWith('.mp4') && !name.includes('.partial.') && name !== 'broken_upload.mp4',
    );
    assert.ok(atKill.size < videos.length, `killed mid-run: ${atKill.size} of ${videos.length} clips cached`);
    // The inference worker (and any ffmpeg) the killed host had started must not outlive it.
    await waitFor(`the killed host's child processes (${children.join(', ')}) to exit`, 30_000, () =>
      children.every((pid) => !isAlive(pid)),
    );

    const started = Date.now();
    await timed('analysis after the restart', async () => {
      await runCommand(crashPage, 'Video Curator: Analyze Dataset');
      await crashPage
        .locator('.notifications-toasts')
        .getByText(/Video Curator: analysed [1-9]\d* clips and [1-9]\d* samples/)
        .waitFor({ timeout: 240_000 });
    });

    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      clips: { video: string }[];
      samples: { sampleId: string }[];
      failures: { video: string }[];
      dataset: { clips: number; samples: number };
    };
    const base = (path: string): string => path.split(/[\\/]/).pop() ?? path;
    assert.deepEqual(
      results.clips.map((c) => base(c.video)).sort(),
      [...videos].sort(),
      'every clip analysed',
    );
    assert.deepEqual(
      results.failures.map((f) => base(f.video)),
      ['broken_upload.mp4'],
    );
    assert.equal(results.dataset.clips, results.clips.length);
    assert.equal(results.samples.length, results.dataset.samples);
    assert.ok(results.samples.length > 0);
    // Reused, not redone: an entry written again (temp + rename) would have a new inode and other
    // timings inside. (A cache hit only touches its mtime, for the size cap's LRU.)
    const now = clipEntries(entriesDir);
    for (const [entry, before] of atKill)
      assert.deepEqual(now.get(entry), before, `cache entry ${entry} from before the kill is untouched`);
    assert.equal(now.size, results.clips.length, 'one cache entry per clip');
    // The extension's own count ("[analysis] …" in its output channel, which VS Code writes to a file).
    const counts = await waitFor('the analysis counts in the Video Curator output log', 30_000, () => {
      const logs = outputLogs(join(run, 'user-data', 'logs'), 'Video Curator').filter(
        (file) => statSync(file).mtimeMs >= started - 1_000,
      );
      const line = logs
        .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
        .filter((l) => l.includes('[analysis]'))
        .at(-1);
      const match = /\[analysis\] (\d+) clips: (\d+) reused from the cache, (\d+) analysed/.exec(line ?? '');
      return match
        ? { clips: Number(match[1]), reused: Number(match[2]), analysed: Number(match[3]) }
        : undefined;
    });
    assert.equal(counts.clips, results.clips.length);
    assert.ok(
      counts.reused >= atKill.size,
      `the re-run reused the ${atKill.size} clips finished before the kill (reused ${counts.reused})`,
    );
    assert.equal(counts.reused + counts.analysed, results.clips.length);
    console.log(
      `# analysis killed with ${atKill.size} of ${videos.length} clips cached; after the restart ` +
        `${counts.reused} reused, ${counts.analysed} analysed; ${children.length} child processes of the host exited`,
    );
    succeeded++;
  });
});

/** Runs a command from the palette; retries because it lists only commands registered when it opens. */
async function runCommand(page: Page, title: string): Promise<void> {
  await waitFor(`"${title}" in the command palette`, 60_000, async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 3_000 });
    } catch {
      await page.keyboard.press('Escape');
      return false;
    }
    await page.keyboard.press('Enter');
    return true;
  });
}

/** What the tests read of an <img> in the page (this config has no DOM types). */
interface LoadedImage {
  src: string;
  complete: boolean;
  naturalWidth: number;
}

/** The board's document: webviews sit two iframes deep (the host's frame, then the content's). */
function boardFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/**
 * Applies a quick fix the way a user does from the Problems panel: focus the problem's row, Ctrl+.,
 * pick the fix from the menu. Returns the sample id the problem is about (read from the menu's
 * "Reject sample <id>" entry, which the same provider offers on every problem).
 */
async function applyQuickFixFromProblems(page: Page, problem: string, fix: string): Promise<string> {
  await runCommand(page, 'View: Focus Problems');
  const row = page.locator('.markers-panel .monaco-list-row', { hasText: problem }).first();
  await row.waitFor({ timeout: 30_000 });
  const menu = page.locator('.context-view .monaco-menu');
  // Quick fixes come from the code action provider, which needs the file's model: the first
  // attempt may find none until the click has opened the file. Retry until the menu lists the fix.
  await waitFor(`"${fix}" in the quick fix menu of "${problem}"`, 30_000, async () => {
    await row.click();
    await page.keyboard.press('Control+Period');
    try {
      await menu.getByText(fix, { exact: true }).waitFor({ timeout: 3_000 });
      return true;
    } catch {
      await page.keyboard.press('Escape');
      return false;
    }
  });
  const items = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim());
  const reject = items.map((t) => /^Reject sample (\S+)$/.exec(t)?.[1]).find(Boolean);
  assert.ok(reject, `the quick fix menu offers "Reject sample <id>": ${JSON.stringify(items)}`);
  // Hover focuses the entry, Enter runs it (a click can land while the menu is still settling
  // and be dropped); the focused entry is checked first so Enter cannot run a neighbour.
  await waitFor(`"${fix}" to run from the menu`, 15_000, async () => {
    if (!(await menu.isVisible())) return true;
    await menu.getByText(fix, { exact: true }).hover();
    const focused = menu.locator('.action-item.focused');
    if ((await focused.innerText({ timeout: 2_000 }).catch(() => '')).trim() !== fix) return false;
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
    return !(await menu.isVisible());
  });
  return reject;
}

/** The board's document as a Frame (for evaluate); the board must be the window's only webview. */
async function boardDocument(page: Page): Promise<Frame> {
  const outer = await (
    await page.locator('iframe.webview.ready').elementHandle({ timeout: 60_000 })
  )?.contentFrame();
  assert.ok(outer, "the board's host frame");
  const inner = await (
    await outer.locator('iframe#active-frame').elementHandle({ timeout: 60_000 })
  )?.contentFrame();
  assert.ok(inner, "the board's content frame");
  return inner;
}

/**
 * Logs, in the board's document, each row verdict the host posts (`rowsUpdated`): the host sends it
 * for a verdict only after the journal's record() returned, so it is the board's acknowledgement.
 */
async function recordAcks(document: Frame): Promise<void> {
  await document.evaluate(() => {
    const scope = globalThis as unknown as {
      boardAcks?: [string, number][];
      addEventListener: (type: string, listener: (event: { data: unknown }) => void) => void;
    };
    scope.boardAcks = [];
    scope.addEventListener('message', (event) => {
      const data = event.data as { type?: string; rows?: { id: string[]; verdict: number[] } };
      if (data?.type !== 'rowsUpdated' || !data.rows) return;
      for (const [i, id] of data.rows.id.entries()) scope.boardAcks?.push([id, data.rows.verdict[i]]);
    });
  });
}

/** Each sample's last acknowledged verdict (rows without one are left out). */
async function readAcks(document: Frame): Promise<Map<string, string>> {
  const acks = await document.evaluate(
    () => (globalThis as unknown as { boardAcks?: [string, number][] }).boardAcks ?? [],
  );
  const latest = new Map<string, string>();
  for (const [id, verdict] of acks) {
    const name = ROW_VERDICTS[verdict];
    if (name && name !== 'pending') latest.set(id, name);
  }
  return latest;
}

/** Every process: pid → parent pid, command line, zombie or not (from /proc). */
function processTree(): Map<number, { parent: number; args: string; zombie: boolean }> {
  const found = new Map<number, { parent: number; args: string; zombie: boolean }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      found.set(Number(name), { parent: Number(fields[1]), args, zombie: fields[0] === 'Z' });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Pids of every live process descending from `root`. */
function descendants(root: number): number[] {
  const tree = processTree();
  const ours = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { parent }] of tree)
      if (!ours.has(pid) && ours.has(parent)) {
        ours.add(pid);
        grew = true;
      }
  }
  ours.delete(root);
  return [...ours].filter((pid) => !tree.get(pid)?.zombie);
}

/** code-server's extension hosts (one per window): its node children started with --type=extensionHost. */
function extensionHosts(serverPid: number): number[] {
  const tree = processTree();
  return descendants(serverPid).filter((pid) => / --type=extensionHost( |$)/.test(tree.get(pid)?.args ?? ''));
}

/** The pid code-server's remoteagent.log says it launched for the extension host connection `token`. */
function launchedHost(logsDir: string, token: string): number | undefined {
  const marker = `[${token.slice(0, 8)}][ExtensionHostConnection] <`;
  let pid: number | undefined;
  for (const session of existsSync(logsDir) ? readdirSync(logsDir) : []) {
    const log = join(logsDir, session, 'remoteagent.log');
    if (!existsSync(log)) continue;
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const at = line.indexOf(marker);
      const launched =
        at < 0 ? null : /^(\d+)> Launched Extension Host Process/.exec(line.slice(at + marker.length));
      if (launched) pid = Number(launched[1]);
    }
  }
  return pid;
}

/** The files a process holds open (from /proc/<pid>/fd). */
function openFiles(pid: number): string[] {
  const files: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      files.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return files;
}

/** Running (a zombie, or a pid that is gone, is not). */
function isAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Clip-analysis cache entries on disk: relative path → inode and content hash. */
function clipEntries(dir: string): Map<string, { ino: number; sha256: string }> {
  const found = new Map<string, { ino: number; sha256: string }>();
  for (const shard of existsSync(dir) ? readdirSync(dir) : []) {
    if (shard.startsWith('.')) continue;
    for (const name of readdirSync(join(dir, shard))) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      try {
        const path = join(dir, shard, name);
        const { ino } = statSync(path);
        found.set(join(shard, name), {
          ino,
          sha256: createHash('sha256').update(readFileSync(path)).digest('hex'),
        });
      } catch {
        // removed meanwhile
      }
    }
  }
  return found;
}

/** The files VS Code writes an extension's output channel to (logs/<session>/exthostN/output_logging_<time>/). */
function outputLogs(logsDir: string, channel: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (depth < 4) walk(path, depth + 1);
      } else if (name.endsWith(`-${channel}.log`)) found.push(path);
    }
  };
  walk(logsDir, 0);
  return found;
}

/** Reuses the test's .vsix while the built files and manifest it came from are unchanged. */
function freshVsix(tools: Tools): void {
  runChecked(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
  const hash = createHash('sha256');
  const add = (path: string): void => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path).sort()) add(join(path, name));
    else hash.update(relative(ROOT, path)).update(readFileSync(path));
  };
  for (const input of [
    'dist',
    'media',
    'models',
    'docs',
    'package.json',
    'package-lock.json',
    '.vscodeignore',
  ])
    add(join(ROOT, input));
  const inputs = hash.digest('hex');
  if (existsSync(VSIX) && existsSync(VSIX_INPUTS) && readFileSync(VSIX_INPUTS, 'utf8') === inputs) return;
  rmSync(VSIX_INPUTS, { force: true });
  tools.packageExtension({ out: VSIX, build: false });
  writeFileSync(VSIX_INPUTS, inputs);
}

function runChecked(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.status !== 0)
    throw new Error(
      `${[command, ...args].join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}`,
    );
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T> | T,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(port));
    });
  });
}

/** SIGTERM to the whole process group, SIGKILL if anything is left after 5 s. */
async function killGroup(child: ChildProcess): Promise<void> {
  const group = -(child.pid as number);
  const alive = (): boolean => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(group, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(group, 'SIGKILL');
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').slice(-2000) : '(no log)';
}

function cssString(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}

/** Peak proportional set size (PSS) of every process descending from this one, sampled each 500 ms. */
class MemorySampler {
  peak = 0;
  private readonly timer = setInterval(() => this.sample(), 500);

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const parents = new Map<number, number>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // exited meanwhile
      }
    }
    const ours = new Set([process.pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, parent] of parents)
        if (!ours.has(pid) && ours.has(parent)) {
          ours.add(pid);
          grew = true;
        }
    }
    ours.delete(process.pid);
    let total = 0;
    for (const pid of ours) {
      try {
        const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
        total += Number(match?.[1] ?? 0) * 1024;
      } catch {
        // exited meanwhile
      }
    }
    this.peak = Math.max(this.peak, total);
  }
}
