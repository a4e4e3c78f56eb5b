// Temporal sensitivity on synthetic clips with the fixture colour scorer: a text about what happens
// inside its window depends on the window; a text true everywhere does not, and is flagged.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Sample } from '../../../src/core/dataset/sample';
import {
  complementSpans,
  mergeSpans,
  spreadOver,
  temporalSensitivity,
} from '../../../src/core/analysis/temporalSensitivity';
import { fixtureLogProbs, fixtureScorer, syntheticClip } from '../../helpers/fixtureScorer';

type Grounding = Pick<Sample, 'id' | 'turns' | 'query' | 'windows'>;
const grounding = (id: string, query: string, start: number, end: number): Grounding => ({
  id,
  query,
  windows: [{ start, end }],
  turns: [
    { role: 'human', text: `<video>\nWhen does "${query}" happen in the video?` },
    { role: 'gpt', text: `From ${start} to ${end} seconds.` },
  ],
});
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('temporal sensitivity (fixture scorer)', () => {
  test('a window whose text describes what happens inside it is sensitive', async () => {
    const clip = syntheticClip([
      { colour: 'grey', seconds: 4 },
      { colour: 'red', seconds: 2 },
      { colour: 'grey', seconds: 4 },
    ]);
    const scorer = fixtureScorer();
    const result = await temporalSensitivity(grounding('g-red', 'a red flash', 4, 6), clip, scorer);
    // Inside: every frame red; outside: none.
    const expected =
      mean(fixtureLogProbs(['red'], 'a red flash')) - mean(fixtureLogProbs(['grey'], 'a red flash'));
    assert.ok(Math.abs(result.insideMinusOutside! - expected) < 1e-6, `${result.insideMinusOutside}`);
    assert.ok(result.insideMinusOutside! > 1);
    assert.equal(result.insensitive, false);
    assert.deepEqual(result.model, scorer.model);
    for (const f of result.frames!.inside!) assert.ok(f.time >= 4 && f.time < 6);
    for (const f of result.frames!.outside!) assert.ok(f.time < 4 || f.time >= 6);
    assert.equal(result.frames!.inside!.length, 4);
    // Edges ±1 s of 4 and 6 meet: one span [3, 7], eight frames over it.
    assert.deepEqual(
      result.frames!.ordered.map((f) => f.time),
      [3.25, 3.75, 4.25, 4.75, 5.25, 5.75, 6.25, 6.75],
    );
    assert.equal(result.params.text, 'query');
    assert.ok(
      scorer.calls.every((c) => c.text === 'a red flash' && c.prompt === 'Describe the video briefly.'),
    );
  });

  test('a text true everywhere is flagged insensitive', async () => {
    const clip = syntheticClip([{ colour: 'grey', seconds: 10 }]);
    const result = await temporalSensitivity(
      grounding('g-grey', 'a grey screen', 3, 5),
      clip,
      fixtureScorer(),
    );
    assert.equal(result.insideMinusOutside, 0);
    assert.equal(result.shuffleDelta, 0);
    assert.equal(result.insensitive, true);
    assert.deepEqual(
      {
        radius: result.params.radius,
        framesPerRegion: result.params.framesPerRegion,
        seed: result.params.seed,
      },
      { radius: 1, framesPerRegion: 4, seed: 'g-grey' },
    );
  });

  test('an order at the edges: shuffling the edge frames makes the text less likely, the same way each run', async () => {
    const clip = syntheticClip([
      { colour: 'grey', seconds: 3 },
      { colour: 'red', seconds: 2 },
      { colour: 'blue', seconds: 2 },
      { colour: 'grey', seconds: 3 },
    ]);
    const sample = grounding('g-order', 'red then blue', 3, 7);
    const result = await temporalSensitivity(sample, clip, fixtureScorer());
    const { ordered, shuffled } = result.frames!;
    assert.deepEqual(
      ordered.map((f) => f.time),
      [2.25, 2.75, 3.25, 3.75, 6.25, 6.75, 7.25, 7.75],
    );
    assert.equal(shuffled.length, 3);
    for (const shuffle of shuffled) {
      assert.deepEqual(
        shuffle.map((f) => f.index).sort((a, b) => a - b),
        ordered.map((f) => f.index),
      );
      assert.notDeepEqual(shuffle, ordered);
    }
    assert.ok(result.shuffleDelta! > 0, `shuffleDelta ${result.shuffleDelta}`);
    assert.equal(result.insensitive, false);
    assert.deepEqual(await temporalSensitivity(sample, clip, fixtureScorer()), result);
  });

  test('without a query the first answer is scored; without a scorer or a window: absent with the reason', async () => {
    const clip = syntheticClip([{ colour: 'red', seconds: 4 }]);
    const scorer = fixtureScorer();
    const sample: Grounding = {
      id: 'g-turn',
      windows: [{ start: 1, end: 2 }],
      turns: [
        { role: 'human', text: '<video>\nWhat is shown?' },
        { role: 'gpt', text: 'red' },
      ],
    };
    const result = await temporalSensitivity(sample, clip, scorer);
    assert.equal(result.params.text, 'gpt-turn');
    assert.ok(scorer.calls.every((c) => c.text === 'red' && c.prompt === 'What is shown?'));

    const none = await temporalSensitivity(sample, clip, undefined);
    assert.equal(none.shuffleDelta, undefined);
    assert.equal(none.insensitive, undefined);
    assert.match(none.reason!, /no scorer model installed .*models pull hub\/smolvlm-256m-instruct/);

    const windowless = await temporalSensitivity({ ...sample, windows: [] }, clip, fixtureScorer());
    assert.equal(windowless.reason, 'no annotated window inside the clip');
    const outOfClip = await temporalSensitivity(
      { ...sample, windows: [{ start: 9, end: 12 }] },
      clip,
      scorer,
    );
    assert.equal(outOfClip.reason, 'no annotated window inside the clip');

    // A window over the whole clip has no outside: only the shuffle probe decides.
    const whole = await temporalSensitivity(
      { ...sample, windows: [{ start: 0, end: 4 }] },
      clip,
      fixtureScorer(),
    );
    assert.equal(whole.insideMinusOutside, undefined);
    assert.equal(whole.insensitive, true);
  });

  test('span arithmetic: merge, complement, spread', () => {
    assert.deepEqual(
      mergeSpans(
        [
          [5, 7],
          [-1, 2],
          [1, 3],
          [9, 12],
        ],
        10,
      ),
      [
        [0, 3],
        [5, 7],
        [9, 10],
      ],
    );
    assert.deepEqual(complementSpans([[2, 4]], 10), [
      [0, 2],
      [4, 10],
    ]);
    assert.deepEqual(
      spreadOver(
        [
          [0, 1],
          [3, 4],
        ],
        4,
      ),
      [0.25, 0.75, 3.25, 3.75],
    );
    assert.deepEqual(spreadOver([], 4), []);
  });
});
