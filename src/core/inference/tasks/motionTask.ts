// The 'motion' worker task: the built-in frame-difference model (models/generator/motion.ts) over
// consecutive RGB24 frames. Each run takes up to `context.batchSize` frames; consecutive runs share
// one frame, so every pair (i, i+1) is computed exactly once and no pair straddles two runs unseen.
import type { TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskHandler } from '../worker/taskContext';
import { checkFrameBatch } from './frameSignatureTask';

export const MOTION_MODEL_ID = 'builtin/motion';
/** Side of each square difference map (the model's `maps` output is [N-1, 1, 32, 32]). */
export const MOTION_MAP_SIZE = 32;

export const motionTask: TaskHandler<TaskInput<'motion'>, TaskOutput<'motion'>> = async (
  input,
  model,
  context,
) => {
  const { count, width, height, data } = checkFrameBatch('motion', input?.frames);
  const mapSize = MOTION_MAP_SIZE * MOTION_MAP_SIZE;
  // Fewer than two frames make no pair: an empty result, not an error (a one-frame clip is still).
  const pairs = Math.max(0, count - 1);
  const energy = new Float32Array(pairs);
  const maps = new Float32Array(pairs * mapSize);
  const result = { pairs, energy, mapWidth: MOTION_MAP_SIZE, mapHeight: MOTION_MAP_SIZE, maps };
  context.checkCancelled();
  if (pairs === 0) return result;
  const session = await context.session(context.modelPath(model));
  const frameBytes = width * height * 3;
  // A run needs two frames to make a pair, whatever the configured batch size.
  const batch = Math.max(2, Math.floor(context.batchSize));
  for (let start = 0; start < pairs; start += batch - 1) {
    context.checkCancelled();
    const n = Math.min(batch, count - start);
    const tensor = new context.ort.Tensor(
      'uint8',
      data.subarray(start * frameBytes, (start + n) * frameBytes),
      [n, height, width, 3],
    );
    const out = await session.run({ frames: tensor });
    const chunkMaps = out.maps.data as Float32Array;
    const chunkEnergy = out.energy.data as Float32Array;
    if (chunkEnergy.length !== n - 1 || chunkMaps.length !== (n - 1) * mapSize) {
      throw new Error(
        `${model}: expected ${n - 1} pairs of ${MOTION_MAP_SIZE}x${MOTION_MAP_SIZE} maps, got maps ` +
          `${out.maps.dims.join('x')} and energy ${out.energy.dims.join('x')}`,
      );
    }
    energy.set(chunkEnergy, start);
    maps.set(chunkMaps, start * mapSize);
  }
  return result;
};
