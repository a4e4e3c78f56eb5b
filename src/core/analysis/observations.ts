// Expert model outputs turned into per-frame Observations (boxes in analysis-frame pixels) for the
// tracker: moving regions from the motion model's difference maps, OCR lines, detector boxes, and a
// dominant-colour name so a moving region can be described ("the yellow object").
import type { Detection, OcrLine, TaskOutput } from '../../protocol/inference';
import type { Box, FrameRef, Observation } from './analysisTypes';

export interface FrameSize {
  width: number;
  height: number;
}

/** One RGB24 frame (a SampledFrame or one frame of a FrameBatch). */
export interface RgbFrame extends FrameSize {
  data: Uint8Array;
}

export interface MotionObservationOptions {
  /** Map values below this never count as motion, however quiet the rest of the map (0..1 intensity). */
  floor?: number;
  /** Cells above mean + `sigmas` x std of the map count as moving (capped at half the map's peak). */
  sigmas?: number;
  /** Components with fewer cells are noise. */
  minCells?: number;
  /** Components this many cells apart or closer (and overlapping across) are one object. */
  mergeGap?: number;
}

export const MOTION_OBSERVATION_DEFAULTS: Required<MotionObservationOptions> = {
  floor: 0.04,
  sigmas: 2,
  minCells: 2,
  // A uniform object's difference is its leading and trailing edges, apart by its size minus its step.
  mergeGap: 3,
};

/** A mean difference of this much (0..1 intensity) scores 1 - 1/e ≈ 0.63. */
export const MOTION_SCORE_SCALE = 0.1;

/**
 * Moving regions, one Observation per region per frame pair, attributed to the later frame of the
 * pair (`frames[p + 1]`). A region's box covers where the object was in both frames of the pair.
 */
export function motionObservations(
  output: TaskOutput<'motion'>,
  frames: readonly FrameRef[],
  size: FrameSize,
  options: MotionObservationOptions = {},
): Observation[] {
  const settings = { ...MOTION_OBSERVATION_DEFAULTS, ...options };
  const { pairs, mapWidth, mapHeight, maps } = output;
  if (frames.length !== pairs + 1) {
    throw new RangeError(`motion: ${pairs} pairs need ${pairs + 1} frames, got ${frames.length}`);
  }
  const cells = mapWidth * mapHeight;
  const sx = size.width / mapWidth;
  const sy = size.height / mapHeight;
  const observations: Observation[] = [];
  for (let p = 0; p < pairs; p++) {
    const map = maps.subarray(p * cells, (p + 1) * cells);
    for (const region of movingRegions(map, mapWidth, mapHeight, settings)) {
      observations.push({
        frame: frames[p + 1],
        box: [region.x0 * sx, region.y0 * sy, region.x1 * sx, region.y1 * sy],
        score: 1 - Math.exp(-region.mean / MOTION_SCORE_SCALE),
        source: 'motion',
      });
    }
  }
  return observations;
}

/** A region of a map in cells: [x0, x1) x [y0, y1), with the mean value of its moving cells. */
interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  sum: number;
  count: number;
  mean: number;
}

function movingRegions(
  map: Float32Array,
  width: number,
  height: number,
  settings: Required<MotionObservationOptions>,
): Region[] {
  const threshold = adaptiveThreshold(map, settings);
  const labels = new Int32Array(map.length).fill(-1);
  const regions: Region[] = [];
  for (let start = 0; start < map.length; start++) {
    if (labels[start] >= 0 || map[start] < threshold) continue;
    // Flood fill, 8-connected.
    const region: Region = { x0: width, y0: height, x1: 0, y1: 0, sum: 0, count: 0, mean: 0 };
    const stack = [start];
    labels[start] = regions.length;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      region.x0 = Math.min(region.x0, x);
      region.y0 = Math.min(region.y0, y);
      region.x1 = Math.max(region.x1, x + 1);
      region.y1 = Math.max(region.y1, y + 1);
      region.sum += map[i];
      region.count++;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const j = ny * width + nx;
          if (labels[j] < 0 && map[j] >= threshold) {
            labels[j] = regions.length;
            stack.push(j);
          }
        }
      }
    }
    regions.push(region);
  }
  return mergeNearby(regions, settings.mergeGap)
    .filter((r) => r.count >= settings.minCells)
    .map((r) => ({ ...r, mean: r.sum / r.count }));
}

/** mean + k·std of the map, never below the floor, never above half the peak (so the peak counts). */
function adaptiveThreshold(map: Float32Array, settings: Required<MotionObservationOptions>): number {
  let sum = 0;
  let squares = 0;
  let peak = 0;
  for (const v of map) {
    sum += v;
    squares += v * v;
    peak = Math.max(peak, v);
  }
  const mean = sum / map.length;
  const std = Math.sqrt(Math.max(0, squares / map.length - mean * mean));
  return Math.max(settings.floor, Math.min(mean + settings.sigmas * std, peak / 2));
}

