// Installs code-server (real VS Code's workbench + extension host, served to a browser) into
// .tools/code-server on demand, for the real-VS Code tests. Idempotent: a finished install is reused.
// See ../shared/TOOLCHAIN.md ("Real VS Code for tests: code-server") for why each step exists.
//   node scripts/codeServer.mjs          install if missing, print the binary's path
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3'; // newest release whose engines.node is 20
const RIPGREP_PACKAGE_VERSION = '1.15.11'; // @vscode/ripgrep that code-server 4.100.3 depends on
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOL_DIR = join(ROOT, '.tools', 'code-server');
const PACKAGE_DIR = join(TOOL_DIR, 'node_modules', 'code-server');
export const CODE_SERVER_BIN = join(PACKAGE_DIR, 'out', 'node', 'entry.js');

/** The installed code-server's entry script, or undefined when it is not (fully) installed. */
export function installedCodeServer() {
  try {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
    // Its postinstall installs VS Code's own dependencies, then links lib/vscode/node_modules.asar;
    // without that link the postinstall did not finish (or npm skipped it): the install is partial.
    if (
      pkg.version === CODE_SERVER_VERSION &&
      existsSync(join(PACKAGE_DIR, 'lib', 'vscode', 'node_modules.asar'))
    )
      return CODE_SERVER_BIN;
  } catch {
    // not installed
  }
  return undefined;
}

/**
 * Installs code-server if needed and returns the path of its entry script (run it with `node`).
 * Throws an Error whose message says why it cannot be installed here.
 */
export function ensureCodeServer({ log = (line) => console.error(line) } = {}) {
  const existing = installedCodeServer();
  if (existing) return existing;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `code-server tests are set up for linux-x64 only (this is ${process.platform}-${process.arch})`,
    );
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor !== 20)
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} needs Node 20; this is Node ${process.versions.node}`,
    );

  const started = Date.now();
  ensureAptPackages(log);

  // @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the asset;
  // a private TMPDIR makes the cache location ours and keeps /tmp clean.
  const tmp = join(TOOL_DIR, 'tmp');
  const cache = join(tmp, `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  mkdirSync(cache, { recursive: true });
  const asset = join(cache, RIPGREP_ASSET);
  if (!existsSync(asset)) {
    const rg = which('rg');
    if (!rg) throw new Error('ripgrep (rg) is not on PATH after installing it');
    const staging = join(tmp, 'rg-staging');
    mkdirSync(staging, { recursive: true });
    copyFileSync(rg, join(staging, 'rg'));
    run('tar', ['-czf', asset, '-C', staging, 'rg'], {}, 'packing rg for the ripgrep cache');
    rmSync(staging, { recursive: true, force: true });
  }

  log(`installing code-server@${CODE_SERVER_VERSION} into ${TOOL_DIR} (about a minute, ~300 MB)`);
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefix', TOOL_DIR, `code-server@${CODE_SERVER_VERSION}`],
    {
      // Root installs skip lifecycle scripts' permission drop only with unsafe-perm; yes answers npx.
      npm_config_unsafe_perm: 'true',
      npm_config_yes: 'true',
      TMPDIR: tmp,
    },
    `npm install code-server@${CODE_SERVER_VERSION}`,
  );
  const installed = installedCodeServer();
  if (!installed)
    throw new Error(
      `code-server@${CODE_SERVER_VERSION} installed but its postinstall did not finish (no ` +
        'lib/vscode/node_modules.asar); were install scripts blocked (npm allow-scripts, ignore-scripts)?',
    );
  log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}

function ensureAptPackages(log) {
  const missing = [];
  if (!dpkgInstalled('libkrb5-dev')) missing.push('libkrb5-dev'); // the kerberos module compiles against it
  if (!which('rg')) missing.push('ripgrep');
  if (missing.length === 0) return;
  if (!which('apt-get')) throw new Error(`missing ${missing.join(', ')} and no apt-get to install them`);
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !which('sudo'))
    throw new Error(`missing ${missing.join(', ')}; not root and no sudo to install them`);
  const apt = (args) => {
    const [cmd, argv] = asRoot ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
    return spawnSync(cmd, argv, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status;
  };
  log(`apt-get install ${missing.join(' ')}`);
  const install = ['install', '-y', '--no-install-recommends', ...missing];
  if (apt(install) === 0) return;
  // Stale package lists are the usual reason; refresh once and retry.
  if (apt(['update']) !== 0 || apt(install) !== 0)
    throw new Error(`apt-get install ${missing.join(' ')} failed (see the output above)`);
}

function dpkgInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function run(cmd, args, env, what) {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status ?? r.signal}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureCodeServer());
  } catch (error) {
    console.error(`code-server: ${error.message}`);
    process.exit(1);
  }
}
