// The built-in frame-signature model: a fixed, hand-designed 256-d descriptor (colour, layout,
// texture) for near-duplicate search, shot changes and keyframe diversity without downloading weights.
//
// Graph (N, H, W dynamic):
//   frames uint8 [N,H,W,3] → Transpose, Cast → [N,3,H,W] 0..255
//   → Resize (bilinear) to [N,3,64k,64k], k = ceil(max(H,W)/64) in 1..4, → mean of k×k blocks
//     → [N,3,64,64] → ×1/255: `rgb`, 0..1 (a plain bilinear shrink reads 2x2 pixels per output and
//     aliases; the block mean counts every pixel of frames up to 256 px, and a 64x64 frame, what the
//     analysis feeds, passes through as it is)
//   grey = Conv 1x1 (BT.601) → [N,1,64,64]
//
// Descriptor layout (dims), each block scaled by a fixed weight (SIGNATURE_BLOCKS) so that on natural
// video no block drowns the others, then concatenated and L2-normalised (LpNormalization, p=2):
//   [  0,  48) A colour layout:  mean R,G,B of each cell of a 4x4 grid, minus 0.5    (3x4x4)
//   [ 48,  96) B colour spread:  std of R,G,B inside each cell of the 4x4 grid         (3x4x4)
//   [ 96, 120) C colour moments: soft 8-bin histogram of R, G and B over the frame      (3x8)
//              (triangular bins that sum to 1 per channel; never all zero, so the norm is never 0)
//   [120, 184) D grey layout:    mean grey of each cell of an 8x8 grid, minus 0.5       (8x8)
//   [184, 248) E edges:          mean |oriented Sobel| at 0°, 45°, 90°, 135° per 4x4 cell (4x4x4)
//   [248, 256) F fine texture:   mean |Laplacian| per 2x2 quadrant at 64x64 and 32x32  (2x2x2)
// Centring the means on mid-grey makes them signed, so a dark and a bright frame point apart rather
// than both along the all-positive diagonal.
import { encodeModel, GraphBuilder, int, ints, str } from './onnxBuilder';
import { framesToNchw, LUMA, RESAMPLE_SIZE, resampleBlocks } from './frameGraph';

export const FRAME_SIGNATURE_DIM = 256;
export const FRAME_SIGNATURE_VERSION = 2;
/** Working resolution of the descriptor. */
export const WORK_SIZE = 64;

export interface SignatureBlock {
  name: string;
  dims: number;
  weight: number;
}

/**
 * In layout order. Weights set each block's mean share of the squared norm near an intended split
 * (A .25, B .10, C .15, D .25, E .20, F .05), measured on 1 frame/s of seven clips of
 * ../shared/realdata (music video, sport, slideshow, film, dance, phone, keynote) at 224x224; with
 * these weights the shares came out .28/.09/.14/.28/.17/.04.
 */
export const SIGNATURE_BLOCKS: readonly SignatureBlock[] = [
  { name: 'colourLayout', dims: 48, weight: 1 },
  { name: 'colourSpread', dims: 48, weight: 1 },
  { name: 'colourMoments', dims: 24, weight: 1.4 },
  { name: 'greyLayout', dims: 64, weight: 0.85 },
  { name: 'edges', dims: 64, weight: 2.4 },
  { name: 'fineTexture', dims: 8, weight: 7.5 },
];

const HISTOGRAM_BINS = 8;

// 3x3 kernels, scaled so a unit step edge gives a response of 1.
const SOBEL_0 = [-1, 0, 1, -2, 0, 2, -1, 0, 1].map((v) => v / 4);
const SOBEL_90 = [-1, -2, -1, 0, 0, 0, 1, 2, 1].map((v) => v / 4);
const SOBEL_45 = [0, 1, 2, -1, 0, 1, -2, -1, 0].map((v) => v / 4);
const SOBEL_135 = [-2, -1, 0, -1, 0, 1, 0, 1, 2].map((v) => v / 4);
const LAPLACIAN = [0, 1, 0, 1, -4, 1, 0, 1, 0].map((v) => v / 4);

