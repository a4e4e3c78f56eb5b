// 'describe': a VLM's own words about a few frames (the video-level caption), by greedy decoding
// through the same SmolVLM path the scorer uses. Each step runs the whole sequence again (no KV
// cache): slower, but the exact forward pass the scorer is tested on, and captions are short.
import type { TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskHandler } from '../worker/taskContext';
import { framesToRawImages, loadTransformers } from '../hub/transformersHub';
import { int64Tensor, loadScorer, renderPrompt } from './scoreTextTask';

const DEFAULT_MAX_TOKENS = 40;

export const describeTask: TaskHandler<TaskInput<'describe'>, TaskOutput<'describe'>> = async (
  input,
  model,
  context,
) => {
  const maxTokens = input.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 256) {
    throw Object.assign(new Error(`maxTokens must be 1..256, got ${maxTokens}`), { code: 'bad-input' });
  }
  if (input.frames.count < 1)
    throw Object.assign(new Error('describe needs at least one frame'), { code: 'bad-input' });
  const t = await loadTransformers();
  const scorer = await loadScorer(context, model);
  const images = await framesToRawImages(t, input.frames);
  const prefix = await scorer.processor(renderPrompt(scorer, images.length, input.prompt), images, {
    do_image_splitting: false,
  });
  const ids = Array.from(prefix.input_ids.data as ArrayLike<bigint>, Number);
  const generated: number[] = [];
  for (let step = 0; step < maxTokens; step++) {
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
    const vocab = logits.dims[2];
    const data = logits.data as ArrayLike<number>;
    const row = (ids.length - 1) * vocab;
    let best = 0;
    for (let k = 1; k < vocab; k++) if (data[row + k] > data[row + best]) best = k;
    // A special token (end of utterance, padding) ends the answer: it decodes to nothing.
    if (
      scorer.processor.tokenizer.decode([best], { skip_special_tokens: true }).trim() === '' &&
      generated.length > 0
    )
      break;
    ids.push(best);
    generated.push(best);
  }
  const text = scorer.processor.tokenizer.decode(generated, { skip_special_tokens: true }).trim();
  return { text, tokens: generated.length };
};
