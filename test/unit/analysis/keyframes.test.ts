// Keyframe selection on synthetic descriptors with known structure: a distinct event, a relevance
// spike, a plateau, so each rule of the picker (novelty, smoothing, NMS, bins, time order) shows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FrameRef } from '../../../src/core/analysis/analysisTypes';
import { pickKeyframes, queryTextFor } from '../../../src/core/analysis/keyframes';
import type { Sample } from '../../../src/core/dataset/sample';
import { multipleChoiceTurns } from '../../../src/core/dataset/turnTemplates';

const DIM = 8;

function frames(n: number): FrameRef[] {
  return Array.from({ length: n }, (_, i) => ({ index: i * 25, pts: i + 0.5, time: i + 0.5 }));
}

/** Unit rows: each candidate's row is `base(i)` plus a little deterministic jitter, normalised. */
function descriptors(n: number, base: (i: number) => number[]): Float32Array {
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const row = base(i).map((v, d) => v + 0.02 * Math.sin(i * 7.1 + d * 3.3));
    const norm = Math.hypot(...row);
    row.forEach((v, d) => (out[i * DIM + d] = v / norm));
  }
  return out;
}

const axis = (d: number): number[] => Array.from({ length: DIM }, (_, j) => (j === d ? 1 : 0));
const flat = (n: number): Float32Array => descriptors(n, () => axis(0));

describe('pickKeyframes', () => {
  test('a distinct event (a two-candidate scene change) gets the best score and a pick', () => {
    const n = 40;
    const input = {
      candidates: frames(n),
      descriptors: descriptors(n, (i) => axis(i === 20 || i === 21 ? 3 : 0)),
      dim: DIM,
    };
    const result = pickKeyframes(input, { k: 3 });
    const best = result.candidates.reduce((b, c, i, all) => (c.score > all[b].score ? i : b), 0);
    assert.ok(best >= 19 && best <= 22, `best candidate ${best}`);
    assert.ok(
      result.picks.some((p) => p >= 19 && p <= 22),
      `picks ${result.picks.join(',')}`,
    );
    assert.equal(result.mode, 'top-k');
    assert.equal(result.query, undefined);
    assert.ok(result.candidates.every((c) => c.relevance === undefined && c.novelty >= 0 && c.novelty <= 1));
    assert.equal(result.params.smoothRadius, 6);
  });

  test('picks come back in time order, k of them, with the frames they refer to', () => {
    const n = 60;
    const relevance = Array.from({ length: n }, (_, i) => Math.sin(i * 0.9) + (i === 50 ? 3 : 0));
    const result = pickKeyframes(
      { candidates: frames(n), descriptors: flat(n), dim: DIM, relevance },
      { k: 10 },
    );
    assert.equal(result.picks.length, 10);
    for (let i = 1; i < result.picks.length; i++) assert.ok(result.picks[i] > result.picks[i - 1]);
    const times = result.picks.map((p) => result.candidates[p].time);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.equal(result.candidates[7].index, 7 * 25);
  });

  test('relevance is normalised to 0..1 over the clip and the query is recorded', () => {
    const n = 20;
    const relevance = Array.from({ length: n }, (_, i) => 0.2 + 0.01 * i);
    const query = { text: 'a red car', model: { id: 'hub/clip', version: '2' } };
    const result = pickKeyframes(
      { candidates: frames(n), descriptors: flat(n), dim: DIM, relevance, query },
      { k: 4 },
    );
    assert.deepEqual(result.query, query);
    assert.equal(result.candidates[0].relevance, 0);
    assert.equal(result.candidates[n - 1].relevance, 1);
    assert.ok(Math.abs((result.params.relevanceMin as number) - 0.2) < 1e-9);
    // The most relevant end of the clip wins.
    assert.ok(
      result.picks.every((p) => p >= n - 8),
      `picks ${result.picks.join(',')}`,
    );
  });

  test('the smoothing window spreads a spike exactly ±smoothRadius candidates', () => {
    const n = 30;
    const relevance = Array.from({ length: n }, (_, i) => (i === 15 ? 1 : 0));
    const input = { candidates: frames(n), descriptors: flat(n), dim: DIM, relevance };
    for (const radius of [0, 3, 6]) {
      // Novelty is switched off so only the relevance spike is smoothed.
      const result = pickKeyframes(input, { k: 1, smoothRadius: radius, noveltyWeight: 0 });
      const touched = result.candidates.flatMap((c, i) => (c.score > 0 ? [i] : []));
      assert.deepEqual(
        touched,
        Array.from({ length: 2 * radius + 1 }, (_, j) => 15 - radius + j),
        `radius ${radius}`,
      );
      assert.deepEqual(result.picks, [15]);
      assert.equal(result.params.smoothRadius, radius);
    }
  });

  test('non-maximum suppression keeps picks minGap apart; minGap 1 lets them cluster', () => {
    const n = 40;
    // One broad bump of relevance centred on 20.
    const relevance = Array.from({ length: n }, (_, i) => Math.exp(-(((i - 20) / 4) ** 2)));
    const input = { candidates: frames(n), descriptors: flat(n), dim: DIM, relevance };
    const clustered = pickKeyframes(input, { k: 3, minGap: 1, smoothRadius: 0 });
    assert.deepEqual(clustered.picks, [19, 20, 21]);
    const spread = pickKeyframes(input, { k: 3, minGap: 4, smoothRadius: 0 });
    assert.deepEqual(spread.picks, [16, 20, 24]);
    assert.equal(spread.params.minGap, 4);
    assert.equal(spread.params.gapRelaxed, 0);
  });

  test('when the gap leaves fewer than k candidates, the best remaining fill in and are counted', () => {
    const n = 6;
    const result = pickKeyframes(
      { candidates: frames(n), descriptors: flat(n), dim: DIM },
      { k: 5, minGap: 3 },
    );
    assert.equal(result.picks.length, 5);
    assert.equal(result.params.gapRelaxed, 3);
  });

  test('bins mode picks the best candidate of each equal time bin', () => {
    const n = 40;
    const relevance = Array.from({ length: n }, (_, i) => ((i * 37) % 11) / 10);
    const input = { candidates: frames(n), descriptors: flat(n), dim: DIM, relevance };
    const result = pickKeyframes(input, { k: 4, mode: 'bins', smoothRadius: 0 });
    assert.equal(result.mode, 'bins');
    assert.equal(result.picks.length, 4);
    result.picks.forEach((p, bin) => {
      assert.ok(p >= bin * 10 && p < (bin + 1) * 10, `pick ${p} outside bin ${bin}`);
      const scores = result.candidates.slice(bin * 10, (bin + 1) * 10).map((c) => c.score);
      assert.equal(result.candidates[p].score, Math.max(...scores));
    });
    assert.equal(result.params.minGap, undefined);
  });

  test('a shot boundary raises the novelty of its first candidate', () => {
    const n = 20;
    const input = { candidates: frames(n), descriptors: descriptors(n, (i) => axis((i * 7) % 3)), dim: DIM };
    const plain = pickKeyframes(input, { smoothRadius: 0, noveltyRadius: 1 });
    const cut = pickKeyframes(
      { ...input, cuts: [frames(n)[9]] },
      { smoothRadius: 0, noveltyRadius: 1, boundaryBoost: 5 },
    );
    assert.equal(cut.candidates[9].novelty, 1);
    assert.ok(plain.candidates[9].novelty < 1);
    assert.equal(cut.params.cuts, 1);
  });

  test('inputs that do not fit are refused with what was wrong', () => {
    assert.throws(
      () => pickKeyframes({ candidates: frames(3), descriptors: new Float32Array(5), dim: DIM }),
      /descriptors hold 5 values, but 3 candidates x 8 need 24/,
    );
    assert.throws(
      () => pickKeyframes({ candidates: frames(3), descriptors: flat(3), dim: DIM, relevance: [1] }),
      /relevance has 1 values for 3 candidates/,
    );
    assert.throws(
      () => pickKeyframes({ candidates: frames(3), descriptors: flat(3), dim: DIM }, { k: 0 }),
      /k must/,
    );
  });
});

