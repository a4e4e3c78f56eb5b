// DB (Differentiable Binarization) post-processing, as PaddleOCR's DBPostProcess does it without
// OpenCV: binarise the probability map, find connected text regions, fit a minimum-area rectangle to
// each, keep those whose mean probability is high enough, grow them by the unclip ratio (the
// detector predicts shrunk text kernels) and scale them to frame pixels.

export type Point = [number, number];

export interface DbOptions {
  /** Pixels with probability above this are text. */
  threshold: number;
  /** Boxes whose mean probability (over the box) is below this are dropped. */
  boxThreshold: number;
  /** How far boxes grow: offset distance = area * ratio / perimeter (PaddleOCR's unclip). */
  unclipRatio: number;
  /** Regions considered per map, largest first. */
  maxCandidates: number;
  /** Boxes with a shorter side (map pixels) are dropped; after unclipping the limit is minSize + 2. */
  minSize: number;
}

export const DEFAULT_DB_OPTIONS: DbOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  maxCandidates: 1000,
  minSize: 3,
};

export interface TextBox {
  /** Corners clockwise from top-left, in destination pixels. */
  points: Point[];
  /** Mean probability inside the (un-grown) box. */
  score: number;
}

export interface RotatedRect {
  center: Point;
  /** Unit vector along the rectangle's first side. */
  axis: Point;
  width: number;
  height: number;
}

/**
 * Text boxes from one probability map (`mapWidth` x `mapHeight`, row-major), scaled to a
 * `destWidth` x `destHeight` frame.
 */
export function dbPostprocess(
  prob: Float32Array,
  mapWidth: number,
  mapHeight: number,
  destWidth: number,
  destHeight: number,
  options: Partial<DbOptions> = {},
): TextBox[] {
  const opts = { ...DEFAULT_DB_OPTIONS, ...options };
  const regions = connectedRegions(prob, mapWidth, mapHeight, opts.threshold);
  regions.sort((a, b) => b.pixels - a.pixels);
  const boxes: TextBox[] = [];
  const sx = destWidth / mapWidth;
  const sy = destHeight / mapHeight;
  for (const region of regions.slice(0, opts.maxCandidates)) {
    const rect = minAreaRect(convexHull(region.outline));
    if (!rect || Math.min(rect.width, rect.height) < opts.minSize) continue;
    const corners = orderCorners(rectCorners(rect));
    const score = meanInside(prob, mapWidth, mapHeight, corners);
    if (score < opts.boxThreshold) continue;
    const grown = unclipRect(rect, opts.unclipRatio);
    if (Math.min(grown.width, grown.height) < opts.minSize + 2) continue;
    const points = orderCorners(rectCorners(grown)).map(([x, y]): Point => [
      clamp(Math.round(x * sx), 0, destWidth),
      clamp(Math.round(y * sy), 0, destHeight),
    ]);
    boxes.push({ points, score });
  }
  return boxes;
}

interface Region {
  pixels: number;
  /** The leftmost and rightmost pixel of every row: enough for the convex hull. */
  outline: Point[];
}

/** 8-connected regions of pixels above `threshold` (OpenCV's findContours sees the same shapes). */
export function connectedRegions(
  prob: Float32Array,
  width: number,
  height: number,
  threshold: number,
): Region[] {
  const size = width * height;
  const label = new Int32Array(size); // 0: unvisited; -1: background; >0: region id
  const stack = new Int32Array(size);
  const regions: Region[] = [];
  for (let start = 0; start < size; start++) {
    if (label[start] !== 0) continue;
    if (!(prob[start] > threshold)) {
      label[start] = -1;
      continue;
    }
    const id = regions.length + 1;
    const rowMin = new Map<number, number>();
    const rowMax = new Map<number, number>();
    let pixels = 0;
    let top = 0;
    stack[top++] = start;
    label[start] = id;
    while (top > 0) {
      const p = stack[--top];
      pixels++;
      const x = p % width;
      const y = (p - x) / width;
      const lo = rowMin.get(y);
      if (lo === undefined || x < lo) rowMin.set(y, x);
      const hi = rowMax.get(y);
      if (hi === undefined || x > hi) rowMax.set(y, x);
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width || (dx === 0 && dy === 0)) continue;
          const q = ny * width + nx;
          if (label[q] !== 0) continue;
          if (prob[q] > threshold) {
            label[q] = id;
            stack[top++] = q;
          } else {
            label[q] = -1;
          }
        }
      }
    }
    const outline: Point[] = [];
    for (const [y, lo] of rowMin) {
      outline.push([lo, y]);
      const hi = rowMax.get(y)!;
      if (hi !== lo) outline.push([hi, y]);
    }
    regions.push({ pixels, outline });
  }
  return regions;
}

