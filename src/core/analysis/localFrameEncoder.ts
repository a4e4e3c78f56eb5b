// The built-in frame-signature model run in this process, for self-tests and tools that must work
// without the inference worker. The analysis proper goes through the worker (off the host thread).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import type { FrameBatch } from '../../protocol/inference';
import { parseModelManifest } from '../inference/modelManifest';
import { FRAME_SIGNATURE_MODEL_ID, frameSignatureTask } from '../inference/tasks/frameSignatureTask';
import type { TaskContext } from '../inference/worker/taskContext';
import type { ModelUse } from './analysisTypes';

export interface LocalFrameEncoder {
  model: ModelUse;
  /** Absolute path of the ONNX file in use. */
  modelFile: string;
  /** L2-normalised descriptors, count x dim. */
  encode(frames: FrameBatch, signal?: AbortSignal): Promise<{ dim: number; embeddings: Float32Array }>;
  release(): Promise<void>;
}

export interface LocalFrameEncoderOptions {
  /** The folder holding models/manifest.json (default: found by walking up from this file). */
  root?: string;
  /** Frames per session.run (default 16). */
  batchSize?: number;
}

/** The nearest folder at or above `start` that holds models/manifest.json (repo or extension root). */
export function findModelsRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'models', 'manifest.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new Error(`no models/manifest.json in ${start} or any folder above it; is the install complete?`);
    }
  }
}

export async function createLocalFrameEncoder(
  options: LocalFrameEncoderOptions = {},
): Promise<LocalFrameEncoder> {
  const root = options.root ?? findModelsRoot();
  const manifestPath = join(root, 'models', 'manifest.json');
  const entry = parseModelManifest(readFileSync(manifestPath, 'utf8'), manifestPath).findModel(
    FRAME_SIGNATURE_MODEL_ID,
  );
  const file = entry?.files[0]?.path;
  if (!entry || !file) throw new Error(`${manifestPath} has no ${FRAME_SIGNATURE_MODEL_ID} model`);
  const modelFile = join(root, 'models', file);
  // Loaded on first use so commands that never encode do not pay for the native runtime.
  const ort = await import('onnxruntime-node');
  let session: Promise<InferenceSession> | undefined;
  const context = (signal?: AbortSignal): TaskContext => ({
    ort,
    provider: 'cpu',
    batchSize: options.batchSize ?? 16,
    session: (path) => (session ??= ort.InferenceSession.create(path, { executionProviders: ['cpu'] })),
    modelPath: () => modelFile,
    checkCancelled: () => signal?.throwIfAborted(),
  });
  return {
    model: { id: entry.id, version: entry.version },
    modelFile,
    encode: (frames, signal) => frameSignatureTask({ frames }, FRAME_SIGNATURE_MODEL_ID, context(signal)),
    async release() {
      const opened = session;
      session = undefined;
      if (opened) await (await opened).release();
    },
  };
}
