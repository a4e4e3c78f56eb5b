// Builds the extension and packs it as a linux-x64 .vsix with @vscode/vsce (what goes in: .vscodeignore).
//   node scripts/package.mjs [--out FILE] [--no-build]      (default out: build/<name>-<version>.vsix)
// vsce lives in its own tool folder (.tools/vsce), installed on first use, not in devDependencies: it
// pulls ~250 packages that only packaging needs, and keeping them out of the project's lockfile keeps
// `npm ci` (set-up and CI) lean. 3.9.2 is the newest vsce that runs on Node 20 (4.x needs Node 22).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VSCE_VERSION = '3.9.2';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VSCE_DIR = join(ROOT, '.tools', 'vsce');
const VSCE_PACKAGE = join(VSCE_DIR, 'node_modules', '@vscode', 'vsce');

/** Installs vsce into .tools/vsce unless that exact version is there; returns its CLI script. */
export function ensureVsce({ log = (line) => console.error(line) } = {}) {
  const cli = join(VSCE_PACKAGE, 'vsce');
  try {
    if (JSON.parse(readFileSync(join(VSCE_PACKAGE, 'package.json'), 'utf8')).version === VSCE_VERSION)
      return cli;
  } catch {
    // not installed yet
  }
  log(`installing @vscode/vsce@${VSCE_VERSION} into ${relative(ROOT, VSCE_DIR)}`);
  // --omit=optional: keytar and vsce-sign's platform binaries are for publishing and signing only.
  run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--omit=optional',
    '--prefix',
    VSCE_DIR,
    `@vscode/vsce@${VSCE_VERSION}`,
  ]);
  return cli;
}

/** Builds (unless build is false) and packages; returns the .vsix path. */
export function packageExtension({ out, build = true, log = (line) => console.error(line) } = {}) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const vsix = resolve(ROOT, out ?? join('build', `${manifest.name}-${manifest.version}.vsix`));
  const vsce = ensureVsce({ log });
  if (build) run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')]);
  mkdirSync(dirname(vsix), { recursive: true });
  const started = Date.now();
  run(process.execPath, [
    vsce,
    'package',
    '--out',
    vsix,
    // Only linux-x64 native binaries are kept (.vscodeignore), so say so in the package.
    '--target',
    'linux-x64',
    '--no-yarn',
    '--allow-missing-repository', // private extension: no repository to link to
    '--skip-license', // license is stated in package.json and NOTICE; no LICENSE file
    '--no-rewrite-relative-links', // README links stay relative (docs/ ships in the package)
    '--no-update-package-json',
  ]);
  const mb = (statSync(vsix).size / 1e6).toFixed(1);
  log(`packaged ${relative(ROOT, vsix)} (${mb} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return vsix;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${[cmd, ...args].join(' ')} exited with ${r.status ?? r.signal}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  try {
    console.log(
      packageExtension({ out: at >= 0 ? args[at + 1] : undefined, build: !args.includes('--no-build') }),
    );
  } catch (error) {
    console.error(`package: ${error.message}`);
    process.exit(1);
  }
}