/** Andrew's monotone chain; counter-clockwise in image coordinates (y down), no repeated points. */
export function convexHull(points: Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (sorted.length < 3) return sorted;
  const cross = (o: Point, a: Point, b: Point): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/** The smallest-area enclosing rectangle of a convex polygon: one of its sides lies on a hull edge. */
export function minAreaRect(hull: Point[]): RotatedRect | undefined {
  if (hull.length === 0) return undefined;
  if (hull.length === 1) return { center: [...hull[0]], axis: [1, 0], width: 0, height: 0 };
  let best: RotatedRect | undefined;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (len === 0) continue;
    const ux = (b[0] - a[0]) / len;
    const uy = (b[1] - a[1]) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const [px, py] of hull) {
      const u = px * ux + py * uy;
      const v = -px * uy + py * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        center: [cu * ux - cv * uy, cu * uy + cv * ux],
        axis: [ux, uy],
        width: maxU - minU,
        height: maxV - minV,
      };
    }
  }
  return best;
}

export function rectCorners(rect: RotatedRect): Point[] {
  const [cx, cy] = rect.center;
  const [ux, uy] = rect.axis;
  const hw = rect.width / 2;
  const hh = rect.height / 2;
  // Second axis (-uy, ux) is the first turned by +90 degrees.
  return [
    [cx - ux * hw + uy * hh, cy - uy * hw - ux * hh],
    [cx + ux * hw + uy * hh, cy + uy * hw - ux * hh],
    [cx + ux * hw - uy * hh, cy + uy * hw + ux * hh],
    [cx - ux * hw - uy * hh, cy - uy * hw + ux * hh],
  ];
}

/**
 * PaddleOCR's get_mini_boxes order: of the two leftmost corners the upper is top-left, of the two
 * rightmost the upper is top-right; returned as top-left, top-right, bottom-right, bottom-left.
 */
export function orderCorners(corners: Point[]): Point[] {
  const byX = [...corners].sort((a, b) => a[0] - b[0]);
  const [l1, l2, r1, r2] = byX;
  const [tl, bl] = l1[1] <= l2[1] ? [l1, l2] : [l2, l1];
  const [tr, br] = r1[1] <= r2[1] ? [r1, r2] : [r2, r1];
  return [tl, tr, br, bl];
}

/**
 * PaddleOCR grows each box with a round-joined polygon offset (pyclipper) by
 * area * ratio / perimeter and refits a minimum-area rectangle; for a rectangle that is the same
 * rectangle with every side moved out by that distance.
 */
export function unclipRect(rect: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (rect.width + rect.height);
  if (perimeter === 0) return rect;
  const distance = (rect.width * rect.height * ratio) / perimeter;
  return { ...rect, width: rect.width + 2 * distance, height: rect.height + 2 * distance };
}

/** Mean probability over the map pixels inside a convex quadrilateral (PaddleOCR's box_score_fast). */
export function meanInside(prob: Float32Array, width: number, height: number, quad: Point[]): number {
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const x0 = clamp(Math.floor(Math.min(...xs)), 0, width - 1);
  const x1 = clamp(Math.ceil(Math.max(...xs)), 0, width - 1);
  const y0 = clamp(Math.floor(Math.min(...ys)), 0, height - 1);
  const y1 = clamp(Math.ceil(Math.max(...ys)), 0, height - 1);
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (!insideConvex(quad, x, y)) continue;
      sum += prob[y * width + x];
      count++;
    }
  }
  return count ? sum / count : 0;
}

function insideConvex(quad: Point[], x: number, y: number): boolean {
  // Inside (edges included, with a little slack for rounding) when on the same side of every edge.
  let sign = 0;
  for (let i = 0; i < quad.length; i++) {
    const [ax, ay] = quad[i];
    const [bx, by] = quad[(i + 1) % quad.length];
    const cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    const edge = Math.hypot(bx - ax, by - ay) || 1;
    const d = cross / edge;
    if (Math.abs(d) <= 0.5) continue;
    const s = Math.sign(d);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}
