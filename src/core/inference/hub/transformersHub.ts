// Loading hub models through @huggingface/transformers, from local folders only, inside the worker.
// transformers.js resolves a repo id against one global `env.localModelPath`, so loads run one at a
// time with that path set to the root the model's folder lives under.
import { sep } from 'node:path';
import type * as Transformers from '@huggingface/transformers' with { 'resolution-mode': 'import' };
import type { ExecutionProvider, FrameBatch } from '../../../protocol/inference';
import type { TaskContext } from '../worker/taskContext';

export type TransformersModule = typeof Transformers;
export type RawImage = Transformers.RawImage;

/** The weights every hub adapter asks for: onnx/<session>.onnx, without a dtype suffix. */
export const HUB_DTYPE = 'fp32';

let transformersPromise: Promise<TransformersModule> | undefined;

/** The transformers.js module, imported on first use (it is large) and set to never touch the network. */
export function loadTransformers(): Promise<TransformersModule> {
  transformersPromise ??= import('@huggingface/transformers').then((module) => {
    module.env.allowRemoteModels = false;
    module.env.allowLocalModels = true;
    // Model files are read where they lie; nothing is copied into a cache beside node_modules.
    module.env.useFSCache = false;
    module.env.useBrowserCache = false;
    return module;
  });
  return transformersPromise;
}

/** transformers.js device for the worker's provider: CUDA when the runtime is on CUDA, else CPU. */
export function hubDevice(provider: ExecutionProvider): 'cuda' | 'cpu' {
  return provider === 'cuda' ? 'cuda' : 'cpu';
}

/**
 * Splits a model folder `<root>/<owner>/<name>` into transformers.js's `localModelPath` and repo id.
 * The repo id is the model id when the folder ends with it, else the folder's last two segments.
 */
export function hubLocation(modelDir: string, modelId: string): { root: string; repoId: string } {
  const dir = modelDir.replace(/[\\/]+$/, '');
  const parts = dir.split(/[\\/]/);
  const idParts = modelId.split('/');
  const endsWithId = idParts.every((part, i) => parts[parts.length - idParts.length + i] === part);
  const depth = endsWithId ? idParts.length : Math.min(2, parts.length - 1);
  const root = parts.slice(0, parts.length - depth).join(sep) || sep;
  return {
    root: root.endsWith(sep) ? root : root + sep,
    repoId: parts.slice(parts.length - depth).join('/'),
  };
}

export interface HubLoadOptions {
  device: 'cuda' | 'cpu';
  dtype: typeof HUB_DTYPE;
  local_files_only: true;
}

const loaded = new Map<string, Promise<unknown>>();
let loadChain: Promise<unknown> = Promise.resolve();

/**
 * Loads (once per worker) what `load` builds for a model, e.g. a model with its tokenizer. `kind` names
 * the bundle so one folder can serve two adapters (CLIP's image and text towers).
 */
export function loadHubBundle<T>(
  context: TaskContext,
  modelId: string,
  kind: string,
  load: (t: TransformersModule, repoId: string, options: HubLoadOptions) => Promise<T>,
): Promise<T> {
  const modelDir = context.modelPath(modelId);
  const device = hubDevice(context.provider);
  const key = `${kind}\0${modelDir}\0${device}`;
  const cached = loaded.get(key);
  if (cached) return cached as Promise<T>;

  const { root, repoId } = hubLocation(modelDir, modelId);
  const run = async (): Promise<T> => {
    const t = await loadTransformers();
    t.env.localModelPath = root;
    try {
      return await load(t, repoId, { device, dtype: HUB_DTYPE, local_files_only: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Could not load hub model ${modelId} (${kind}) from ${modelDir} on ${device}: ${reason}`,
        {
          cause: error,
        },
      );
    }
  };
  const promise = loadChain.then(run, run);
  loadChain = promise.catch(() => undefined);
  loaded.set(key, promise);
  // A failed load is not cached: the files may be fixed and the request retried.
  promise.catch(() => loaded.delete(key));
  return promise;
}

/** One RawImage per RGB24 frame; pixels are viewed, not copied. */
export function framesToRawImages(t: TransformersModule, frames: FrameBatch): RawImage[] {
  const { count, width, height, data } = frames;
  const size = width * height * 3;
  if (count < 1 || width < 1 || height < 1 || data.length !== count * size) {
    throw new Error(
      `Bad frame batch: ${count} frames of ${width}x${height} need ${count * size} bytes, got ${data.length}.`,
    );
  }
  const images: RawImage[] = [];
  for (let i = 0; i < count; i++)
    images.push(new t.RawImage(data.subarray(i * size, (i + 1) * size), width, height, 3));
  return images;
}

/** L2-normalises each row of a [rows, dim] matrix into a new Float32Array. */
export function l2NormaliseRows(values: ArrayLike<number>, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < dim; c++) sum += values[r * dim + c] ** 2;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let c = 0; c < dim; c++) out[r * dim + c] = values[r * dim + c] * scale;
  }
  return out;
}
