// The inference worker: a child process that owns onnxruntime. It answers the host's run requests
// one at a time (session.run blocks its thread, which is why this is not the host), checks for
// cancellation between batches, and reports the provider it runs on.
// A child process rather than a worker_thread: a native abort in onnxruntime then takes down only
// this process, which the host restarts, instead of the whole extension host.
import * as ort from 'onnxruntime-node';
import { INFERENCE_PROTOCOL_VERSION } from '../../../protocol/inference';
import type {
  ExecutionProvider,
  HostMessage,
  RuntimeStatus,
  WorkerMessage,
} from '../../../protocol/inference';
import { explainProviderFailure, ortProviderName, selectProvider } from './deviceSelection';
import type { TaskContext } from './taskContext';
import { TASK_HANDLERS } from './taskRegistry';

type RunMessage = Extract<HostMessage, { type: 'run' }>;

class CancelledError extends Error {
  override readonly name = 'CancelledError';
}

let status: RuntimeStatus | undefined;
let batchSize = 8;
const sessions = new Map<string, Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }>>();
const modelPaths = new Map<string, string>();
const queue: RunMessage[] = [];
const cancelled = new Set<number>();
let running: number | undefined;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** Creates a session on the runtime's provider; a model that provider cannot run falls back to CPU. */
async function createSession(
  path: string,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  const provider = status?.provider ?? 'cpu';
  // No spin-waiting between runs: the worker shares the CPU with ffmpeg and the host, and spinning
  // intra-op threads doubled its CPU time and halved its speed on a busy 2-core machine (measured).
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  if (provider !== 'cpu') {
    try {
      return {
        session: await ort.InferenceSession.create(path, {
          ...options,
          executionProviders: [ortProviderName(provider)],
        }),
        provider,
      };
    } catch (error) {
      process.stderr.write(
        `${path}: ${provider} failed (${explainProviderFailure(provider, error)}), using CPU for this model\n`,
      );
    }
  }
  return {
    session: await ort.InferenceSession.create(path, { ...options, executionProviders: ['cpu'] }),
    provider: 'cpu',
  };
}

function context(message: RunMessage, providerUsed: { value: ExecutionProvider }): TaskContext {
  return {
    ort,
    provider: status?.provider ?? 'cpu',
    batchSize,
    async session(path) {
      let pending = sessions.get(path);
      if (!pending) {
        pending = createSession(path);
        sessions.set(path, pending);
        pending.catch(() => sessions.delete(path));
      }
      const { session, provider } = await pending;
      providerUsed.value = provider;
      return session;
    },
    modelPath(id) {
      const path = modelPaths.get(id);
      if (!path) throw new Error(`model ${id} has no resolved path`);
      return path;
    },
    checkCancelled() {
      if (cancelled.has(message.id)) throw new CancelledError('cancelled');
    },
  };
}

async function drain(): Promise<void> {
  while (running === undefined && queue.length > 0) {
    const message = queue.shift()!;
    if (cancelled.delete(message.id)) {
      send({ type: 'error', id: message.id, message: 'cancelled', code: 'cancelled' });
      continue;
    }
    running = message.id;
    const started = performance.now();
    const providerUsed = { value: status?.provider ?? ('cpu' as ExecutionProvider) };
    try {
      // Own keys only: a task named 'constructor' or 'toString' must not reach Object's members.
      const handler = (
        Object.hasOwn(TASK_HANDLERS, message.task) ? TASK_HANDLERS[message.task] : undefined
      ) as ((input: unknown, model: string, ctx: TaskContext) => Promise<unknown>) | undefined;
      if (!handler) throw Object.assign(new Error(`unknown task ${message.task}`), { code: 'bad-input' });
      modelPaths.set(message.model, message.modelPath);
      const output = await handler(message.input, message.model, context(message, providerUsed));
      send({
        type: 'result',
        id: message.id,
        output,
        provider: providerUsed.value,
        ms: performance.now() - started,
      });
    } catch (error) {
      const code =
        error instanceof CancelledError
          ? 'cancelled'
          : (error as { code?: string }).code === 'bad-input'
            ? 'bad-input'
            : 'failed';
      send({ type: 'error', id: message.id, message: (error as Error).message ?? String(error), code });
    } finally {
      cancelled.delete(message.id);
      running = undefined;
    }
  }
}

process.on('message', (message: HostMessage) => {
  switch (message.type) {
    case 'init':
      batchSize = message.batchSize;
      void selectProvider(ort, message.device).then((selected) => {
        status = selected;
        send({ type: 'ready', version: INFERENCE_PROTOCOL_VERSION, status: selected });
      });
      break;
    case 'run':
      queue.push(message);
      void drain();
      break;
    case 'cancel':
      if (running === message.id || queue.some((m) => m.id === message.id)) cancelled.add(message.id);
      break;
    case 'shutdown':
      void Promise.all(
        [...sessions.values()].map((p) =>
          p.then(
            (s) => s.session.release(),
            () => undefined,
          ),
        ),
      ).finally(() => process.exit(0));
      break;
  }
});

// If the host goes away, so do we: no orphaned inference processes.
process.on('disconnect', () => process.exit(0));
