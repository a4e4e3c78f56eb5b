// Links per-frame Observations into tracks, ByteTrack-style: each track's box is predicted by a
// constant-velocity Kalman filter, high-score observations are matched first and low-score ones
// second (they only extend tracks, never start them), by Hungarian assignment on an overlap cost.
// Sources never mix; OCR lines must also read alike. A track is born after `minHits` consecutive
// hits and dies after `maxMisses` frames unmatched. The result depends only on the input.
import type { Box, FrameRef, Observation, Track, TrackResult } from './analysisTypes';

export interface TrackerOptions {
  /** Frame size the boxes refer to. */
  width: number;
  height: number;
  /**
   * Every frame the experts looked at, so a frame with nothing seen still counts as a miss. Without
   * it, the frames that hold an observation.
   */
  frames?: readonly FrameRef[];
  /** Observations scoring this or more are matched first and may start tracks. */
  highScore?: number;
  /** Observations below this are ignored; between the two they only extend existing tracks. */
  lowScore?: number;
  /** Least DIoU (IoU minus normalised centre distance, -1..1) between prediction and a high match. */
  minOverlap?: number;
  /** Least DIoU for a track's second hit, before its velocity is known (a fast object jumps). */
  minOverlapNew?: number;
  /** Least DIoU for a low-score match (stricter: low scores are often noise). */
  minOverlapLow?: number;
  /** OCR lines match only when their texts are this alike (1 - edit distance / length). */
  minTextSimilarity?: number;
  /** Consecutive hits before a track exists (a one-frame flash never does). */
  minHits?: number;
  /** Frames a track may go unmatched before it ends. */
  maxMisses?: number;
  /** Kalman measurement noise: standard deviation as a fraction of the box side. */
  measurementNoise?: number;
  /** Kalman process noise: acceleration standard deviation in box sides per second squared. */
  acceleration?: number;
  /** Hits at which a track's length factor reaches 1 - 1/e (confidence = mean score x length factor). */
  lengthScale?: number;
}

export const TRACKER_DEFAULTS = {
  highScore: 0.5,
  lowScore: 0.1,
  minOverlap: -0.2,
  minOverlapNew: -0.5,
  minOverlapLow: 0.3,
  minTextSimilarity: 0.5,
  minHits: 2,
  maxMisses: 2,
  measurementNoise: 0.1,
  acceleration: 1,
  lengthScale: 3,
};

type Settings = typeof TRACKER_DEFAULTS;

export function trackObservations(
  observations: readonly Observation[],
  options: TrackerOptions,
): TrackResult {
  const { width, height, frames: analysed, ...tuning } = options;
  const settings: Settings = { ...TRACKER_DEFAULTS, ...definedOnly(tuning) };
  const frames = frameList(analysed ?? observations.map((o) => o.frame));
  const sources = [...new Set(observations.map((o) => o.source))].sort();
  const linked = sources.flatMap((source) =>
    trackSource(
      observations.filter((o) => o.source === source),
      frames,
      settings,
    ),
  );
  linked.sort(
    (a, b) =>
      a.firstSeen - b.firstSeen ||
      a.source.localeCompare(b.source) ||
      a.observations[0].box[0] - b.observations[0].box[0] ||
      a.observations[0].box[1] - b.observations[0].box[1],
  );
  return {
    tracks: linked.map((t, i) => ({ ...t, id: i + 1 })),
    width,
    height,
    params: { tracker: 'bytetrack-kalman-v1', frames: frames.length, ...settings },
  };
}

/** Distinct frames in time order. */
function frameList(frames: readonly FrameRef[]): FrameRef[] {
  const byIndex = new Map<number, FrameRef>();
  for (const f of frames) if (!byIndex.has(f.index)) byIndex.set(f.index, f);
  return [...byIndex.values()].sort((a, b) => a.time - b.time || a.index - b.index);
}

