// Bundles the curation board (webview/src/main.ts) for the browser: one IIFE script, the
// @vscode/webview-ui-toolkit components inlined (nothing to copy), plus media/board.css beside it.
// Usage: node scripts/buildWebview.mjs [--outdir DIR] [--watch]   (default outdir: dist/webview)
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const at = args.indexOf('--outdir');
const outdir = at >= 0 ? args[at + 1] : 'dist/webview';

const options = {
  entryPoints: ['webview/src/main.ts'],
  outfile: join(outdir, 'board.js'),
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  sourcemap: true,
  minify: !args.includes('--watch'),
  logLevel: 'warning',
  tsconfig: 'webview/tsconfig.json',
};

mkdirSync(outdir, { recursive: true });
copyFileSync('media/board.css', join(outdir, 'board.css'));
if (args.includes('--watch')) await (await context(options)).watch();
else await build(options);
