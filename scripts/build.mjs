// Bundles the extension host entry and the CLI with esbuild. `--watch` rebuilds on change.
import { build, context } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Optional ffmpeg/ffprobe packages locate their binary relative to their own files, so they must be
  // required from node_modules at run time, not inlined into the bundle.
  // Native and model-runtime packages load their own binaries and files: keep them in node_modules.
  external: [
    '@ffmpeg-installer/*',
    '@ffprobe-installer/*',
    'onnxruntime-node',
    '@huggingface/transformers',
    'sharp',
  ],
};

const targets = [
  {
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: [...common.external, 'vscode'],
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  },
  // The inference worker runs in its own process (see src/core/inference/inferenceRuntime.ts).
  {
    ...common,
    entryPoints: ['src/core/inference/worker/inferenceWorker.ts'],
    outfile: 'dist/inferenceWorker.js',
  },
];

if (process.argv.includes('--watch')) {
  for (const options of targets) await (await context(options)).watch();
} else {
  await Promise.all(targets.map((options) => build(options)));
}
await import('./buildWebview.mjs'); // board webview → dist/webview/board.js (+ board.css)
