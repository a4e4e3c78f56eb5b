// Tiny stand-ins for the hub models the analysis loads through transformers.js, written in the same
// repo layout (config.json, tokenizer files, preprocessor config, onnx/<session>.onnx), with the same
// ONNX input/output names, so a real download takes the same code path. Weights are hand-set so tests
// can check behaviour by construction: colour words match frames of that colour.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnnxGraphBuilder } from './onnxGraph';

export const TINY_CLIP_ID = 'Xenova/clip-vit-base-patch32';
export const TINY_VLM_ID = 'HuggingFaceTB/SmolVLM-256M-Instruct';
export const TINY_OWLVIT_ID = 'Xenova/owlvit-base-patch32';

/** Pixel size the tiny vision towers take (real CLIP: 224, SmolVLM: 512, OWL-ViT: 768). */
export const TINY_IMAGE_SIZE = 16;
/** Image tokens per frame in the tiny VLM (real SmolVLM-256M: 64). */
export const TINY_VLM_IMAGE_SEQ_LEN = 2;

const COLOURS = ['red', 'green', 'blue'] as const;

interface Vocab {
  tokens: string[];
  id(token: string): number;
}

function vocab(specials: string[], words: string[]): Vocab {
  const tokens = [...specials, ...words];
  const ids = new Map(tokens.map((t, i) => [t, i]));
  return {
    tokens,
    id(token) {
      const found = ids.get(token);
      if (found === undefined) throw new Error(`tiny vocab has no ${token}`);
      return found;
    },
  };
}

/** A tokenizer.json in the format @huggingface/tokenizers reads: WordPiece over whole lower-cased words. */
function tokenizerJson(v: Vocab, specials: string[], wrap?: { bos: string; eos: string }): unknown {
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: v.id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: wrap
      ? {
          type: 'TemplateProcessing',
          single: [special(wrap.bos), { Sequence: { id: 'A', type_id: 0 } }, special(wrap.eos)],
          pair: [
            special(wrap.bos),
            { Sequence: { id: 'A', type_id: 0 } },
            special(wrap.eos),
            { Sequence: { id: 'B', type_id: 1 } },
            special(wrap.eos),
          ],
          special_tokens: Object.fromEntries(
            [wrap.bos, wrap.eos].map((t) => [t, { id: t, ids: [v.id(t)], tokens: [t] }]),
          ),
        }
      : null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(v.tokens.map((t, i) => [t, i])),
    },
  };
}

/** Row-major matrix of the given shape, filled by f(row, col). */
function matrix(rows: number, cols: number, f: (r: number, c: number) => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.push(f(r, c));
  return out;
}

