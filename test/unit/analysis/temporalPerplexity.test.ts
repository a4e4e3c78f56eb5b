// TPL on synthetic clips with a fixture scorer whose answers follow from frame colours (so the
// expected numbers follow from the construction), then once through the real score-text adapter
// with the tiny generated SmolVLM.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Turn } from '../../../src/core/dataset/sample';
import { percentileRank, sortedFinite, tplPercentiles } from '../../../src/core/analysis/datasetPercentiles';
import { seededRandom } from '../../../src/core/analysis/seededRandom';
import { renderPrompt, temporalPerplexity } from '../../../src/core/analysis/temporalPerplexity';
import { SCORER_MODEL_ID, inferenceScorer, pickFrames } from '../../../src/core/analysis/textScorer';
import type { ScoreTextRunner } from '../../../src/core/analysis/textScorer';
import { scoreTextTask } from '../../../src/core/inference/tasks/scoreTextTask';
import { TINY_VLM_ID, writeTinySmolVlm } from '../../../models/tiny/hubModels';
import { fixtureLogProbs, fixtureScorer, syntheticClip } from '../../helpers/fixtureScorer';
import { testTaskContext } from '../../helpers/taskContext';
import { tempFolder } from '../../helpers/tempFolder';

const caption = (id: string, text: string) => ({
  id,
  turns: [
    { role: 'human', text: '<video>\nDescribe the video briefly.' },
    { role: 'gpt', text },
  ] as Turn[],
});
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const rgb = () =>
  syntheticClip([
    { colour: 'red', seconds: 3 },
    { colour: 'green', seconds: 3 },
    { colour: 'blue', seconds: 3 },
  ]);