interface LiveTrack {
  filter: BoxFilter;
  observations: Observation[];
  /** Consecutive hits since birth (counts to minHits) and misses since the last hit. */
  hits: number;
  misses: number;
  confirmed: boolean;
  /** The last text read, for OCR matching. */
  text?: string;
}

function trackSource(
  observations: Observation[],
  frames: FrameRef[],
  settings: Settings,
): Omit<Track, 'id'>[] {
  const byFrame = new Map<number, Observation[]>();
  for (const o of observations) {
    const list = byFrame.get(o.frame.index) ?? [];
    list.push(o);
    byFrame.set(o.frame.index, list);
  }
  const live: LiveTrack[] = [];
  const finished: LiveTrack[] = [];
  for (const frame of frames) {
    const seen = (byFrame.get(frame.index) ?? [])
      .filter((o) => o.score >= settings.lowScore)
      .sort(observationOrder);
    for (const track of live) track.filter.predict(frame.time);
    const high = seen.filter((o) => o.score >= settings.highScore);
    const low = seen.filter((o) => o.score < settings.highScore);

    const first = associate(live, high, settings.minOverlap, settings.minOverlapNew, settings);
    const left = live.filter((_, t) => !first.has(t));
    const second = associate(left, low, settings.minOverlapLow, settings.minOverlapLow, settings);
    const matched = new Set<LiveTrack>();
    for (const [t, d] of first) hit(live[t], high[d], settings, matched);
    for (const [t, d] of second) hit(left[t], low[d], settings, matched);

    const taken = new Set(first.values());
    for (let i = live.length - 1; i >= 0; i--) {
      const track = live[i];
      if (matched.has(track)) continue;
      track.misses++;
      // A tentative track must hit every frame until born; a confirmed one may miss a few.
      if (!track.confirmed || track.misses > settings.maxMisses) {
        live.splice(i, 1);
        if (track.confirmed) finished.push(track);
      }
    }
    high.forEach((o, d) => {
      if (taken.has(d)) return;
      const track: LiveTrack = {
        filter: new BoxFilter(o.box, frame.time, settings),
        observations: [o],
        hits: 1,
        misses: 0,
        confirmed: settings.minHits <= 1,
        ...(o.text !== undefined ? { text: o.text } : {}),
      };
      live.push(track);
    });
  }
  for (const track of live) if (track.confirmed) finished.push(track);
  return finished.map((t) => summarise(t, settings));
}

function hit(track: LiveTrack, o: Observation, settings: Settings, matched: Set<LiveTrack>): void {
  track.filter.update(o.box);
  track.observations.push(o);
  track.hits++;
  track.misses = 0;
  if (o.text !== undefined) track.text = o.text;
  if (track.hits >= settings.minHits) track.confirmed = true;
  matched.add(track);
}

/**
 * Hungarian assignment of tracks to observations within a DIoU gate (`newbornGate` for tracks with
 * one hit); returns track index → observation index.
 */
function associate(
  tracks: readonly LiveTrack[],
  found: readonly Observation[],
  gate: number,
  newbornGate: number,
  settings: Settings,
): Map<number, number> {
  const pairs = new Map<number, number>();
  if (tracks.length === 0 || found.length === 0) return pairs;
  const costs = tracks.map((track) => {
    const predicted = track.filter.box();
    // Same-size boxes 2.5 sides apart have DIoU -0.5: a newborn track's next hit may be that far.
    const least = track.hits === 1 ? newbornGate : gate;
    return found.map((o) => {
      const overlap = diou(predicted, o.box);
      if (overlap < least) return FORBIDDEN;
      let cost = 1 - overlap;
      if (track.text !== undefined || o.text !== undefined) {
        const similarity = textSimilarity(track.text ?? '', o.text ?? '');
        if (similarity < settings.minTextSimilarity) return FORBIDDEN;
        cost += 1 - similarity;
      }
      return cost;
    });
  });
  hungarian(costs).forEach((d, t) => {
    if (d >= 0 && costs[t][d] < FORBIDDEN) pairs.set(t, d);
  });
  return pairs;
}

