// Graph pieces both built-in models start with: the media layer's RGB24 bytes in, a fixed-size
// float image out, whatever the frame size.
import type { GraphBuilder } from './onnxBuilder';
import { int, ints, str } from './onnxBuilder';

/**
 * The largest size both models resample frames to (bilinear) before averaging blocks down to their
 * working size: a plain bilinear shrink reads only 2x2 pixels per output, so detail would alias.
 */
export const RESAMPLE_SIZE = 256;

/** ITU-R BT.601 luma weights, the ones ffmpeg's `format=gray` uses. */
export const LUMA = [0.299, 0.587, 0.114];

/** `frames` uint8 [N, H, W, 3] (packed RGB24, as decoded) → float [N, 3, H, W], still 0..255. */
export function framesToNchw(g: GraphBuilder, frames: string): string {
  // Transposing the uint8 bytes first moves a quarter of the memory a float transpose would.
  const nchw = g.node('Transpose', [frames], 'frames_nchw', { perm: ints([0, 3, 1, 2]) });
  return g.node('Cast', [nchw], 'frames_float', { to: int(1 /* FLOAT */) });
}

/**
 * [N, C, H, W] → [N, C, work, work]: a bilinear resize to k·work (k = ceil(max(H, W) / work), kept
 * within 1..maxFactor) and a mean over k×k blocks. Every source pixel counts for frames up to
 * maxFactor·work px, as with a resize to RESAMPLE_SIZE and a fixed pool; but a frame that is already
 * small (the analysis feeds 64x64) is no longer blown up 4x per side and averaged back, which was
 * most of both models' time. H, W and N stay dynamic; k is computed from the shape at run time.
 */
export function resampleBlocks(
  g: GraphBuilder,
  x: string,
  work: number,
  maxFactor: number,
  prefix: string,
): string {
  const shape = g.node('Shape', [x], `${prefix}_shape`);
  const slice = (from: number, to: number, name: string): string =>
    g.node(
      'Slice',
      [
        shape,
        g.int64Const(`${name}_start`, [1], [from]),
        g.int64Const(`${name}_end`, [1], [to]),
        g.int64Const(`${name}_axes`, [1], [0]),
      ],
      name,
    );
  const nc = slice(0, 2, `${prefix}_nc`);
  const hw = g.node('Cast', [slice(2, 4, `${prefix}_hw`)], `${prefix}_hw_float`, { to: int(1 /* FLOAT */) });
  const side = g.node('ReduceMax', [hw], `${prefix}_side`, { keepdims: int(1) });
  const ratio = g.node('Div', [side, g.floatConst(`${prefix}_work_float`, [], [work])], `${prefix}_ratio`);
  const factor = g.node(
    'Clip',
    [
      g.node('Ceil', [ratio], `${prefix}_ratio_ceil`),
      g.floatConst(`${prefix}_min_factor`, [], [1]),
      g.floatConst(`${prefix}_max_factor`, [], [maxFactor]),
    ],
    `${prefix}_factor_float`,
  );
  const k = g.node('Cast', [factor], `${prefix}_factor`, { to: int(7 /* INT64 */) });
  const workConst = g.int64Const(`${prefix}_work`, [1], [work]);
  const side2 = g.node('Mul', [k, workConst], `${prefix}_size`);
  const sizes = g.node('Concat', [nc, side2, side2], `${prefix}_sizes`, { axis: int(0) });
  const resized = g.node('Resize', [x, '', '', sizes], `${prefix}_resized`, {
    mode: str('linear'),
    coordinate_transformation_mode: str('half_pixel'),
  });
  const blockShape = g.node('Concat', [nc, workConst, k, workConst, k], `${prefix}_block_shape`, {
    axis: int(0),
  });
  const blocks = g.node('Reshape', [resized, blockShape], `${prefix}_blocks`);
  return g.node('ReduceMean', [blocks], `${prefix}_mean`, { axes: ints([3, 5]), keepdims: int(0) });
}
