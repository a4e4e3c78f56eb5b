// CLIP / SigLIP adapters: frames → image embeddings, texts → text embeddings, both L2-normalised so a
// dot product is the cosine similarity the analysis ranks queries by.
import type { FrameBatch, TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskContext, TaskHandler } from '../worker/taskContext';
import { framesToRawImages, l2NormaliseRows, loadHubBundle, loadTransformers } from '../hub/transformersHub';
import type { HubLoadOptions, RawImage, TransformersModule } from '../hub/transformersHub';

/** Files transformers.js reads for a CLIP repo at dtype fp32 (Xenova/clip-vit-base-patch32 layout). */
export const CLIP_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/vision_model.onnx',
  'onnx/text_model.onnx',
];

interface EmbeddingTensor {
  dims: number[];
  data: ArrayLike<number>;
}
type Tower = (inputs: Record<string, unknown>) => Promise<Record<string, EmbeddingTensor | undefined>>;

interface ImageTower {
  family: 'clip' | 'siglip';
  processor: (images: RawImage[]) => Promise<Record<string, unknown>>;
  model: Tower;
}

interface TextTower {
  family: 'clip' | 'siglip';
  tokenize: (texts: string[]) => Record<string, unknown>;
  model: Tower;
}

async function family(
  t: TransformersModule,
  repoId: string,
  options: HubLoadOptions,
): Promise<'clip' | 'siglip'> {
  const config = (await t.AutoConfig.from_pretrained(repoId, options)) as unknown as { model_type?: string };
  const type = config.model_type ?? '';
  if (type === 'clip' || type === 'clip_vision_model' || type === 'clip_text_model') return 'clip';
  if (type === 'siglip' || type === 'siglip_vision_model' || type === 'siglip_text_model') return 'siglip';
  throw new Error(`config.json has model_type "${type}"; the embedding adapters take CLIP or SigLIP models.`);
}

function loadImageTower(context: TaskContext, model: string): Promise<ImageTower> {
  return loadHubBundle(context, model, 'image-embed', async (t, repoId, options) => {
    const kind = await family(t, repoId, options);
    const modelClass = kind === 'clip' ? t.CLIPVisionModelWithProjection : t.SiglipVisionModel;
    const [processor, tower] = await Promise.all([
      t.AutoImageProcessor.from_pretrained(repoId, options),
      modelClass.from_pretrained(repoId, options),
    ]);
    return {
      family: kind,
      processor: (images) =>
        (processor as unknown as (x: RawImage[]) => Promise<Record<string, unknown>>)(images),
      model: tower as unknown as Tower,
    };
  });
}

function loadTextTower(context: TaskContext, model: string): Promise<TextTower> {
  return loadHubBundle(context, model, 'text-embed', async (t, repoId, options) => {
    const kind = await family(t, repoId, options);
    const modelClass = kind === 'clip' ? t.CLIPTextModelWithProjection : t.SiglipTextModel;
    const [tokenizer, tower] = await Promise.all([
      t.AutoTokenizer.from_pretrained(repoId, options),
      modelClass.from_pretrained(repoId, options),
    ]);
    const call = tokenizer as unknown as (
      texts: string[],
      o: Record<string, unknown>,
    ) => Record<string, unknown>;
    return {
      family: kind,
      // SigLIP was trained on texts padded to 64 tokens; CLIP pools at the first end token, so padding
      // to the longest text in the batch leaves each embedding unchanged.
      tokenize: (texts) =>
        kind === 'siglip'
          ? call(texts, { padding: 'max_length', max_length: 64, truncation: true })
          : call(texts, { padding: true, truncation: true }),
      model: tower as unknown as Tower,
    };
  });
}

function pickEmbeddings(
  output: Record<string, EmbeddingTensor | undefined>,
  kind: 'clip' | 'siglip',
  name: string,
) {
  const tensor = kind === 'clip' ? output[name] : output.pooler_output;
  if (!tensor || tensor.dims.length !== 2) {
    throw new Error(
      `The ${kind} model returned no [batch, dim] "${kind === 'clip' ? name : 'pooler_output'}" output.`,
    );
  }
  return { rows: tensor.dims[0], dim: tensor.dims[1], data: tensor.data };
}

function sliceFrames(frames: FrameBatch, start: number, end: number): FrameBatch {
  const size = frames.width * frames.height * 3;
  return { ...frames, count: end - start, data: frames.data.subarray(start * size, end * size) };
}

export const imageEmbedTask: TaskHandler<TaskInput<'image-embed'>, TaskOutput<'image-embed'>> = async (
  input,
  model,
  context,
) => {
  const tower = await loadImageTower(context, model);
  const t = await loadTransformers();
  const batch = Math.max(1, context.batchSize);
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let start = 0; start < input.frames.count; start += batch) {
    context.checkCancelled();
    const end = Math.min(input.frames.count, start + batch);
    const images = framesToRawImages(t, sliceFrames(input.frames, start, end));
    const output = await tower.model(await tower.processor(images));
    const embeddings = pickEmbeddings(output, tower.family, 'image_embeds');
    dim = embeddings.dim;
    parts.push(l2NormaliseRows(embeddings.data, embeddings.rows, embeddings.dim));
  }
  return { dim, embeddings: concat(parts) };
};

export const textEmbedTask: TaskHandler<TaskInput<'text-embed'>, TaskOutput<'text-embed'>> = async (
  input,
  model,
  context,
) => {
  if (input.texts.length === 0) throw new Error('text-embed needs at least one text.');
  const tower = await loadTextTower(context, model);
  const batch = Math.max(1, context.batchSize);
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let start = 0; start < input.texts.length; start += batch) {
    context.checkCancelled();
    const output = await tower.model(tower.tokenize(input.texts.slice(start, start + batch)));
    const embeddings = pickEmbeddings(output, tower.family, 'text_embeds');
    dim = embeddings.dim;
    parts.push(l2NormaliseRows(embeddings.data, embeddings.rows, embeddings.dim));
  }
  return { dim, embeddings: concat(parts) };
};

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