export function frameSignatureModel(): Uint8Array {
  const g = new GraphBuilder();
  const frames = g.input('frames', 'uint8', ['N', 'H', 'W', 3]);
  const half = g.floatConst('half', [], [0.5]);
  const weight = (block: string): string => {
    const found = SIGNATURE_BLOCKS.find((b) => b.name === block);
    if (!found) throw new Error(`no block ${block}`);
    return g.floatConst(`${block}_weight`, [], [found.weight]);
  };
  const avgPool = (x: string, k: number, out: string): string =>
    g.node('AveragePool', [x], out, { kernel_shape: ints([k, k]), strides: ints([k, k]) });
  const flatten = (x: string, out: string): string => g.node('Flatten', [x], out, { axis: int(1) });
  const padEdge = (x: string, out: string): string =>
    g.node('Pad', [x, g.int64Const(`${out}_pads`, [8], [0, 0, 1, 1, 0, 0, 1, 1])], out, {
      mode: str('edge'),
    });

  // [N,3,H,W] 0..255 → [N,3,64k,64k] → k×k block means [N,3,64,64] → 0..1
  const small = resampleBlocks(g, framesToNchw(g, frames), WORK_SIZE, RESAMPLE_SIZE / WORK_SIZE, 'work');
  const rgb = g.node('Mul', [small, g.floatConst('inv255', [], [1 / 255])], 'rgb');
  const cell = WORK_SIZE / 4;

  // A: [N,3,4,4] cell means, centred → [N,48]
  const cellMean = avgPool(rgb, cell, 'cell_mean');
  const a = g.node(
    'Mul',
    [flatten(g.node('Sub', [cellMean, half], 'cell_mean_centred'), 'a_flat'), weight('colourLayout')],
    'block_a',
  );

  // B: [N,3,4,4] cell std = sqrt(max(0, E[x²] - E[x]²)) → [N,48]
  const cellSquare = avgPool(g.node('Mul', [rgb, rgb], 'rgb_squared'), cell, 'cell_square');
  const variance = g.node(
    'Relu',
    [g.node('Sub', [cellSquare, g.node('Mul', [cellMean, cellMean], 'cell_mean_sq')], 'cell_var_raw')],
    'cell_var',
  );
  const b = g.node(
    'Mul',
    [flatten(g.node('Sqrt', [variance], 'cell_std'), 'b_flat'), weight('colourSpread')],
    'block_b',
  );

  // C: [N,3,1,64*64] - bin centres [8,1] → [N,3,8,4096] → triangle membership → mean → [N,24]
  const pixels = g.node('Reshape', [rgb, g.int64Const('pixels_shape', [4], [0, 3, 1, -1])], 'pixels');
  const centres = Array.from({ length: HISTOGRAM_BINS }, (_, k) => k / (HISTOGRAM_BINS - 1));
  const distance = g.node(
    'Abs',
    [g.node('Sub', [pixels, g.floatConst('bin_centres', [HISTOGRAM_BINS, 1], centres)], 'bin_offset')],
    'bin_distance',
  );
  const membership = g.node(
    'Relu',
    [
      g.node(
        'Sub',
        [
          g.floatConst('one', [], [1]),
          g.node('Mul', [distance, g.floatConst('bin_scale', [], [HISTOGRAM_BINS - 1])], 'bin_scaled'),
        ],
        'bin_triangle',
      ),
    ],
    'bin_membership',
  );
  const histogram = g.node('ReduceMean', [membership], 'histogram', { axes: ints([3]), keepdims: int(0) });
  const c = g.node('Mul', [flatten(histogram, 'c_flat'), weight('colourMoments')], 'block_c');

  // D: grey [N,1,64,64] → [N,1,8,8] cell means, centred → [N,64]
  const grey = g.node('Conv', [rgb, g.floatConst('luma', [1, 3, 1, 1], LUMA)], 'grey');
  const greyCells = avgPool(grey, WORK_SIZE / 8, 'grey_cells');
  const d = g.node(
    'Mul',
    [flatten(g.node('Sub', [greyCells, half], 'grey_cells_centred'), 'd_flat'), weight('greyLayout')],
    'block_d',
  );

  // E: edge-padded grey [N,1,66,66] → 5 kernels [N,5,64,64] → |.| → [N,5,4,4]; channels 0..3 → [N,64]
  const filters = g.floatConst(
    'texture_kernels',
    [5, 1, 3, 3],
    [...SOBEL_0, ...SOBEL_45, ...SOBEL_90, ...SOBEL_135, ...LAPLACIAN],
  );
  const responses = g.node(
    'Abs',
    [g.node('Conv', [padEdge(grey, 'grey_padded'), filters], 'texture_raw')],
    'texture',
  );
  const textureCells = avgPool(responses, cell, 'texture_cells');
  const sliceChannels = (x: string, from: number, to: number, out: string): string =>
    g.node(
      'Slice',
      [
        x,
        g.int64Const(`${out}_start`, [1], [from]),
        g.int64Const(`${out}_end`, [1], [to]),
        g.int64Const(`${out}_axes`, [1], [1]),
      ],
      out,
    );
  const edges = sliceChannels(textureCells, 0, 4, 'edge_cells');
  const e = g.node('Mul', [flatten(edges, 'e_flat'), weight('edges')], 'block_e');

  // F: |Laplacian| per quadrant: [N,1,4,4] → [N,1,2,2] at 64x64; grey 32x32 → [N,1,2,2]; → [N,8]
  const fine64 = avgPool(sliceChannels(textureCells, 4, 5, 'laplacian_cells'), 2, 'laplacian64');
  const grey32 = avgPool(grey, 2, 'grey32');
  const laplacian32 = g.node(
    'Abs',
    [
      g.node(
        'Conv',
        [padEdge(grey32, 'grey32_padded'), g.floatConst('laplacian_kernel', [1, 1, 3, 3], LAPLACIAN)],
        'laplacian32_raw',
      ),
    ],
    'laplacian32_abs',
  );
  const fine32 = avgPool(laplacian32, WORK_SIZE / 4, 'laplacian32');
  const fine = g.node('Concat', [fine64, fine32], 'fine', { axis: int(1) });
  const f = g.node('Mul', [flatten(fine, 'f_flat'), weight('fineTexture')], 'block_f');

  const descriptor = g.node('Concat', [a, b, c, d, e, f], 'descriptor', { axis: int(1) });
  const signature = g.node('LpNormalization', [descriptor], 'signature', { axis: int(1), p: int(2) });
  g.output(signature, 'float', ['N', FRAME_SIGNATURE_DIM]);
  return encodeModel(
    g.build(
      'frame_signature',
      'Video Curator built-in frame signature: see models/generator/frameSignature.ts',
    ),
    FRAME_SIGNATURE_VERSION,
    'Fixed 256-d colour/layout/texture frame descriptor, L2-normalised.',
  );
}
