// A real TaskContext for running worker task handlers in-process in tests: onnxruntime CPU sessions
// (one per file, created on first use), model ids mapped to paths given by the test.
import * as ort from 'onnxruntime-node';
import type { TaskContext } from '../../src/core/inference/worker/taskContext';

export interface TestTaskContextOptions {
  /** Largest batch per session.run (default 8). */
  batchSize?: number;
  /** Called where a handler checks for cancellation; throw from it to simulate a cancel. */
  checkCancelled?: () => void;
  /** Merged into every session's options (e.g. `intraOpNumThreads`). */
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

export interface TestTaskContext extends TaskContext {
  /** How often each model path was opened and how many checkCancelled calls were made. */
  readonly stats: { sessionsCreated: Map<string, number>; cancelChecks: number };
  /** Releases every session created so far. */
  release(): Promise<void>;
}

/** `modelPaths` maps model ids (as a handler passes them to `modelPath`) to absolute file or folder paths. */
export function testTaskContext(
  modelPaths: Record<string, string>,
  options: TestTaskContextOptions = {},
): TestTaskContext {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  const stats = { sessionsCreated: new Map<string, number>(), cancelChecks: 0 };
  return {
    ort,
    provider: 'cpu',
    batchSize: options.batchSize ?? 8,
    stats,
    session(modelPath: string): Promise<ort.InferenceSession> {
      let session = sessions.get(modelPath);
      if (!session) {
        stats.sessionsCreated.set(modelPath, (stats.sessionsCreated.get(modelPath) ?? 0) + 1);
        session = ort.InferenceSession.create(modelPath, {
          executionProviders: ['cpu'],
          ...options.sessionOptions,
        });
        sessions.set(modelPath, session);
        // A failed load is not remembered, as in the worker: the next call tries again.
        session.catch(() => sessions.delete(modelPath));
      }
      return session;
    },
    modelPath(modelId: string): string {
      const path = modelPaths[modelId];
      if (!path) {
        throw new Error(
          `test context knows no model "${modelId}" (known: ${Object.keys(modelPaths).join(', ')})`,
        );
      }
      return path;
    },
    checkCancelled(): void {
      stats.cancelChecks++;
      options.checkCancelled?.();
    },
    async release(): Promise<void> {
      const opened = [...sessions.values()];
      sessions.clear();
      for (const session of opened) await (await session).release();
    },
  };
}
