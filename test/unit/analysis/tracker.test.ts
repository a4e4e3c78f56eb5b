// Observations from expert outputs, and the tracker that links them, on synthetic scenes with known
// trajectories: boxes moving at known speeds, text shown for a known span, flashes that are noise.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Box, FrameRef, Observation, Track } from '../../../src/core/analysis/analysisTypes';
import {
  colourName,
  detectionObservations,
  dominantColourName,
  motionObservations,
  ocrObservations,
  withColourLabels,
} from '../../../src/core/analysis/observations';
import { hungarian, textSimilarity, trackObservations } from '../../../src/core/analysis/tracker';

const W = 320;
const H = 240;
const FPS = 4;

/** Frames at 4 fps over `seconds` (index = decoded frame at 25 fps, as the media layer would give). */
function framesOver(seconds: number): FrameRef[] {
  return Array.from({ length: Math.round(seconds * FPS) + 1 }, (_, i) => ({
    index: i * 6,
    pts: i / FPS,
    time: i / FPS,
  }));
}

/** A box of `size` whose top-left moves linearly from `from` to `to` over [start, end] seconds. */
function moving(
  frames: FrameRef[],
  spec: { from: [number, number]; to: [number, number]; start: number; end: number; size?: number },
  extra: Partial<Observation> & { source: string },
): Observation[] {
  const size = spec.size ?? 40;
  return frames
    .filter((f) => f.time >= spec.start - 1e-9 && f.time <= spec.end + 1e-9)
    .map((frame) => {
      const k = spec.end > spec.start ? (frame.time - spec.start) / (spec.end - spec.start) : 0;
      const x = spec.from[0] + k * (spec.to[0] - spec.from[0]);
      const y = spec.from[1] + k * (spec.to[1] - spec.from[1]);
      const box: Box = [x, y, x + size, y + size];
      return { frame, box, score: 0.9, ...extra };
    });
}

/** The scene the dialogue tests also use: a yellow box left → right, "HELLO" 1–3 s, a red box later. */
function scene(frames: FrameRef[]): Observation[] {
  return [
    ...moving(
      frames,
      { from: [10, 100], to: [270, 100], start: 0, end: 5 },
      { source: 'motion', label: 'yellow' },
    ),
    ...moving(
      frames,
      { from: [100, 20], to: [100, 20], start: 1, end: 3, size: 60 },
      { source: 'ocr', text: 'HELLO' },
    ),
    ...moving(
      frames,
      { from: [200, 10], to: [220, 180], start: 2.5, end: 5 },
      { source: 'motion', label: 'red' },
    ),
    // A one-frame flash: noise, not an object.
    { frame: frames[6], box: [280, 200, 300, 220], score: 0.95, source: 'motion', label: 'white' },
  ];
}

