// VLM scorer: how likely a VLM finds `text` as its answer to `prompt` about the frames. One teacher-
// forced forward pass over [prompt + image tokens][text]; each text token is scored by the log-softmax
// of the logits one position earlier. Prompt and image positions are context only, never scored.
import type { TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskContext, TaskHandler } from '../worker/taskContext';
import { framesToRawImages, loadHubBundle, loadTransformers } from '../hub/transformersHub';
import type { RawImage, TransformersModule } from '../hub/transformersHub';

/** Model types whose processor expands one `<image>` per frame in the prompt (SmolVLM, Idefics3). */
const SUPPORTED_MODEL_TYPES = ['idefics3', 'smolvlm'];

/** Files transformers.js reads for SmolVLM at dtype fp32 (generation_config.json is optional). */
export const SMOLVLM_FILES = [
  'config.json',
  'processor_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/vision_encoder.onnx',
  'onnx/embed_tokens.onnx',
  'onnx/decoder_model_merged.onnx',
];

interface TensorLike {
  dims: number[];
  data: ArrayLike<number> | ArrayLike<bigint>;
}

interface Tokenizer {
  (text: string, options: Record<string, unknown>): { input_ids: number[] };
  decode(ids: number[], options: Record<string, unknown>): string;
  chat_template?: unknown;
}

export interface Scorer {
  processor: {
    (text: string, images: RawImage[], options: Record<string, unknown>): Promise<Record<string, TensorLike>>;
    apply_chat_template(messages: unknown[], options: Record<string, unknown>): string;
    tokenizer: Tokenizer;
  };
  model: { forward(inputs: Record<string, unknown>): Promise<Record<string, TensorLike>> };
}

export function loadScorer(context: TaskContext, model: string): Promise<Scorer> {
  return loadHubBundle(context, model, 'score-text', async (t, repoId, options) => {
    const config = (await t.AutoConfig.from_pretrained(repoId, options)) as unknown as {
      model_type?: string;
    };
    const type = config.model_type ?? '';
    if (!SUPPORTED_MODEL_TYPES.includes(type)) {
      throw new Error(
        `config.json has model_type "${type}"; the score-text adapter takes ${SUPPORTED_MODEL_TYPES.join(' or ')} models (e.g. HuggingFaceTB/SmolVLM-256M-Instruct).`,
      );
    }
    const [processor, vlm] = await Promise.all([
      t.AutoProcessor.from_pretrained(repoId, options),
      t.AutoModelForImageTextToText.from_pretrained(repoId, options),
    ]);
    return {
      processor: processor as unknown as Scorer['processor'],
      model: vlm as unknown as Scorer['model'],
    };
  });
}

/** The prompt as the model saw it in training: its chat template with one image per frame, or a bare fallback. */
export function renderPrompt(scorer: Scorer, frameCount: number, prompt: string): string {
  const images = Array.from({ length: frameCount }, () => ({ type: 'image' }));
  if (scorer.processor.tokenizer.chat_template) {
    const messages = [{ role: 'user', content: [...images, { type: 'text', text: prompt }] }];
    return scorer.processor.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
  }
  return '<image>'.repeat(frameCount) + prompt;
}

export function int64Tensor(t: TransformersModule, ids: number[]) {
  return new t.Tensor(
    'int64',
    BigInt64Array.from(ids, (id) => BigInt(id)),
    [1, ids.length],
  );
}

export const scoreTextTask: TaskHandler<TaskInput<'score-text'>, TaskOutput<'score-text'>> = async (
  input,
  model,
  context,
) => {
  if (input.text.trim() === '') throw new Error('score-text needs a non-empty text to score.');
  const scorer = await loadScorer(context, model);
  const t = await loadTransformers();
  const images = framesToRawImages(t, input.frames);
  const promptText = renderPrompt(scorer, images.length, input.prompt);

  // Frames stay whole (no tiling into sub-images): one image's worth of tokens per frame.
  const prefix = await scorer.processor(promptText, images, { do_image_splitting: false });
  const prefixIds = Array.from(prefix.input_ids.data as ArrayLike<bigint>, Number);

  // The answer follows the prompt after a space, as the model would have generated it.
  const joiner = /\s$/.test(promptText) || /^\s/.test(input.text) ? '' : ' ';
  const textIds = scorer.processor.tokenizer(joiner + input.text, {
    add_special_tokens: false,
    return_tensor: false,
  }).input_ids;
  if (textIds.length === 0)
    throw new Error(`The text "${input.text}" has no tokens in this model's vocabulary.`);

  const ids = [...prefixIds, ...textIds];
  context.checkCancelled();
  const output = await scorer.model.forward({
    ...prefix,
    input_ids: int64Tensor(t, ids),
    attention_mask: int64Tensor(
      t,
      ids.map(() => 1),
    ),
  });
  const logits = output.logits;
  if (!logits || logits.dims.length !== 3 || logits.dims[1] !== ids.length) {
    throw new Error(
      `The VLM returned logits of shape [${logits?.dims.join(', ')}], expected [1, ${ids.length}, vocab].`,
    );
  }
  const vocab = logits.dims[2];
  const data = logits.data as ArrayLike<number>;

  const logProbs = new Float32Array(textIds.length);
  for (let j = 0; j < textIds.length; j++) {
    // Token at position p is predicted by the logits at p - 1.
    const row = (prefixIds.length + j - 1) * vocab;
    let max = -Infinity;
    for (let k = 0; k < vocab; k++) max = Math.max(max, data[row + k]);
    let sum = 0;
    for (let k = 0; k < vocab; k++) sum += Math.exp(data[row + k] - max);
    logProbs[j] = Math.min(0, data[row + textIds[j]] - max - Math.log(sum));
  }
  const meanNll = -logProbs.reduce((a, b) => a + b, 0) / logProbs.length;
  const tokens = textIds.map((id) => scorer.processor.tokenizer.decode([id], { skip_special_tokens: false }));
  return { tokens, logProbs, meanNll };
};