function mergeNearby(regions: Region[], gap: number): Region[] {
  const merged = [...regions];
  for (let changed = true; changed;) {
    changed = false;
    for (let a = 0; a < merged.length && !changed; a++) {
      for (let b = a + 1; b < merged.length && !changed; b++) {
        if (!near(merged[a], merged[b], gap)) continue;
        const [ra, rb] = [merged[a], merged[b]];
        merged[a] = {
          x0: Math.min(ra.x0, rb.x0),
          y0: Math.min(ra.y0, rb.y0),
          x1: Math.max(ra.x1, rb.x1),
          y1: Math.max(ra.y1, rb.y1),
          sum: ra.sum + rb.sum,
          count: ra.count + rb.count,
          mean: 0,
        };
        merged.splice(b, 1);
        changed = true;
      }
    }
  }
  return merged;
}

/** Close along one axis and overlapping along the other: the edges of one object, not two objects. */
function near(a: Region, b: Region, gap: number): boolean {
  const gapX = Math.max(a.x0, b.x0) - Math.min(a.x1, b.x1);
  const gapY = Math.max(a.y0, b.y0) - Math.min(a.y1, b.y1);
  return (gapX <= gap && gapY < 0) || (gapY <= gap && gapX < 0) || (gapX <= 0 && gapY <= 0);
}

/** OCR lines as axis-aligned boxes around their four corners, with their text. */
export function ocrObservations(output: TaskOutput<'ocr'>, frames: readonly FrameRef[]): Observation[] {
  checkFrameCount('ocr', output.frames.length, frames.length);
  return output.frames.flatMap((lines: OcrLine[], f) =>
    lines.map((line) => ({
      frame: frames[f],
      box: boundingBox(line.points),
      score: line.score,
      source: 'ocr',
      text: line.text.trim(),
    })),
  );
}

/** Detector boxes with their labels. */
export function detectionObservations(
  output: TaskOutput<'detect'>,
  frames: readonly FrameRef[],
): Observation[] {
  checkFrameCount('detect', output.frames.length, frames.length);
  return output.frames.flatMap((detections: Detection[], f) =>
    detections.map((d) => ({
      frame: frames[f],
      box: [...d.box] as Box,
      score: d.score,
      source: 'detector',
      label: d.label,
    })),
  );
}

function checkFrameCount(task: string, got: number, expected: number): void {
  if (got !== expected) throw new RangeError(`${task}: output has ${got} frames, expected ${expected}`);
}

function boundingBox(points: readonly [number, number][]): Box {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

// ---------- Colour names ----------

/** Names the colour of most of a box's pixels; the frame's background colour yields to a figure. */
export function dominantColourName(frame: RgbFrame, box: Box): string {
  const inside = colourHistogram(frame, box, 1);
  const ranked = [...inside.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (ranked.length === 0) return 'grey';
  const total = ranked.reduce((s, [, n]) => s + n, 0);
  // A box drawn around a moving object also holds background: when the box's top colour is the
  // whole frame's, a second colour with a real share of the box is the object's.
  if (ranked.length > 1 && ranked[1][1] >= total * 0.2) {
    const whole = colourHistogram(frame, [0, 0, frame.width, frame.height], 4);
    const background = [...whole.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    if (ranked[0][0] === background) return ranked[1][0];
  }
  return ranked[0][0];
}

/** Sets a colour label on motion observations that have none, from the frame each was seen in. */
export function withColourLabels(
  observations: readonly Observation[],
  frameOf: (frame: FrameRef) => RgbFrame | undefined,
): Observation[] {
  return observations.map((o) => {
    if (o.source !== 'motion' || o.label !== undefined) return o;
    const frame = frameOf(o.frame);
    return frame ? { ...o, label: dominantColourName(frame, o.box) } : o;
  });
}

function colourHistogram(frame: RgbFrame, box: Box, step: number): Map<string, number> {
  const x0 = clamp(Math.floor(box[0]), 0, frame.width);
  const y0 = clamp(Math.floor(box[1]), 0, frame.height);
  const x1 = clamp(Math.ceil(box[2]), 0, frame.width);
  const y1 = clamp(Math.ceil(box[3]), 0, frame.height);
  const counts = new Map<string, number>();
  for (let y = y0; y < y1; y += step) {
    for (let x = x0; x < x1; x += step) {
      const i = (y * frame.width + x) * 3;
      const name = colourName(frame.data[i], frame.data[i + 1], frame.data[i + 2]);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

/** A small named palette by hue, saturation and value (0..255 RGB in). */
export function colourName(r: number, g: number, b: number): string {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const value = max / 255;
  const saturation = max === 0 ? 0 : (max - min) / max;
  if (value < 0.2) return 'black';
  if (saturation < 0.25) return value > 0.8 ? 'white' : 'grey';
  let hue: number;
  if (max === r) hue = (60 * (g - b)) / (max - min);
  else if (max === g) hue = 120 + (60 * (b - r)) / (max - min);
  else hue = 240 + (60 * (r - g)) / (max - min);
  hue = (hue + 360) % 360;
  if (hue < 15 || hue >= 330) return 'red';
  if (hue < 40) return value < 0.6 ? 'brown' : 'orange';
  if (hue < 70) return 'yellow';
  if (hue < 165) return 'green';
  if (hue < 195) return 'cyan';
  if (hue < 260) return 'blue';
  if (hue < 290) return 'purple';
  return 'pink';
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