function summarise(track: LiveTrack, settings: Settings): Omit<Track, 'id'> {
  const { observations } = track;
  const meanScore = observations.reduce((s, o) => s + o.score, 0) / observations.length;
  const lengthFactor = 1 - Math.exp(-observations.length / settings.lengthScale);
  const label = mostCommon(observations, (o) => o.label);
  const text = mostCommon(observations, (o) => o.text);
  return {
    source: observations[0].source,
    ...(label !== undefined ? { label } : {}),
    ...(text !== undefined ? { text } : {}),
    observations,
    confidence: meanScore * lengthFactor,
    firstSeen: observations[0].frame.time,
    lastSeen: observations[observations.length - 1].frame.time,
  };
}

/** The value with the highest total score; ties go to the value seen first. */
function mostCommon(
  observations: readonly Observation[],
  value: (o: Observation) => string | undefined,
): string | undefined {
  const totals = new Map<string, number>();
  for (const o of observations) {
    const v = value(o);
    if (v !== undefined) totals.set(v, (totals.get(v) ?? 0) + o.score);
  }
  let best: string | undefined;
  for (const [v, total] of totals) if (best === undefined || total > totals.get(best)!) best = v;
  return best;
}

function observationOrder(a: Observation, b: Observation): number {
  return (
    b.score - a.score ||
    a.box[0] - b.box[0] ||
    a.box[1] - b.box[1] ||
    a.box[2] - b.box[2] ||
    a.box[3] - b.box[3] ||
    (a.text ?? '').localeCompare(b.text ?? '') ||
    (a.label ?? '').localeCompare(b.label ?? '')
  );
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------- Geometry and text ----------

/** Distance-IoU: IoU minus squared centre distance over the squared diagonal of the enclosing box. */
export function diou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = area(a) + area(b) - inter;
  const iou = union > 0 ? inter / union : 0;
  const dx = (a[0] + a[2] - b[0] - b[2]) / 2;
  const dy = (a[1] + a[3] - b[1] - b[3]) / 2;
  const cw = Math.max(a[2], b[2]) - Math.min(a[0], b[0]);
  const ch = Math.max(a[3], b[3]) - Math.min(a[1], b[1]);
  const diagonal = cw * cw + ch * ch;
  return iou - (diagonal > 0 ? (dx * dx + dy * dy) / diagonal : 0);
}

function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** 1 - edit distance / longer length, on trimmed lower-case text with single spaces. */
export function textSimilarity(a: string, b: string): number {
  const x = normaliseText(a);
  const y = normaliseText(b);
  const longer = Math.max(x.length, y.length);
  return longer === 0 ? 1 : 1 - editDistance(x, y) / longer;
}

