// Wires the runtime to the model manifest and store, so faces ask for a model id and get it run:
// built-in files, npm-shipped models and hub models all resolve through the same lookup order.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DeviceSetting } from '../../protocol/inference';
import { InferenceError, InferenceRuntime } from './inferenceRuntime';
import { defaultManifestPath, findModel, loadModelManifest } from './modelManifest';
import type { ModelManifest } from './modelManifest';
import { ModelStore } from './modelStore';
import { defaultWorkerLocation } from './workerLocation';
import type { WorkerLocation } from './workerLocation';

export interface InferenceServiceOptions {
  device?: DeviceSetting;
  modelsPath?: string;
  /** The extension's global storage; the CLI uses ~/.cache/video-curator/models. */
  globalStorage?: string;
  allowDownload?: boolean;
  batchSize?: number;
  idleMs?: number;
  worker?: WorkerLocation;
  log?: (line: string) => void;
}

export interface InferenceService {
  runtime: InferenceRuntime;
  store: ModelStore;
  manifest: ModelManifest;
  /** True when every file of the model is on disk (no download needed). */
  available(modelId: string): Promise<boolean>;
}

export function defaultGlobalStorage(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'video-curator', 'models');
}

export async function createInferenceService(
  options: InferenceServiceOptions = {},
): Promise<InferenceService> {
  const store = new ModelStore({
    ...(options.modelsPath ? { modelsPath: options.modelsPath } : {}),
    globalStorage: options.globalStorage ?? defaultGlobalStorage(),
    allowDownload: options.allowDownload ?? false,
  });
  const manifest = await loadModelManifest(await defaultManifestPath(store.packageRoot));
  const resolveModel = async (id: string): Promise<string> => {
    const entry = findModel(manifest, id);
    if (!entry) throw new InferenceError('model-missing', `no model "${id}" in ${manifest.path}`);
    try {
      const { dir } = await store.resolve(entry);
      // A built-in model is one .onnx file; npm and hub models are folders the task reads from.
      return entry.source.kind === 'builtin' ? join(dir, entry.files[0].path) : dir;
    } catch (error) {
      throw new InferenceError('model-missing', (error as Error).message);
    }
  };
  const runtime = new InferenceRuntime({
    ...(options.worker ?? defaultWorkerLocation()),
    device: options.device ?? 'auto',
    resolveModel,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.idleMs ? { idleMs: options.idleMs } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return {
    runtime,
    store,
    manifest,
    async available(modelId) {
      const entry = findModel(manifest, modelId);
      if (!entry) return false;
      return (await store.status(entry)).resolved !== null;
    },
  };
}
