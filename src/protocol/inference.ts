// Messages between the inference host (extension host or CLI) and the inference worker process.
// Every request settles with a result or an error; cancellation travels as a message.

export const INFERENCE_PROTOCOL_VERSION = 1;

export type DeviceSetting = 'auto' | 'cuda' | 'dml' | 'coreml' | 'cpu';
export type ExecutionProvider = 'cuda' | 'dml' | 'coreml' | 'cpu';

/** RGB24 frames of one size, packed: count * height * width * 3 bytes. */
export interface FrameBatch {
  count: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** What each task takes and returns. Tasks run in the worker; payloads cross the process boundary. */
export interface TaskTypes {
  /** Built-in frame-signature encoder: L2-normalised descriptors. */
  'frame-signature': { in: { frames: FrameBatch }; out: { dim: number; embeddings: Float32Array } };
  /** Built-in motion model over consecutive frames: one map and one energy per pair (i, i+1). */
  motion: {
    in: { frames: FrameBatch };
    out: { pairs: number; energy: Float32Array; mapWidth: number; mapHeight: number; maps: Float32Array };
  };
  /** PP-OCR: text boxes (4 corner points in frame pixels) with their text and confidence, per frame. */
  ocr: { in: { frames: FrameBatch }; out: { frames: OcrLine[][] } };
  /** CLIP/SigLIP image side: L2-normalised embeddings. */
  'image-embed': { in: { frames: FrameBatch }; out: { dim: number; embeddings: Float32Array } };
  /** CLIP/SigLIP text side: L2-normalised embeddings. */
  'text-embed': { in: { texts: string[] }; out: { dim: number; embeddings: Float32Array } };
  /** VLM scorer: per-token log-probabilities of `text` given the frames and `prompt` (teacher-forced). */
  'score-text': {
    in: { frames: FrameBatch; prompt: string; text: string };
    out: { tokens: string[]; logProbs: Float32Array; meanNll: number };
  };
  /** VLM description: greedy decoding of up to `maxTokens` tokens given the frames and `prompt`. */
  describe: {
    in: { frames: FrameBatch; prompt: string; maxTokens?: number };
    out: { text: string; tokens: number };
  };
  /** Object detector: boxes in frame pixels [x0, y0, x1, y1] with label and score, per frame. */
  detect: {
    in: { frames: FrameBatch; labels?: string[]; threshold?: number };
    out: { frames: Detection[][] };
  };
}

export type TaskName = keyof TaskTypes;
export type TaskInput<T extends TaskName> = TaskTypes[T]['in'];
export type TaskOutput<T extends TaskName> = TaskTypes[T]['out'];

export interface OcrLine {
  points: [number, number][];
  text: string;
  score: number;
}

export interface Detection {
  box: [number, number, number, number];
  label: string;
  score: number;
}

export interface RuntimeStatus {
  requested: DeviceSetting;
  provider: ExecutionProvider;
  /** Why the runtime is not on the first provider it tried, in a sentence a user can act on. */
  fallbackReason?: string;
}

// Host → worker
export type HostMessage =
  | {
      type: 'init';
      version: number;
      device: DeviceSetting;
      modelsDir: string;
      extraModelDirs: string[];
      batchSize: number;
    }
  /** `modelPath`: the model's file or folder, resolved by the host's model store. */
  | { type: 'run'; id: number; task: TaskName; model: string; modelPath: string; input: unknown }
  | { type: 'cancel'; id: number }
  | { type: 'shutdown' };

// Worker → host
export type WorkerMessage =
  | { type: 'ready'; version: number; status: RuntimeStatus }
  | { type: 'status'; status: RuntimeStatus }
  | { type: 'result'; id: number; output: unknown; provider: ExecutionProvider; ms: number }
  | { type: 'error'; id: number; message: string; code: InferenceErrorCode };

export type InferenceErrorCode =
  'model-missing' | 'bad-input' | 'cancelled' | 'failed' | 'worker-crashed' | 'timeout';
