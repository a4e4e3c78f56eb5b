// Graph pieces both built-in models start with: the media layer's RGB24 bytes in, a fixed-size
// float image out, whatever the frame size.
import type { GraphBuilder } from './onnxBuilder';
import { int, ints, str } from './onnxBuilder';

/**
 * Both models resample frames to this size (bilinear) and then average blocks down to their working
 * size: a plain bilinear shrink reads only 2x2 pixels per output, so detail would alias in and out.
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
 * Bilinear resize of [N, C, H, W] to [N, C, size, size]. Opset 13 Resize takes full output sizes, so
 * N and C come from the input's shape at run time: H, W and N stay dynamic.
 */
export function resizeSquare(g: GraphBuilder, x: string, size: number, prefix: string): string {
  const shape = g.node('Shape', [x], `${prefix}_shape`);
  const nc = g.node(
    'Slice',
    [
      shape,
      g.int64Const(`${prefix}_nc_start`, [1], [0]),
      g.int64Const(`${prefix}_nc_end`, [1], [2]),
      g.int64Const(`${prefix}_nc_axes`, [1], [0]),
    ],
    `${prefix}_nc`,
  );
  const sizes = g.node('Concat', [nc, g.int64Const(`${prefix}_hw`, [2], [size, size])], `${prefix}_sizes`, {
    axis: int(0),
  });
  return g.node('Resize', [x, '', '', sizes], `${prefix}_resized`, {
    mode: str('linear'),
    coordinate_transformation_mode: str('half_pixel'),
  });
}