describe('temporal perplexity (fixture scorer)', () => {
  test('a static clip with a static caption: one frame explains it as well as eight (TPL ≈ 0)', async () => {
    const clip = syntheticClip([{ colour: 'grey', seconds: 8 }]);
    const scorer = fixtureScorer();
    const result = await temporalPerplexity(caption('s-grey', 'a grey screen'), clip, scorer);
    assert.ok(result.tpl !== undefined && Math.abs(result.tpl) < 0.05, `tpl ${result.tpl}`);
    assert.equal(result.reason, undefined);
    assert.equal(result.fullFrames?.length, 8);
    assert.equal(result.singleFrames?.length, 1);
    // Uniform: centres of 8 one-second segments at 4 fps.
    assert.deepEqual(
      result.fullFrames?.map((f) => f.index),
      [2, 6, 10, 14, 18, 22, 26, 30],
    );
    assert.deepEqual(result.model, scorer.model);
    assert.deepEqual(result.params, {
      frames: 8,
      singles: 1,
      seed: 's-grey',
      profile: 0,
      turns: 1,
      tokens: 3,
    });
    assert.equal(result.profile, undefined);
  });

  test('a text that needs several scenes in order: TPL clearly above 0', async () => {
    const result = await temporalPerplexity(
      caption('s-rgb', 'red, then green, then blue'),
      rgb(),
      fixtureScorer(),
    );
    assert.ok(result.tpl! > 0.5, `tpl ${result.tpl}`);
    // Full: every word is as likely as the construction allows.
    const best = -mean(fixtureLogProbs(['red', 'green', 'blue'], 'red, then green, then blue'));
    assert.ok(Math.abs(result.nllFull! - best) < 1e-6);
    assert.ok(Math.abs(result.tpl! - (result.nllSingle! - result.nllFull!)) < 1e-12);
  });

  test('the single frame is drawn from the sample id: same id, same frame; other ids, other frames', async () => {
    const clip = rgb();
    const draw = async (id: string, seed?: string) =>
      (await temporalPerplexity(caption(id, 'red'), clip, fixtureScorer(), seed ? { seed } : {}))
        .singleFrames![0].index;
    assert.equal(await draw('sample-a'), await draw('sample-a'));
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) seen.add(await draw(`sample-${i}`));
    assert.ok(seen.size > 2, `12 ids drew only frames ${[...seen]}`);
    // An explicit seed replaces the id, and is stored.
    assert.equal(await draw('x', 'sample-3'), await draw('sample-3'));
  });

  test('K > 1: the single-frame NLL averages K distinct frames', async () => {
    const clip = rgb();
    const text = 'red, then green, then blue';
    const result = await temporalPerplexity(caption('s-k3', text), clip, fixtureScorer(), {
      frames: 6,
      singles: 3,
    });
    const singles = result.singleFrames!;
    assert.equal(singles.length, 3);
    assert.equal(new Set(singles.map((f) => f.index)).size, 3);
    for (const frame of singles) assert.ok(result.fullFrames!.some((f) => f.index === frame.index));
    const perFrame = singles.map((frame) => {
      const colour = frame.time < 3 ? 'red' : frame.time < 6 ? 'green' : 'blue';
      return -mean(fixtureLogProbs([colour], text));
    });
    assert.ok(Math.abs(result.nllSingle! - mean(perFrame)) < 1e-6);
    assert.equal(result.params.singles, 3);
  });

  test('the profile scores every full frame alone; the best one shows what the text names', async () => {
    const result = await temporalPerplexity(caption('s-prof', 'a blue sky'), rgb(), fixtureScorer(), {
      frames: 6,
      profile: true,
    });
    const profile = result.profile!;
    assert.deepEqual(
      profile.map((p) => p.frame),
      result.fullFrames,
    );
    const best = profile.reduce((a, b) => (b.nll < a.nll ? b : a));
    assert.ok(best.frame.time >= 6, `best frame at ${best.frame.time} s is not in the blue scene`);
    assert.ok(profile.filter((p) => p.frame.time < 6).every((p) => p.nll > best.nll + 1));
  });

  test('several answers: token-weighted over turns, each prompted with the conversation before it', async () => {
    const clip = rgb();
    const scorer = fixtureScorer();
    const turns: Turn[] = [
      { role: 'human', text: '<video>\nWhat colour does it start with?' },
      { role: 'gpt', text: 'red' },
      { role: 'human', text: 'And then?' },
      { role: 'gpt', text: 'then it turns green and then blue' },
    ];
    const result = await temporalPerplexity({ id: 's-multi', turns }, clip, scorer, { frames: 6 });
    assert.deepEqual(
      scorer.calls.slice(0, 2).map((c) => c.prompt),
      ['What colour does it start with?', 'What colour does it start with?\nAssistant: red\nUser: And then?'],
    );
    const colours = scorer.calls[0].colours;
    const first = fixtureLogProbs(colours, 'red');
    const second = fixtureLogProbs(colours, 'then it turns green and then blue');
    const weighted = -[...first, ...second].reduce((a, b) => a + b, 0) / (first.length + second.length);
    const perTurn = mean([-mean(first), -mean(second)]);
    assert.ok(Math.abs(result.nllFull! - weighted) < 1e-6);
    assert.ok(Math.abs(weighted - perTurn) > 0.01, 'the test must tell weighting from a mean over turns');
    assert.equal(result.params.tokens, 8);
    assert.equal(result.params.turns, 2);
  });

  test('no scorer or no assistant text: absent with the reason, never a number', async () => {
    const clip = rgb();
    const none = await temporalPerplexity(caption('s-none', 'red'), clip, undefined);
    assert.equal(none.tpl, undefined);
    assert.equal(none.nllFull, undefined);
    assert.match(
      none.reason!,
      /no scorer model installed \(hub\/smolvlm-256m-instruct missing: run video-curator models pull hub\/smolvlm-256m-instruct\)/,
    );
    assert.deepEqual(none.params, { frames: 8, singles: 1, seed: 's-none', profile: 0 });

    const bare = await temporalPerplexity(
      {
        id: 's-q',
        turns: [
          { role: 'human', text: '<video>\nWhat happens?' },
          { role: 'gpt', text: '  ' },
        ],
      },
      clip,
      fixtureScorer(),
    );
    assert.equal(bare.tpl, undefined);
    assert.equal(bare.reason, 'no assistant text to score');

    await assert.rejects(
      temporalPerplexity(caption('s', 'red'), clip, fixtureScorer(), { frames: 33 }),
      RangeError,
    );
    await assert.rejects(
      temporalPerplexity(caption('s', 'red'), clip, fixtureScorer(), { frames: 4, singles: 5 }),
      RangeError,
    );
  });

  test('prompts: placeholders removed, a bare answer gets the default prompt', () => {
    assert.equal(renderPrompt([{ role: 'human', text: '<video>\n<image>What is this?' }]), 'What is this?');
    assert.equal(renderPrompt([]), 'Describe the video briefly.');
    assert.equal(
      renderPrompt([
        { role: 'system', text: 'Be brief.' },
        { role: 'human', text: 'Q1' },
      ]),
      'Be brief.\nQ1',
    );
  });
});

