// The 'frame-signature' worker task: the built-in descriptor model (models/generator/frameSignature.ts)
// over RGB24 frames of any size, in batches of at most `context.batchSize` frames. All resizing and
// normalisation happen inside the graph, so the bytes go in exactly as the media layer decoded them.
import type { FrameBatch, TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskHandler } from '../worker/taskContext';

export const FRAME_SIGNATURE_MODEL_ID = 'builtin/frame-signature';
/** Length of one signature (the model's `signature` output is [N, 256]). */
export const FRAME_SIGNATURE_DIM = 256;

export const frameSignatureTask: TaskHandler<
  TaskInput<'frame-signature'>,
  TaskOutput<'frame-signature'>
> = async (input, model, context) => {
  const frames = checkFrameBatch('frame-signature', input?.frames);
  const { count, width, height, data } = frames;
  const embeddings = new Float32Array(count * FRAME_SIGNATURE_DIM);
  context.checkCancelled();
  if (count === 0) return { dim: FRAME_SIGNATURE_DIM, embeddings };
  const session = await context.session(context.modelPath(model));
  const frameBytes = width * height * 3;
  const batch = Math.max(1, Math.floor(context.batchSize));
  for (let start = 0; start < count; start += batch) {
    context.checkCancelled();
    const n = Math.min(batch, count - start);
    const tensor = new context.ort.Tensor(
      'uint8',
      data.subarray(start * frameBytes, (start + n) * frameBytes),
      [n, height, width, 3],
    );
    const { signature } = await session.run({ frames: tensor });
    const values = signature.data as Float32Array;
    if (values.length !== n * FRAME_SIGNATURE_DIM) {
      throw new Error(
        `${model}: expected ${n}x${FRAME_SIGNATURE_DIM} signature values, got ${values.length} (dims ${signature.dims.join('x')})`,
      );
    }
    embeddings.set(values, start * FRAME_SIGNATURE_DIM);
  }
  return { dim: FRAME_SIGNATURE_DIM, embeddings };
};

/**
 * Checks a FrameBatch that crossed the process boundary; a bad one throws with code 'bad-input' so
 * the caller hears it was their request, not the model, that failed.
 */
export function checkFrameBatch(task: string, frames: FrameBatch | undefined): FrameBatch {
  if (!frames || !(frames.data instanceof Uint8Array)) {
    throw badInput(`${task}: input.frames must be a FrameBatch with RGB24 bytes in a Uint8Array`);
  }
  const { count, width, height, data } = frames;
  for (const [name, value] of Object.entries({ count, width, height })) {
    if (!Number.isInteger(value) || value < (name === 'count' ? 0 : 1)) {
      throw badInput(
        `${task}: frames.${name} must be a ${name === 'count' ? 'non-negative' : 'positive'} integer, got ${String(value)}`,
      );
    }
  }
  if (data.length !== count * width * height * 3) {
    throw badInput(
      `${task}: frames.data holds ${data.length} bytes, but ${count} RGB24 frames of ${width}x${height} ` +
        `need ${count * width * height * 3}`,
    );
  }
  return frames;
}

function badInput(message: string): Error {
  return Object.assign(new Error(message), { code: 'bad-input' as const });
}
