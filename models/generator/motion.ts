// The built-in motion model: per pair of consecutive frames, a low-resolution map of how much the
// picture changed and its mean (motion energy), both in 0..1 units of intensity.
//
// Graph (N >= 1, H, W dynamic; N - 1 pairs):
//   frames uint8 [N,H,W,3] → Transpose, Cast → [N,3,H,W] 0..255
//   → Conv 1x1 (BT.601 luma / 255) → grey [N,1,H,W] 0..1
//   → Resize (bilinear) to [N,1,32k,32k], k = ceil(max(H,W)/32) in 1..8, → mean of k×k blocks
//     → [N,1,32,32] (bilinear alone skips pixels when shrinking, so a thin moving edge would count
//     more or less depending on where it falls; the block mean counts every pixel of frames up to
//     256 px and is the light blur that evens out noise; 64x64 frames are not resized at all)
//   → Slice [1:] and [:-1] along N → |next - previous| = `maps` [N-1,1,32,32]
//   → ReduceMean over (1,2,3) = `energy` [N-1]
import { encodeModel, GraphBuilder, int, INT64_MAX, ints } from './onnxBuilder';
import { framesToNchw, LUMA, RESAMPLE_SIZE, resampleBlocks } from './frameGraph';

export const MOTION_VERSION = 2;
export const MOTION_MAP_SIZE = 32;

export function motionModel(): Uint8Array {
  const g = new GraphBuilder();
  const frames = g.input('frames', 'uint8', ['N', 'H', 'W', 3]);
  const rgb = framesToNchw(g, frames);
  // Grey before resizing: one channel to resample instead of three.
  const grey = g.node(
    'Conv',
    [
      rgb,
      g.floatConst(
        'luma',
        [1, 3, 1, 1],
        LUMA.map((w) => w / 255),
      ),
    ],
    'grey',
  );
  const small = resampleBlocks(g, grey, MOTION_MAP_SIZE, RESAMPLE_SIZE / MOTION_MAP_SIZE, 'work');
  const axis0 = g.int64Const('batch_axis', [1], [0]);
  const next = g.node(
    'Slice',
    [small, g.int64Const('next_start', [1], [1]), g.int64Const('next_end', [1], [INT64_MAX]), axis0],
    'next',
  );
  const previous = g.node(
    'Slice',
    [small, g.int64Const('previous_start', [1], [0]), g.int64Const('previous_end', [1], [-1]), axis0],
    'previous',
  );
  const maps = g.node('Abs', [g.node('Sub', [next, previous], 'difference')], 'maps');
  const energy = g.node('ReduceMean', [maps], 'energy', { axes: ints([1, 2, 3]), keepdims: int(0) });
  g.output(maps, 'float', ['P', 1, MOTION_MAP_SIZE, MOTION_MAP_SIZE]);
  g.output(energy, 'float', ['P']);
  return encodeModel(
    g.build('motion', 'Video Curator built-in motion: see models/generator/motion.ts'),
    MOTION_VERSION,
    'Frame-difference maps (32x32) and motion energy for consecutive frame pairs; P = N - 1.',
  );
}
