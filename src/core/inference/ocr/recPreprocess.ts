// PP-OCR recognition input: each detected quadrilateral cut out of the frame and straightened
// (PaddleOCR's get_rotate_crop_image; tall boxes are turned 90 degrees counter-clockwise), scaled to
// 48 pixels high keeping its aspect, normalised to [-1, 1] in BGR order and right-padded with zeros
// to the batch width (PaddleOCR's resize_norm_img, at least 320 wide).
import type { Point } from './dbPostprocess';

export const REC_HEIGHT = 48;
/** PaddleOCR's rec_image_shape width: the narrowest batch the recogniser is fed. */
export const REC_MIN_WIDTH = 320;
/** Widest line image; longer lines are squeezed (PaddleOCR leaves them unbounded). */
export const REC_MAX_WIDTH = 3200;
/** Boxes at least this much taller than wide are read as vertical text. */
const VERTICAL_RATIO = 1.5;

export interface FrameView {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** A text line straightened to REC_HEIGHT rows, RGB24. */
export interface LineImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface RecBatch {
  /** n x 3 x REC_HEIGHT x width, BGR, (x / 255 - 0.5) / 0.5, zero-padded on the right. */
  data: Float32Array;
  count: number;
  width: number;
}

/** Size of the straightened crop before scaling, as get_rotate_crop_image measures it. */
export function cropSize(points: Point[]): { width: number; height: number } {
  const [p0, p1, p2, p3] = points;
  return {
    width: Math.max(distance(p0, p1), distance(p2, p3)),
    height: Math.max(distance(p0, p3), distance(p1, p2)),
  };
}

/**
 * Cuts the quadrilateral `points` (top-left, top-right, bottom-right, bottom-left) out of the frame
 * and resamples it straight onto a REC_HEIGHT-high image. Pixels outside the frame repeat the edge.
 */
export function cropLine(frame: FrameView, points: Point[]): LineImage {
  let corners = points;
  let { width: cropW, height: cropH } = cropSize(points);
  if (cropW > 0 && cropH / cropW >= VERTICAL_RATIO) {
    // np.rot90 (counter-clockwise): the old top-right becomes the new top-left.
    corners = [points[1], points[2], points[3], points[0]];
    [cropW, cropH] = [cropH, cropW];
  }
  const outH = REC_HEIGHT;
  const ratio = cropH > 0 ? cropW / cropH : 1;
  const outW = Math.max(1, Math.min(REC_MAX_WIDTH, Math.ceil(outH * ratio)));
  // Shrinking a tall crop by point sampling would alias thin strokes: average a few samples per pixel.
  const ss = Math.max(1, Math.min(4, Math.floor(cropH / outH)));
  const [tl, tr, br, bl] = corners;
  const rgb = new Uint8Array(outW * outH * 3);
  const acc = [0, 0, 0];
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < ss; sy++) {
        const v = (y + (sy + 0.5) / ss) / outH;
        for (let sx = 0; sx < ss; sx++) {
          const u = (x + (sx + 0.5) / ss) / outW;
          // Bilinear blend of the corners: exact for the rectangles the detector yields.
          const px = (1 - v) * ((1 - u) * tl[0] + u * tr[0]) + v * ((1 - u) * bl[0] + u * br[0]) - 0.5;
          const py = (1 - v) * ((1 - u) * tl[1] + u * tr[1]) + v * ((1 - u) * bl[1] + u * br[1]) - 0.5;
          sampleBilinear(frame, px, py, acc);
        }
      }
      const o = (y * outW + x) * 3;
      const n = ss * ss;
      rgb[o] = Math.round(acc[0] / n);
      rgb[o + 1] = Math.round(acc[1] / n);
      rgb[o + 2] = Math.round(acc[2] / n);
    }
  }
  return { width: outW, height: outH, rgb };
}

/** Packs line images into one recogniser batch, as wide as the widest (at least REC_MIN_WIDTH). */
export function recBatch(lines: LineImage[]): RecBatch {
  const width = Math.max(REC_MIN_WIDTH, ...lines.map((l) => l.width));
  const plane = REC_HEIGHT * width;
  const data = new Float32Array(lines.length * 3 * plane);
  lines.forEach((line, n) => {
    const base = n * 3 * plane;
    for (let y = 0; y < REC_HEIGHT; y++) {
      for (let x = 0; x < line.width; x++) {
        const i = (y * line.width + x) * 3;
        const o = base + y * width + x;
        // BGR channel order, as PaddleOCR (OpenCV) trained it.
        data[o] = line.rgb[i + 2] / 127.5 - 1;
        data[o + plane] = line.rgb[i + 1] / 127.5 - 1;
        data[o + 2 * plane] = line.rgb[i] / 127.5 - 1;
      }
    }
  });
  return { data, count: lines.length, width };
}

function sampleBilinear(frame: FrameView, px: number, py: number, acc: number[]): void {
  const { rgb, width, height } = frame;
  const x = Math.min(Math.max(px, 0), width - 1);
  const y = Math.min(Math.max(py, 0), height - 1);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = x - x0;
  const fy = y - y0;
  const i00 = (y0 * width + x0) * 3;
  const i01 = (y0 * width + x1) * 3;
  const i10 = (y1 * width + x0) * 3;
  const i11 = (y1 * width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = rgb[i00 + c] * (1 - fx) + rgb[i01 + c] * fx;
    const bottom = rgb[i10 + c] * (1 - fx) + rgb[i11 + c] * fx;
    acc[c] += top * (1 - fy) + bottom * fy;
  }
}

function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
