// A fixture TextScorer whose answers follow from frame content, so tests know what TPL and
// sensitivity must come out as, plus a synthetic clip of solid-colour scenes to feed it.
//
// The scorer names each frame by its nearest palette colour and reads the frames as scenes (runs of
// one colour, in order). Per word of the text (lower-cased, split on non-letters):
//   - a word that is not a colour:                        p = 0.5 whatever the frames
//   - a colour word that is absent from the frames:        p = 0.01
//   - a colour word, first (or repeating the previous):   p = 0.9 when present
//   - a colour word after a different colour word c:      p = 0.01 + 0.89 · s, s = share of the scene
//                                                         changes out of c that go to this colour
// So "a grey screen" on a grey clip is explained by any single frame, while "red, then green, then
// blue" needs scenes red → green → blue in that order: one frame cannot explain it.
import type { FrameBatch } from '../../src/protocol/inference';
import type { FrameRef, ModelUse } from '../../src/core/analysis/analysisTypes';
import type {
  FrameProvider,
  FrameSelection,
  TextScore,
  TextScorer,
} from '../../src/core/analysis/textScorer';

export type Rgb = [number, number, number];

export const PALETTE: Record<string, Rgb> = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  grey: [128, 128, 128],
  black: [0, 0, 0],
  white: [255, 255, 255],
};

export const P_WORD = 0.5;
export const P_HIT = 0.9;
export const P_MISS = 0.01;

/** The palette colour nearest each frame's mean colour. */
export function frameColours(batch: FrameBatch): string[] {
  const pixels = batch.width * batch.height;
  return Array.from({ length: batch.count }, (_, f) => {
    const mean = [0, 0, 0];
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < 3; c++) mean[c] += batch.data[(f * pixels + p) * 3 + c];
    const m = mean.map((v) => v / pixels);
    let best = '';
    let bestDistance = Infinity;
    for (const [name, rgb] of Object.entries(PALETTE)) {
      const d = rgb.reduce((s, v, c) => s + (v - m[c]) ** 2, 0);
      if (d < bestDistance) [best, bestDistance] = [name, d];
    }
    return best;
  });
}

/** Per-word log-probabilities of `text` given frames of these colours (in order). */
export function fixtureLogProbs(colours: readonly string[], text: string): number[] {
  const scenes = colours.filter((c, i) => i === 0 || c !== colours[i - 1]);
  const present = new Set(colours);
  const words = text
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
  let previous: string | undefined;
  return words.map((word) => {
    if (!(word in PALETTE)) return Math.log(P_WORD);
    let p: number;
    if (!present.has(word)) p = P_MISS;
    else if (previous === undefined || previous === word) p = P_HIT;
    else {
      const out = scenes.flatMap((c, i) => (c === previous && i + 1 < scenes.length ? [scenes[i + 1]] : []));
      const share = out.length === 0 ? 0 : out.filter((c) => c === word).length / out.length;
      p = P_MISS + (P_HIT - P_MISS) * share;
    }
    previous = word;
    return Math.log(p);
  });
}

export interface FixtureCall {
  prompt: string;
  text: string;
  colours: string[];
}

export interface FixtureScorer extends TextScorer {
  readonly calls: FixtureCall[];
}

export function fixtureScorer(
  model: ModelUse = { id: 'fixture/colour-scorer', version: '1' },
): FixtureScorer {
  const calls: FixtureCall[] = [];
  return {
    model,
    calls,
    async score(frames, prompt, text, signal): Promise<TextScore> {
      signal?.throwIfAborted();
      const colours = frameColours(frames);
      calls.push({ prompt, text, colours });
      const logProbs = Float32Array.from(fixtureLogProbs(colours, text));
      if (logProbs.length === 0) throw new Error(`fixture scorer: no words in "${text}"`);
      return { logProbs, meanNll: -logProbs.reduce((a, b) => a + b, 0) / logProbs.length };
    },
  };
}

export interface Scene {
  colour: Rgb | keyof typeof PALETTE;
  seconds: number;
}

export interface SyntheticClip extends FrameProvider {
  fps: number;
  frameCount: number;
  /** The frames at these decoded indices. */
  at(indices: readonly number[]): FrameSelection;
}

/** A clip of solid-colour scenes at `fps` (frame i spans [i/fps, (i+1)/fps)), frames of 4x4 pixels. */
export function syntheticClip(scenes: readonly Scene[], fps = 4, size = 4): SyntheticClip {
  const colours: Rgb[] = [];
  for (const scene of scenes) {
    const rgb = typeof scene.colour === 'string' ? PALETTE[scene.colour] : scene.colour;
    for (let i = 0; i < Math.round(scene.seconds * fps); i++) colours.push(rgb);
  }
  const frameCount = colours.length;
  const duration = frameCount / fps;
  const at = (indices: readonly number[]): FrameSelection => {
    const frameBytes = size * size * 3;
    const data = new Uint8Array(indices.length * frameBytes);
    const refs: FrameRef[] = indices.map((index, i) => {
      for (let p = 0; p < size * size; p++) data.set(colours[index], i * frameBytes + p * 3);
      return { index, pts: index / fps, time: index / fps };
    });
    return { refs, batch: { count: indices.length, width: size, height: size, data } };
  };
  const indexAt = (t: number): number => Math.min(frameCount - 1, Math.max(0, Math.floor(t * fps)));
  return {
    fps,
    frameCount,
    duration,
    at,
    async uniform(count) {
      return at(Array.from({ length: count }, (_, i) => indexAt(((i + 0.5) * duration) / count)));
    },
    async atTimes(times) {
      return at(times.map(indexAt));
    },
  };
}
