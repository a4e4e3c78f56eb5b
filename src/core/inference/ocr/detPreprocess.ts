// PP-OCR detection input: the frame resized so both sides are multiples of 32 (PaddleOCR's
// DetResizeForTest) and normalised with ImageNet mean/std, as a 1x3xHxW float tensor.
// PaddleOCR reads images with OpenCV, so the model was trained on BGR: channel 0 is blue, and the
// mean/std lists apply in that order (0.485/0.229 to blue), exactly as PaddleOCR's NormalizeImage does.

export interface DetResizeOptions {
  /** Longest (limitType 'max') or shortest ('min') side after resizing, before rounding to 32. */
  limitSideLen: number;
  limitType: 'max' | 'min';
}

export const DEFAULT_DET_RESIZE: DetResizeOptions = { limitSideLen: 960, limitType: 'max' };

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface DetInput {
  /** 1 x 3 x height x width, BGR, normalised. */
  data: Float32Array;
  width: number;
  height: number;
}

/** The detector's input size for a frame: PaddleOCR's DetResizeForTest (limit, then round to 32). */
export function detInputSize(
  width: number,
  height: number,
  options: DetResizeOptions = DEFAULT_DET_RESIZE,
): { width: number; height: number } {
  const { limitSideLen, limitType } = options;
  let ratio = 1;
  if (limitType === 'max') {
    if (Math.max(width, height) > limitSideLen) ratio = limitSideLen / Math.max(width, height);
  } else if (Math.min(width, height) < limitSideLen) {
    ratio = limitSideLen / Math.min(width, height);
  }
  return {
    width: Math.max(Math.round((width * ratio) / 32) * 32, 32),
    height: Math.max(Math.round((height * ratio) / 32) * 32, 32),
  };
}

/**
 * Resizes one packed RGB24 frame (bilinear, pixel centres aligned as OpenCV's INTER_LINEAR) and
 * normalises it into the detector's CHW tensor.
 */
export function detPreprocess(
  rgb: Uint8Array,
  width: number,
  height: number,
  options: DetResizeOptions = DEFAULT_DET_RESIZE,
): DetInput {
  const size = detInputSize(width, height, options);
  const outW = size.width;
  const outH = size.height;
  const plane = outW * outH;
  const data = new Float32Array(3 * plane);
  // Per channel c of the output (0 = B, 1 = G, 2 = R): value * scale + offset.
  const scale = [0, 1, 2].map((c) => 1 / 255 / STD[c]);
  const offset = [0, 1, 2].map((c) => -MEAN[c] / STD[c]);

  const xs = sampleTable(width, outW);
  const ys = sampleTable(height, outH);
  const rowStride = width * 3;
  for (let y = 0; y < outH; y++) {
    const y0 = ys.i0[y] * rowStride;
    const y1 = ys.i1[y] * rowStride;
    const fy = ys.f[y];
    for (let x = 0; x < outW; x++) {
      const x0 = xs.i0[x] * 3;
      const x1 = xs.i1[x] * 3;
      const fx = xs.f[x];
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const o = y * outW + x;
      for (let c = 0; c < 3; c++) {
        // Output channel c (BGR) reads input channel 2 - c (RGB).
        const k = 2 - c;
        const v =
          rgb[y0 + x0 + k] * w00 + rgb[y0 + x1 + k] * w01 + rgb[y1 + x0 + k] * w10 + rgb[y1 + x1 + k] * w11;
        data[c * plane + o] = v * scale[c] + offset[c];
      }
    }
  }
  return { data, width: outW, height: outH };
}

/** Source indices and weights for each output position along one axis (half-pixel centres, clamped). */
function sampleTable(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float32Array(outSize);
  const ratio = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max((o + 0.5) * ratio - 0.5, 0), inSize - 1);
    const lo = Math.floor(s);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    f[o] = s - lo;
  }
  return { i0, i1, f };
}
