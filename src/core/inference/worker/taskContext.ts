// What a task handler gets from the worker: sessions on the chosen provider, model files, cancellation.
import type * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../../protocol/inference';

export interface TaskContext {
  /** An onnxruntime session for a model file, created once per path on the runtime's provider. */
  session(modelPath: string): Promise<ort.InferenceSession>;
  /** The onnxruntime module the worker loaded (one copy per process). */
  ort: typeof ort;
  provider: ExecutionProvider;
  /** Largest batch to pass to one session.run. */
  batchSize: number;
  /** Absolute path of a model's folder or file, resolved from the manifest and model folders. */
  modelPath(modelId: string): string;
  /** Throws when the request was cancelled; call between batches. */
  checkCancelled(): void;
}

/** A task implementation: runs in the worker process, never on the host's thread. */
export type TaskHandler<In, Out> = (input: In, model: string, context: TaskContext) => Promise<Out>;