/** A deterministic reordering, so the tracker is shown not to depend on input order. */
function scramble<T>(items: T[]): T[] {
  return items
    .map((item, i) => ({ item, key: (i * 7919) % 101 }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);
}

function summary(t: Track) {
  return {
    id: t.id,
    source: t.source,
    label: t.label,
    text: t.text,
    first: t.firstSeen,
    last: t.lastSeen,
    n: t.observations.length,
  };
}

describe('trackObservations', () => {
  test('one track per object, with first and last seen; a one-frame flash is no track', () => {
    const frames = framesOver(5);
    const result = trackObservations(scene(frames), { width: W, height: H, frames });
    assert.deepEqual(result.tracks.map(summary), [
      { id: 1, source: 'motion', label: 'yellow', text: undefined, first: 0, last: 5, n: 21 },
      { id: 2, source: 'ocr', label: undefined, text: 'HELLO', first: 1, last: 3, n: 9 },
      { id: 3, source: 'motion', label: 'red', text: undefined, first: 2.5, last: 5, n: 11 },
    ]);
    assert.equal(result.width, W);
    assert.equal(result.height, H);
    for (const track of result.tracks) {
      assert.ok(track.confidence > 0.8 && track.confidence <= 1, `track ${track.id}: ${track.confidence}`);
      const labels = new Set(track.observations.map((o) => o.label ?? o.text));
      assert.equal(labels.size, 1, `track ${track.id} mixes ${[...labels].join(', ')}`);
    }
  });

  test('ids and tracks do not depend on the order observations arrive in', () => {
    const frames = framesOver(5);
    const a = trackObservations(scene(frames), { width: W, height: H, frames });
    const b = trackObservations(scramble(scene(frames)), { width: W, height: H, frames: scramble(frames) });
    assert.deepEqual(b, a);
  });

  test('crossing objects keep their identities', () => {
    const frames = framesOver(4);
    const observations = [
      ...moving(
        frames,
        { from: [0, 100], to: [280, 100], start: 0, end: 4 },
        { source: 'detector', label: 'A' },
      ),
      ...moving(
        frames,
        { from: [280, 110], to: [0, 110], start: 0, end: 4 },
        { source: 'detector', label: 'B' },
      ),
    ];
    // Labels do not steer matching: strip them and tell the objects apart by position alone.
    const unlabelled: Observation[] = observations.map(({ label: _label, ...o }) => o);
    const byUnlabelled = new Map(unlabelled.map((o, i) => [o, observations[i].label]));
    const result = trackObservations(unlabelled, { width: W, height: H, frames });
    assert.equal(result.tracks.length, 2);
    for (const track of result.tracks) {
      const names = new Set(track.observations.map((o) => byUnlabelled.get(o)));
      assert.equal(names.size, 1, `track ${track.id} switched identity: ${[...names].join(' → ')}`);
      assert.ok(!names.has(undefined), 'tracks hold the observations given');
      assert.equal(track.observations.length, frames.length);
    }
  });

  test('OCR lines link on text: a misread frame stays in the track, a different text starts another', () => {
    const frames = framesOver(2);
    const box: Box = [100, 20, 200, 50];
    const observations: Observation[] = frames.map((frame, i) => ({
      frame,
      box,
      score: 0.95,
      source: 'ocr',
      text: i === 3 ? 'HELL0' : i < 6 ? 'HELLO' : 'GOODBYE',
    }));
    const result = trackObservations(observations, { width: W, height: H, frames });
    assert.deepEqual(
      result.tracks.map((t) => [t.text, t.firstSeen, t.lastSeen]),
      [
        ['HELLO', 0, 1.25],
        ['GOODBYE', 1.5, 2],
      ],
    );
  });

  test('short gaps keep the track; long gaps split it; low scores only extend', () => {
    const frames = framesOver(5);
    const path = moving(frames, { from: [0, 100], to: [250, 100], start: 0, end: 5 }, { source: 'motion' });
    const oneGap = path.filter((_, i) => i !== 8);
    assert.equal(trackObservations(oneGap, { width: W, height: H, frames }).tracks.length, 1);
    const longGap = path.filter((_, i) => i < 8 || i > 12);
    assert.deepEqual(
      trackObservations(longGap, { width: W, height: H, frames }).tracks.map((t) => [
        t.firstSeen,
        t.lastSeen,
      ]),
      [
        [0, 1.75],
        [3.25, 5],
      ],
    );
    const weakMiddle = path.map((o, i) => (i >= 8 && i <= 12 ? { ...o, score: 0.3 } : o));
    const result = trackObservations(weakMiddle, { width: W, height: H, frames });
    assert.equal(result.tracks.length, 1);
    assert.equal(result.tracks[0].observations.length, path.length);
    const weakOnly = path.map((o) => ({ ...o, score: 0.3 }));
    assert.equal(trackObservations(weakOnly, { width: W, height: H, frames }).tracks.length, 0);
  });

  test('a fast object at 1 fps (1.5 box widths a frame, never overlapping itself) is one track', () => {
    const frames = Array.from({ length: 5 }, (_, i) => ({ index: i * 25, pts: i, time: i }));
    const path = moving(
      frames,
      { from: [0, 100], to: [240, 100], start: 0, end: 4 },
      { source: 'detector', label: 'car' },
    );
    const result = trackObservations(path, { width: W, height: H, frames });
    assert.deepEqual(
      result.tracks.map((t) => t.observations.length),
      [5],
    );
  });

  test('sources never mix', () => {
    const frames = framesOver(2);
    const observations = [
      ...moving(frames, { from: [50, 50], to: [150, 50], start: 0, end: 2 }, { source: 'motion' }),
      ...moving(
        frames,
        { from: [50, 50], to: [150, 50], start: 0, end: 2 },
        { source: 'detector', label: 'car' },
      ),
    ];
    const result = trackObservations(observations, { width: W, height: H, frames });
    assert.deepEqual(result.tracks.map((t) => [t.source, t.observations.length]).sort(), [
      ['detector', 9],
      ['motion', 9],
    ]);
  });
});

describe('hungarian', () => {
  test('finds the cheapest assignment, square and rectangular', () => {
    assert.deepEqual(
      hungarian([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
      [1, 0, 2],
    );
    assert.deepEqual(hungarian([[5, 1, 9]]), [1]);
    assert.deepEqual(hungarian([[3], [1], [2]]), [-1, 0, -1]);
    assert.deepEqual(hungarian([]), []);
  });
});

describe('textSimilarity', () => {
  test('1 for the same text up to case and spaces, less per edit', () => {
    assert.equal(textSimilarity(' Hello  World', 'hello world'), 1);
    assert.equal(textSimilarity('HELLO', 'HELL0'), 0.8);
    assert.ok(textSimilarity('HELLO', 'GOODBYE') < 0.5);
  });
});

describe('observations', () => {
  const frames = framesOver(1).slice(0, 3);

  /** Maps of 32x32 with the given cells set (value per cell). */
  function motionOutput(pairs: { x: number; y: number; v: number }[][]) {
    const maps = new Float32Array(pairs.length * 1024);
    pairs.forEach((cells, p) => {
      for (let i = p * 1024; i < (p + 1) * 1024; i++) maps[i] = 0.005; // coding noise
      for (const c of cells) maps[p * 1024 + c.y * 32 + c.x] = c.v;
    });
    return { pairs: pairs.length, energy: new Float32Array(pairs.length), mapWidth: 32, mapHeight: 32, maps };
  }

  function block(x0: number, y0: number, x1: number, y1: number, v: number) {
    const cells: { x: number; y: number; v: number }[] = [];
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) cells.push({ x, y, v });
    return cells;
  }

  test('a moving object: its leading and trailing edges make one box, on the later frame', () => {
    // Edges of a uniform object, 3 cells apart; a second object far away; a quiet pair.
    const output = motionOutput([
      [...block(4, 10, 6, 14, 0.6), ...block(9, 10, 11, 14, 0.6), ...block(25, 25, 28, 28, 0.3)],
      [],
    ]);
    const found = motionObservations(output, frames, { width: W, height: H });
    assert.deepEqual(
      found.map((o) => [o.frame.index, o.box]),
      [
        [frames[1].index, [40, 75, 110, 105]],
        [frames[1].index, [250, 187.5, 280, 210]],
      ],
    );
    assert.ok(found[0].score > 0.99 && found[1].score > 0.9 && found[0].source === 'motion');
  });

  test('coding noise and single cells are not motion', () => {
    const output = motionOutput([[{ x: 3, y: 3, v: 0.5 }], [...block(0, 0, 32, 1, 0.03)]]);
    assert.deepEqual(motionObservations(output, frames, { width: W, height: H }), []);
  });

  test('OCR lines and detections become boxes with their text and label', () => {
    const ocr = ocrObservations(
      {
        frames: [
          [
            {
              points: [
                [12, 20],
                [80, 18],
                [81, 40],
                [13, 42],
              ],
              text: ' HELLO ',
              score: 0.97,
            },
          ],
          [],
        ],
      },
      frames.slice(0, 2),
    );
    assert.deepEqual(ocr, [
      { frame: frames[0], box: [12, 18, 81, 42], score: 0.97, source: 'ocr', text: 'HELLO' },
    ]);
    const detections = detectionObservations(
      { frames: [[], [{ box: [1, 2, 3, 4], label: 'dog', score: 0.7 }]] },
      frames.slice(0, 2),
    );
    assert.deepEqual(detections, [
      { frame: frames[1], box: [1, 2, 3, 4], score: 0.7, source: 'detector', label: 'dog' },
    ]);
  });

  test('colour names: a palette, and a figure wins over the background in a loose box', () => {
    assert.equal(colourName(250, 230, 20), 'yellow');
    assert.equal(colourName(220, 30, 30), 'red');
    assert.equal(colourName(30, 60, 220), 'blue');
    assert.equal(colourName(40, 200, 60), 'green');
    assert.equal(colourName(10, 10, 12), 'black');
    assert.equal(colourName(128, 128, 128), 'grey');
    assert.equal(colourName(250, 250, 250), 'white');
    // Dark blue-grey frame with a yellow 40x40 square; the box around it is 60% background.
    const data = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) data.set([16, 24, 32], i * 3);
    for (let y = 100; y < 140; y++) for (let x = 100; x < 140; x++) data.set([255, 255, 0], (y * W + x) * 3);
    const frame = { width: W, height: H, data };
    assert.equal(dominantColourName(frame, [80, 90, 160, 150]), 'yellow');
    assert.equal(dominantColourName(frame, [0, 0, 60, 60]), 'black');
    const labelled = withColourLabels(
      [
        { frame: frames[1], box: [90, 95, 150, 145], score: 1, source: 'motion' },
        { frame: frames[1], box: [90, 95, 150, 145], score: 1, source: 'ocr', text: 'x' },
      ],
      () => frame,
    );
    assert.deepEqual(
      labelled.map((o) => o.label),
      ['yellow', undefined],
    );
  });
});