describe('dataset percentiles and seeded randomness', () => {
  test('p10/p50/p90 interpolate between ranks; ranks are mid-ranks in 0..1', () => {
    const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, undefined, Number.NaN];
    assert.deepEqual(tplPercentiles(values), { p10: 1, p50: 5, p90: 9 });
    assert.equal(tplPercentiles([undefined]), undefined);
    const sorted = sortedFinite(values);
    assert.equal(percentileRank(0, sorted), 0.5 / 11);
    assert.equal(percentileRank(10, sorted), 10.5 / 11);
    assert.equal(percentileRank(-1, sorted), 0);
    assert.equal(percentileRank(2, [2, 2, 2]), 0.5);
  });

  test('the same seed gives the same stream; different seeds differ', () => {
    const a = seededRandom('sample-1');
    const b = seededRandom('sample-1');
    const c = seededRandom('sample-2');
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(
      xs,
      Array.from({ length: 5 }, () => b()),
    );
    assert.notDeepEqual(
      xs,
      Array.from({ length: 5 }, () => c()),
    );
    for (const x of xs) assert.ok(x >= 0 && x < 1);
  });
});

describe('temporal perplexity through the real score-text adapter (tiny SmolVLM)', () => {
  test('finite, deterministic, every field stored', async (t) => {
    const root = await tempFolder(t, 'vc-tpl-vlm-');
    await writeTinySmolVlm(root);
    const context = testTaskContext({ [SCORER_MODEL_ID]: join(root, TINY_VLM_ID) });
    t.after(() => context.release());
    // The runtime's part, in-process: the same handler the worker runs.
    const runner: ScoreTextRunner = {
      run: async (_task, model, input) => ({ output: await scoreTextTask(input, model, context) }),
    };
    const scorer = inferenceScorer(runner, SCORER_MODEL_ID, '1');
    const clip = syntheticClip(
      [
        { colour: 'red', seconds: 2 },
        { colour: 'green', seconds: 2 },
        { colour: 'blue', seconds: 2 },
      ],
      2,
      16,
    );
    const sample = caption('tiny-vlm', 'red green blue');
    sample.turns[0].text = '<video>\ndescribe the video';
    const options = { frames: 3, singles: 2, profile: true };
    const result = await temporalPerplexity(sample, clip, scorer, options);

    for (const value of [result.tpl, result.nllFull, result.nllSingle])
      assert.ok(Number.isFinite(value), `${value}`);
    assert.equal(result.reason, undefined);
    assert.deepEqual(result.model, { id: SCORER_MODEL_ID, version: '1' });
    assert.equal(result.fullFrames?.length, 3);
    assert.equal(result.singleFrames?.length, 2);
    assert.equal(result.profile?.length, 3);
    for (const p of result.profile!) assert.ok(Number.isFinite(p.nll));
    assert.deepEqual(result.params, {
      frames: 3,
      singles: 2,
      seed: 'tiny-vlm',
      profile: 1,
      turns: 1,
      tokens: 3,
    });

    // The stored single frames reproduce the stored NLL when scored directly.
    const full = await clip.uniform(3);
    const direct = await Promise.all(
      result.singleFrames!.map(async (frame) => {
        const position = full.refs.findIndex((r) => r.index === frame.index);
        return (
          await scorer.score(pickFrames(full, [position]).batch, 'describe the video', 'red green blue')
        ).meanNll;
      }),
    );
    assert.ok(Math.abs(result.nllSingle! - mean(direct)) < 1e-6);

    assert.deepEqual(await temporalPerplexity(sample, clip, scorer, options), result);
  });
});
