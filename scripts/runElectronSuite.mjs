// Runs the real-VS Code mocha suite (test/vscode-suite) in a desktop VS Code with @vscode/test-electron,
// on a fresh copy of the demo dataset. test-electron cannot download VS Code here, so it is given one:
//   VSCODE_EXECUTABLE=/path/to/code npm run test:vscode:electron
// (Linux: /usr/share/code/code; macOS: "/Applications/Visual Studio Code.app/Contents/MacOS/Electron";
// Windows: "%LOCALAPPDATA%\Programs\Microsoft VS Code\Code.exe"). Without it the run is skipped, with
// a message, and exits 0. CI runs the same suite in code-server's extension host instead
// (test/integration/codeServer.test.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVscodeSuite } from './build-vscode-suite.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const executable = process.env.VSCODE_EXECUTABLE;
if (!executable) {
  console.log(
    'test:vscode:electron skipped: no desktop VS Code given. Set VSCODE_EXECUTABLE to its executable ' +
      '(@vscode/test-electron cannot download one here). CI runs this suite in code-server: npm run test:vscode.',
  );
  process.exit(0);
}
if (!existsSync(executable)) {
  console.error(`test:vscode:electron: VSCODE_EXECUTABLE=${executable} does not exist`);
  process.exit(1);
}

// Loaded only when there is a VS Code to run: the skip above needs no dev dependencies.
const { runTests } = (await import('@vscode/test-electron')).default;

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'video-curator-electron-'));
const dataset = join(work, 'demo');
const results = join(work, 'results.json');
let code = 1;
try {
  run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], 'build');
  run(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'demo', dataset], 'demo dataset (needs ffmpeg)');
  const suite = await buildVscodeSuite();
  mkdirSync(join(work, 'user-data'), { recursive: true });
  code = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: suite,
    extensionTestsEnv: { VIDEO_CURATOR_TEST_RESULTS: results },
    // test-electron adds --disable-workspace-trust, --skip-welcome, --skip-release-notes itself.
    launchArgs: [
      dataset,
      '--disable-extensions', // other installed extensions; the one under development still loads
      '--user-data-dir',
      join(work, 'user-data'),
      '--extensions-dir',
      join(work, 'extensions'),
    ],
  }).catch((error) => {
    console.error(`test:vscode:electron: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  });
  if (existsSync(results)) {
    const r = JSON.parse(readFileSync(results, 'utf8'));
    console.log(
      `mocha suite in VS Code ${r.vscodeVersion}: ${r.passes} passed, ${r.failures} failed, ` +
        `${r.pending} pending (${((Date.now() - started) / 1000).toFixed(1)} s in all)`,
    );
    for (const t of r.tests.filter((t) => t.state === 'failed'))
      console.error(`FAILED ${t.fullTitle}\n${t.error?.stack ?? t.error?.message ?? ''}`);
    if (r.failures > 0 || r.passes === 0) code = code || 1;
  } else {
    console.error(`test:vscode:electron: the suite wrote no results to ${results}`);
    code = code || 1;
  }
} finally {
  if (code === 0) rmSync(work, { recursive: true, force: true });
  else console.error(`test:vscode:electron: kept ${work} for inspection`);
}
process.exit(code);

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`test:vscode:electron: ${what} failed (${r.error?.message ?? r.status ?? r.signal})`);
    process.exit(1);
  }
}