async function writeRepo(root: string, repoId: string, files: Record<string, unknown>): Promise<string> {
  const dir = join(root, ...repoId.split('/'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    const data = content instanceof Uint8Array ? content : JSON.stringify(content, null, 2);
    await writeFile(join(dir, path), data);
  }
  return dir;
}

const CLIP_SPECIALS = ['<|startoftext|>', '<|endoftext|>', '[UNK]'];
const CLIP_WORDS = ['a', 'photo', 'of', 'the', 'frame', 'video', ...COLOURS];
const CLIP_DIM = 4;

/**
 * CLIP in Xenova's layout: onnx/text_model.onnx (input_ids → text_embeds, last_hidden_state) and
 * onnx/vision_model.onnx (pixel_values → image_embeds). Dims 0-2 carry red/green/blue, dim 3 "anything".
 */
export async function writeTinyClip(root: string, repoId = TINY_CLIP_ID): Promise<string> {
  const v = vocab(CLIP_SPECIALS, CLIP_WORDS);
  // Text: sum of word vectors; colour words are unit axes, other words a small shared component,
  // special tokens zero (so padding with <|endoftext|> changes nothing).
  const table = matrix(v.tokens.length, CLIP_DIM, (r, c) => {
    const token = v.tokens[r];
    const colour = COLOURS.indexOf(token as (typeof COLOURS)[number]);
    if (colour >= 0) return c === colour ? 1 : 0;
    if (CLIP_SPECIALS.includes(token) && token !== '[UNK]') return 0;
    return c === 3 ? 0.2 : 0;
  });
  const text = new OnnxGraphBuilder('tiny_clip_text');
  const ids = text.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const hidden = text.node('Gather', [text.floats([v.tokens.length, CLIP_DIM], table), ids], {}, [
    'last_hidden_state',
  ]);
  text.node('ReduceSum', [hidden, text.ints([1], [1])], { keepdims: 0 }, ['text_embeds']);
  text.output('text_embeds', 'float32', ['batch_size', CLIP_DIM]);
  text.output('last_hidden_state', 'float32', ['batch_size', 'sequence_length', CLIP_DIM]);

  // Vision: mean colour of the normalised image (each channel in [-1, 1]) on dims 0-2, plus 0.2 on dim 3.
  const vision = new OnnxGraphBuilder('tiny_clip_vision');
  const pixels = vision.input('pixel_values', 'float32', ['batch_size', 3, TINY_IMAGE_SIZE, TINY_IMAGE_SIZE]);
  const mean = vision.node('ReduceMean', [pixels], { axes: [2, 3], keepdims: 0 });
  const projected = vision.node('MatMul', [
    mean,
    vision.floats(
      [3, CLIP_DIM],
      matrix(3, CLIP_DIM, (r, c) => (r === c ? 1 : 0)),
    ),
  ]);
  vision.node('Add', [projected, vision.floats([CLIP_DIM], [0, 0, 0, 0.2])], {}, ['image_embeds']);
  vision.output('image_embeds', 'float32', ['batch_size', CLIP_DIM]);

  return writeRepo(root, repoId, {
    'config.json': {
      model_type: 'clip',
      architectures: ['CLIPModel'],
      projection_dim: CLIP_DIM,
      logit_scale_init_value: 2.6592,
      text_config: {
        model_type: 'clip_text_model',
        hidden_size: CLIP_DIM,
        vocab_size: v.tokens.length,
        max_position_embeddings: 77,
      },
      vision_config: {
        model_type: 'clip_vision_model',
        hidden_size: CLIP_DIM,
        image_size: TINY_IMAGE_SIZE,
        patch_size: TINY_IMAGE_SIZE,
      },
    },
    'preprocessor_config.json': {
      crop_size: TINY_IMAGE_SIZE,
      do_center_crop: true,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: 'CLIPFeatureExtractor',
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      resample: 3,
      size: TINY_IMAGE_SIZE,
    },
    'tokenizer.json': tokenizerJson(v, CLIP_SPECIALS, { bos: '<|startoftext|>', eos: '<|endoftext|>' }),
    'tokenizer_config.json': {
      tokenizer_class: 'CLIPTokenizer',
      model_max_length: 77,
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '[UNK]',
    },
    'onnx/text_model.onnx': text.encode(),
    'onnx/vision_model.onnx': vision.encode(),
  });
}

const VLM_SPECIALS = [
  '<|im_start|>',
  '<end_of_utterance>',
  '<image>',
  '<fake_token_around_image>',
  '<global-img>',
  '[UNK]',
  '<|endoftext|>',
];
const VLM_COUNT_WORDS = ['one', 'two', 'three'] as const;
const VLM_WORDS = [
  'user',
  'assistant',
  ':',
  'describe',
  'what',
  'is',
  'in',
  'this',
  'the',
  'a',
  'video',
  'frame',
  'please',
  'briefly',
  ...COLOURS,
  ...VLM_COUNT_WORDS,
];
const VLM_HIDDEN = 8;
const VLM_HEAD_DIM = 4;

/** The tiny VLM's vocabulary, by id. */
export const TINY_VLM_VOCAB: readonly string[] = [...VLM_SPECIALS, ...VLM_WORDS];
/** Logit weight per unit of colour accumulated so far (frames' image tokens and earlier colour words). */
export const TINY_VLM_COLOUR_WEIGHT = 1.5;
/** Logit bonus of the successor word: after "one" comes "two", after "two" "three", after "three" "one". */
export const TINY_VLM_SUCCESSOR_WEIGHT = 4;
export const TINY_VLM_COUNT_WORDS = VLM_COUNT_WORDS;
export const TINY_COLOURS = COLOURS;

/** The chat template SmolVLM ships in tokenizer_config.json (user turn with images, then "Assistant:"). */
const SMOLVLM_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

/**
 * SmolVLM (idefics3) in the onnx-community layout: onnx/vision_encoder.onnx (pixel_values,
 * pixel_attention_mask → image_features), onnx/embed_tokens.onnx (input_ids → inputs_embeds) and
 * onnx/decoder_model_merged.onnx (inputs_embeds, attention_mask, position_ids, past_key_values.* →
 * logits, present.*). The decoder is causal by construction:
 *   logits[t] = x[t]·B + (Σ_{s≤t} x[s])·C
 * B is a bigram rule (one→two→three→one); C reads the colour accumulated from image features and
 * earlier words, so colour words score high after frames of that colour.
 */
export async function writeTinySmolVlm(root: string, repoId = TINY_VLM_ID): Promise<string> {
  const v = vocab(VLM_SPECIALS, VLM_WORDS);
  const V = v.tokens.length;
  const embed = matrix(V, VLM_HIDDEN, (r, c) => {
    const token = v.tokens[r];
    const colour = COLOURS.indexOf(token as (typeof COLOURS)[number]);
    if (colour >= 0) return c === colour ? 1 : 0;
    const count = VLM_COUNT_WORDS.indexOf(token as (typeof VLM_COUNT_WORDS)[number]);
    if (count >= 0) return c === 3 + count ? 1 : 0;
    return c === 6 ? 0.1 : c === 7 ? ((r % 5) - 2) * 0.05 : 0;
  });
  const bigram = matrix(VLM_HIDDEN, V, (r, c) => {
    if (r >= 3 && r < 6)
      return v.tokens[c] === VLM_COUNT_WORDS[(r - 3 + 1) % 3] ? TINY_VLM_SUCCESSOR_WEIGHT : 0;
    return 0;
  });
  const context = matrix(VLM_HIDDEN, V, (r, c) =>
    r < 3 && v.tokens[c] === COLOURS[r] ? TINY_VLM_COLOUR_WEIGHT : 0,
  );

  const embedTokens = new OnnxGraphBuilder('tiny_smolvlm_embed_tokens');
  const ids = embedTokens.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  embedTokens.node('Gather', [embedTokens.floats([V, VLM_HIDDEN], embed), ids], {}, ['inputs_embeds']);
  embedTokens.output('inputs_embeds', 'float32', ['batch_size', 'sequence_length', VLM_HIDDEN]);

  // Vision: per image, the mean colour (masked by pixel_attention_mask), repeated image_seq_len times.
  const S = TINY_IMAGE_SIZE;
  const vision = new OnnxGraphBuilder('tiny_smolvlm_vision_encoder');
  const pixels = vision.input('pixel_values', 'float32', ['batch_size', 'num_images', 3, S, S]);
  const mask = vision.input('pixel_attention_mask', 'bool', ['batch_size', 'num_images', S, S]);
  const colour = vision.node('ReduceMean', [pixels], { axes: [3, 4], keepdims: 0 });
  const maskShare = vision.node('ReduceMean', [vision.node('Cast', [mask], { to: 1 })], {
    axes: [2, 3],
    keepdims: 0,
  });
  const maskMean = vision.node('Unsqueeze', [maskShare, vision.ints([1], [2])]);
  const perImage = vision.node('Reshape', [
    vision.node('Mul', [colour, maskMean]),
    vision.ints([3], [-1, 1, 3]),
  ]);
  const repeated = vision.node('Concat', Array<string>(TINY_VLM_IMAGE_SEQ_LEN).fill(perImage), { axis: 1 });
  const toHidden = vision.floats(
    [3, VLM_HIDDEN],
    matrix(3, VLM_HIDDEN, (r, c) => (r === c ? 1 : 0)),
  );
  vision.node('MatMul', [repeated, toHidden], {}, ['image_features']);
  vision.output('image_features', 'float32', ['num_patches', TINY_VLM_IMAGE_SEQ_LEN, VLM_HIDDEN]);

  const decoder = new OnnxGraphBuilder('tiny_smolvlm_decoder');
  const x = decoder.input('inputs_embeds', 'float32', ['batch_size', 'sequence_length', VLM_HIDDEN]);
  decoder.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  decoder.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const pastKey = decoder.input('past_key_values.0.key', 'float32', [
    'batch_size',
    1,
    'past_sequence_length',
    VLM_HEAD_DIM,
  ]);
  const pastValue = decoder.input('past_key_values.0.value', 'float32', [
    'batch_size',
    1,
    'past_sequence_length',
    VLM_HEAD_DIM,
  ]);
  const running = decoder.node('CumSum', [x, decoder.ints([], [1])]);
  decoder.node(
    'Add',
    [
      decoder.node('MatMul', [x, decoder.floats([VLM_HIDDEN, V], bigram)]),
      decoder.node('MatMul', [running, decoder.floats([VLM_HIDDEN, V], context)]),
    ],
    {},
    ['logits'],
  );
  // A one-layer "cache": the new positions' halves of x, appended to the past along the sequence axis.
  const half = (start: number) =>
    decoder.node('Unsqueeze', [
      decoder.node('Slice', [
        x,
        decoder.ints([1], [start]),
        decoder.ints([1], [start + VLM_HEAD_DIM]),
        decoder.ints([1], [2]),
      ]),
      decoder.ints([1], [1]),
    ]);
  decoder.node('Concat', [pastKey, half(0)], { axis: 2 }, ['present.0.key']);
  decoder.node('Concat', [pastValue, half(VLM_HEAD_DIM)], { axis: 2 }, ['present.0.value']);
  decoder.output('logits', 'float32', ['batch_size', 'sequence_length', V]);
  decoder.output('present.0.key', 'float32', ['batch_size', 1, 'total_sequence_length', VLM_HEAD_DIM]);
  decoder.output('present.0.value', 'float32', ['batch_size', 1, 'total_sequence_length', VLM_HEAD_DIM]);

  return writeRepo(root, repoId, {
    'config.json': {
      model_type: 'idefics3',
      architectures: ['Idefics3ForConditionalGeneration'],
      image_token_id: v.id('<image>'),
      scale_factor: 1,
      text_config: {
        model_type: 'llama',
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        hidden_size: VLM_HIDDEN,
        head_dim: VLM_HEAD_DIM,
        vocab_size: V,
      },
      vision_config: { model_type: 'idefics3_vision', hidden_size: 3, image_size: S, patch_size: S },
    },
    'generation_config.json': {
      bos_token_id: v.id('<|im_start|>'),
      eos_token_id: v.id('<end_of_utterance>'),
    },
    'processor_config.json': { image_seq_len: TINY_VLM_IMAGE_SEQ_LEN, processor_class: 'Idefics3Processor' },
    'preprocessor_config.json': {
      image_processor_type: 'Idefics3ImageProcessor',
      processor_class: 'Idefics3Processor',
      do_convert_rgb: true,
      do_resize: true,
      size: { longest_edge: 2 * S },
      resample: 1,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      do_pad: true,
      do_image_splitting: true,
      max_image_size: { longest_edge: S },
    },
    'tokenizer.json': tokenizerJson(v, VLM_SPECIALS),
    'tokenizer_config.json': {
      tokenizer_class: 'GPT2Tokenizer',
      model_max_length: 8192,
      bos_token: '<|im_start|>',
      eos_token: '<end_of_utterance>',
      pad_token: '<|endoftext|>',
      unk_token: '[UNK]',
      chat_template: SMOLVLM_CHAT_TEMPLATE,
    },
    'onnx/embed_tokens.onnx': embedTokens.encode(),
    'onnx/vision_encoder.onnx': vision.encode(),
    'onnx/decoder_model_merged.onnx': decoder.encode(),
  });
}

const OWL_GRID = 2;

/**
 * OWL-ViT in Xenova's layout: onnx/model.onnx (input_ids, attention_mask, pixel_values → logits
 * [batch, patches, queries], pred_boxes [batch, patches, 4] as normalised cx, cy, w, h). The image is a
 * 2x2 grid of patches, each predicting its own quadrant; a patch's logit for a query is high when the
 * patch's mean colour matches the colour word in the query.
 */
export async function writeTinyOwlVit(root: string, repoId = TINY_OWLVIT_ID): Promise<string> {
  const v = vocab(CLIP_SPECIALS, CLIP_WORDS);
  const table = matrix(v.tokens.length, 3, (r, c) => (v.tokens[r] === COLOURS[c] ? 1 : 0));
  const S = TINY_IMAGE_SIZE;
  const P = OWL_GRID * OWL_GRID;
  const g = new OnnxGraphBuilder('tiny_owlvit');
  const ids = g.input('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const pixels = g.input('pixel_values', 'float32', ['batch_size', 3, S, S]);

  const words = g.node('Gather', [g.floats([v.tokens.length, 3], table), ids]);
  const maskF = g.node('Unsqueeze', [g.node('Cast', [mask], { to: 1 }), g.ints([1], [2])]);
  const queries = g.node('ReduceSum', [g.node('Mul', [words, maskF]), g.ints([1], [1])], { keepdims: 0 }, [
    'text_embeds',
  ]);

  const cell = S / OWL_GRID;
  const pooled = g.node('AveragePool', [pixels], { kernel_shape: [cell, cell], strides: [cell, cell] });
  const patches = g.node('Transpose', [g.node('Reshape', [pooled, g.ints([3], [0, 3, P])])], {
    perm: [0, 2, 1],
  });
  const similarity = g.node('MatMul', [patches, g.node('Transpose', [queries], { perm: [1, 0] })]);
  g.node('Add', [g.node('Mul', [similarity, g.floats([], [4])]), g.floats([], [-2])], {}, ['logits']);

  const boxes: number[] = [];
  for (let row = 0; row < OWL_GRID; row++)
    for (let col = 0; col < OWL_GRID; col++)
      boxes.push((col + 0.5) / OWL_GRID, (row + 0.5) / OWL_GRID, 1 / OWL_GRID, 1 / OWL_GRID);
  const batch = g.node('Slice', [g.node('Shape', [pixels]), g.ints([1], [0]), g.ints([1], [1])]);
  const boxShape = g.node('Concat', [batch, g.ints([2], [P, 4])], { axis: 0 });
  g.node('Expand', [g.floats([1, P, 4], boxes), boxShape], {}, ['pred_boxes']);

  g.output('logits', 'float32', ['batch_size', P, 'text_batch_size']);
  g.output('pred_boxes', 'float32', ['batch_size', P, 4]);
  g.output('text_embeds', 'float32', ['text_batch_size', 3]);

  return writeRepo(root, repoId, {
    'config.json': {
      model_type: 'owlvit',
      architectures: ['OwlViTForObjectDetection'],
      text_config: { model_type: 'owlvit_text_model', hidden_size: 3, vocab_size: v.tokens.length },
      vision_config: { model_type: 'owlvit_vision_model', hidden_size: 3, image_size: S, patch_size: cell },
    },
    'preprocessor_config.json': {
      crop_size: { height: S, width: S },
      do_center_crop: false,
      do_normalize: true,
      do_resize: true,
      feature_extractor_type: 'OwlViTFeatureExtractor',
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      resample: 3,
      size: { height: S, width: S },
      processor_class: 'OwlViTProcessor',
    },
    'tokenizer.json': tokenizerJson(v, CLIP_SPECIALS, { bos: '<|startoftext|>', eos: '<|endoftext|>' }),
    'tokenizer_config.json': {
      tokenizer_class: 'CLIPTokenizer',
      model_max_length: 16,
      bos_token: '<|startoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '[UNK]',
    },
    'onnx/model.onnx': g.encode(),
  });
}
