// Everything the generator writes, computed in memory: the built-in ONNX files and their manifest
// part. `generate.ts` writes these; its `--check` and the tests compare them with what is committed.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { FRAME_SIGNATURE_DIM, FRAME_SIGNATURE_VERSION, frameSignatureModel } from './frameSignature';
import { MOTION_MAP_SIZE, MOTION_VERSION, motionModel } from './motion';

/** The models/ folder. */
export const MODELS_DIR = join(__dirname, '..');
export const MANIFEST_PART = 'manifest.parts/builtin.json';

export const FRAME_SIGNATURE_ID = 'builtin/frame-signature';
export const MOTION_ID = 'builtin/motion';

export interface GeneratedFile {
  /** Relative to models/. */
  path: string;
  bytes: Uint8Array;
}

interface ModelSpec {
  id: string;
  version: number;
  role: string;
  task: string;
  generator: string;
  path: string;
  build: () => Uint8Array;
  outputs: { name: string; type: string; shape: (number | string)[] }[];
}

const FRAMES_INPUT = [{ name: 'frames', type: 'uint8', shape: ['N', 'H', 'W', 3] }];
const PREPROCESSING =
  'RGB24 frames as decoded by the media layer, any size; resizing and normalisation happen in the graph';

const MODELS: ModelSpec[] = [
  {
    id: FRAME_SIGNATURE_ID,
    version: FRAME_SIGNATURE_VERSION,
    role: 'frame-encoder',
    task: 'frame-signature',
    generator: 'models/generator/frameSignature.ts',
    path: 'builtin/frameSignature.onnx',
    build: frameSignatureModel,
    outputs: [{ name: 'signature', type: 'float32', shape: ['N', FRAME_SIGNATURE_DIM] }],
  },
  {
    id: MOTION_ID,
    version: MOTION_VERSION,
    role: 'motion',
    task: 'motion',
    generator: 'models/generator/motion.ts',
    path: 'builtin/motion.onnx',
    build: motionModel,
    outputs: [
      { name: 'maps', type: 'float32', shape: ['N-1', 1, MOTION_MAP_SIZE, MOTION_MAP_SIZE] },
      { name: 'energy', type: 'float32', shape: ['N-1'] },
    ],
  },
];

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The ONNX files, then the manifest part describing them (formatted as the repo's prettier does). */
export async function generateBuiltinModels(): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = MODELS.map((m) => ({ path: m.path, bytes: m.build() }));
  const entries = MODELS.map((m, i) => {
    const { bytes } = files[i];
    return {
      id: m.id,
      version: String(m.version),
      role: m.role,
      task: m.task,
      source: { kind: 'builtin', generator: m.generator },
      files: [{ path: m.path, sha256: sha256(bytes), bytes: bytes.length }],
      license: 'MIT',
      inputs: FRAMES_INPUT,
      outputs: m.outputs,
      preprocessing: PREPROCESSING,
      sizeBytes: bytes.length,
    };
  });
  const manifestPath = join(MODELS_DIR, MANIFEST_PART);
  const text = await format(JSON.stringify(entries, null, 2), {
    ...(await resolveConfig(manifestPath)),
    filepath: manifestPath,
  });
  files.push({ path: MANIFEST_PART, bytes: new TextEncoder().encode(text) });
  return files;
}