export function normaliseText(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

// ---------- Assignment ----------

const FORBIDDEN = 1e6;

/**
 * Minimum-cost assignment (Kuhn-Munkres with potentials, O(n²m)) of rows to columns; returns each
 * row's column, or -1 when there are more rows than columns and the row got none.
 */
export function hungarian(costs: readonly (readonly number[])[]): number[] {
  const rows = costs.length;
  const cols = rows === 0 ? 0 : costs[0].length;
  if (rows === 0 || cols === 0) return new Array<number>(rows).fill(-1);
  // The algorithm wants rows <= columns: solve the transpose otherwise.
  if (rows > cols) {
    const transposed = Array.from({ length: cols }, (_, c) => costs.map((row) => row[c]));
    const byColumn = hungarian(transposed);
    const result = new Array<number>(rows).fill(-1);
    byColumn.forEach((r, c) => (result[r] = c));
    return result;
  }
  const u = new Array<number>(rows + 1).fill(0);
  const v = new Array<number>(cols + 1).fill(0);
  const owner = new Array<number>(cols + 1).fill(0); // column → row (1-based), 0 = free
  const way = new Array<number>(cols + 1).fill(0);
  for (let r = 1; r <= rows; r++) {
    owner[0] = r;
    let col = 0;
    const minima = new Array<number>(cols + 1).fill(Infinity);
    const used = new Array<boolean>(cols + 1).fill(false);
    do {
      used[col] = true;
      const row = owner[col];
      let delta = Infinity;
      let next = 0;
      for (let c = 1; c <= cols; c++) {
        if (used[c]) continue;
        const reduced = costs[row - 1][c - 1] - u[row] - v[c];
        if (reduced < minima[c]) {
          minima[c] = reduced;
          way[c] = col;
        }
        if (minima[c] < delta) {
          delta = minima[c];
          next = c;
        }
      }
      for (let c = 0; c <= cols; c++) {
        if (used[c]) {
          u[owner[c]] += delta;
          v[c] -= delta;
        } else {
          minima[c] -= delta;
        }
      }
      col = next;
    } while (owner[col] !== 0);
    do {
      const previous = way[col];
      owner[col] = owner[previous];
      col = previous;
    } while (col !== 0);
  }
  const result = new Array<number>(rows).fill(-1);
  for (let c = 1; c <= cols; c++) if (owner[c] !== 0) result[owner[c] - 1] = c - 1;
  return result;
}

// ---------- Motion model ----------

/** One coordinate of a box as position and velocity (per second) with a 2x2 covariance. */
interface Axis {
  p: number;
  v: number;
  p00: number;
  p01: number;
  p11: number;
}

/**
 * Constant-velocity Kalman filter on box centre and size. The four coordinates move independently
 * (diagonal noise, as in SORT), so each is a 2-state filter; noise scales with the box's size.
 */
class BoxFilter {
  private readonly axes: Axis[];
  private time: number;

  constructor(
    box: Box,
    time: number,
    private readonly settings: Settings,
  ) {
    this.time = time;
    const [cx, cy, w, h] = centreSize(box);
    this.axes = [cx, cy, w, h].map((p, i) => {
      const side = this.side(i, w, h);
      const r = (settings.measurementNoise * side + 1) ** 2;
      // Velocity unknown at birth: a few sides per second either way.
      return { p, v: 0, p00: r, p01: 0, p11: (4 * side) ** 2 };
    });
  }

  predict(time: number): void {
    const dt = time - this.time;
    this.time = time;
    if (dt <= 0) return;
    const [, , w, h] = this.axes.map((a) => a.p);
    this.axes.forEach((a, i) => {
      const q = (this.settings.acceleration * this.side(i, w, h)) ** 2;
      a.p += a.v * dt;
      a.p00 += 2 * dt * a.p01 + dt * dt * a.p11 + (q * dt ** 4) / 4;
      a.p01 += dt * a.p11 + (q * dt ** 3) / 2;
      a.p11 += q * dt * dt;
    });
  }

  update(box: Box): void {
    const z = centreSize(box);
    this.axes.forEach((a, i) => {
      const r = (this.settings.measurementNoise * this.side(i, z[2], z[3]) + 1) ** 2;
      const s = a.p00 + r;
      const k0 = a.p00 / s;
      const k1 = a.p01 / s;
      const innovation = z[i] - a.p;
      a.p += k0 * innovation;
      a.v += k1 * innovation;
      const [p00, p01] = [a.p00, a.p01];
      a.p00 = (1 - k0) * p00;
      a.p01 = (1 - k0) * p01;
      a.p11 -= k1 * p01;
    });
  }

  box(): Box {
    const [cx, cy, w, h] = this.axes.map((a) => a.p);
    const hw = Math.max(1, w) / 2;
    const hh = Math.max(1, h) / 2;
    return [cx - hw, cy - hh, cx + hw, cy + hh];
  }

  /** The side a coordinate's noise scales with: width for x and width, height for y and height. */
  private side(axis: number, w: number, h: number): number {
    return Math.max(1, axis % 2 === 0 ? w : h);
  }
}

function centreSize(box: Box): [number, number, number, number] {
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box[2] - box[0], box[3] - box[1]];
}