describe('queryTextFor', () => {
  test('a multiple-choice sample gives its question without the options', () => {
    const question = 'What does the man pick up after opening the door?';
    const options = ['a cup', 'a book', 'his keys'];
    const sample: Pick<Sample, 'turns' | 'choice'> = {
      turns: multipleChoiceTurns(question, options, 1),
      choice: { question, options, answerIndex: 1 },
    };
    assert.equal(queryTextFor(sample), question);
  });

  test('options written into the question itself are stripped too', () => {
    const sample = {
      turns: [],
      choice: { question: 'Which colour is the car?\n(A) red\n(B) blue', options: ['red', 'blue'] },
    };
    assert.equal(queryTextFor(sample), 'Which colour is the car?');
  });

  test('without a choice: the grounding sentence, else the human turns without media tokens', () => {
    assert.equal(
      queryTextFor({
        turns: [{ role: 'human', text: '<video>\nWhen does "a dog jumps" happen in the video?' }],
      }),
      'a dog jumps',
    );
    assert.equal(queryTextFor({ turns: [], query: ' a person opens a door ' }), 'a person opens a door');
    assert.equal(
      queryTextFor({
        turns: [
          { role: 'human', text: '<video>\nWhat is shown?' },
          { role: 'gpt', text: 'A test pattern.' },
        ],
      }),
      'What is shown?',
    );
  });
});
