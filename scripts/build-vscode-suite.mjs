// Bundles the real-VS Code mocha suite (test/vscode-suite) into out/vscode-suite/index.js, the
// extensionTestsPath for @vscode/test-electron (scripts/runElectronSuite.mjs) and for code-server
// (test/integration/codeServer.test.ts). `vscode` is the extension host's and mocha is loaded from
// node_modules. out/ is already ignored by git, eslint, prettier and .vscodeignore: never shipped.
//   node scripts/build-vscode-suite.mjs        prints the bundle's path
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const VSCODE_SUITE_BUNDLE = join(ROOT, 'out', 'vscode-suite', 'index.js');

/** Builds the suite bundle; returns its path. */
export async function buildVscodeSuite() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['test/vscode-suite/index.ts'],
    outfile: VSCODE_SUITE_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline', // stack traces in failures point into the .ts files
    logLevel: 'warning',
    external: ['vscode', 'mocha'],
  });
  return VSCODE_SUITE_BUNDLE;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await buildVscodeSuite());
}
