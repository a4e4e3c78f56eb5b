// Hub-model adapters end to end: real handlers → transformers.js (local files only) → onnxruntime-node,
// against tiny models generated in the real repos' layout (models/tiny/hubModels.ts). Their weights
// are set by hand, so expected answers follow from the construction: colour words match frames of
// that colour, and the tiny VLM's per-token log-probabilities can be computed here independently.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import type { FrameBatch } from '../../../src/protocol/inference';
import { CLIP_FILES, imageEmbedTask, textEmbedTask } from '../../../src/core/inference/tasks/clipTasks';
import { SMOLVLM_FILES, scoreTextTask } from '../../../src/core/inference/tasks/scoreTextTask';
import { DETECTOR_FILES, detectTask } from '../../../src/core/inference/tasks/detectTask';
import { hubLocation, loadTransformers } from '../../../src/core/inference/hub/transformersHub';
import {
  TINY_CLIP_ID,
  TINY_COLOURS,
  TINY_OWLVIT_ID,
  TINY_VLM_COLOUR_WEIGHT,
  TINY_VLM_COUNT_WORDS,
  TINY_VLM_ID,
  TINY_VLM_IMAGE_SEQ_LEN,
  TINY_VLM_SUCCESSOR_WEIGHT,
  TINY_VLM_VOCAB,
  writeTinyClip,
  writeTinyOwlVit,
  writeTinySmolVlm,
} from '../../../models/tiny/hubModels';
import { tempFolder } from '../../helpers/tempFolder';
import { testTaskContext } from '../../helpers/taskContext';

type Rgb = [number, number, number];
const RGB: Record<(typeof TINY_COLOURS)[number], Rgb> = {
  red: [255, 0, 0],
  green: [0, 255, 0],
  blue: [0, 0, 255],
};

/** Frames of one size, each filled by `paint(frame, x, y)`. */
function frames(
  count: number,
  width: number,
  height: number,
  paint: (i: number, x: number, y: number) => Rgb,
): FrameBatch {
  const data = new Uint8Array(count * width * height * 3);
  for (let i = 0; i < count; i++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data.set(paint(i, x, y), ((i * height + y) * width + x) * 3);
  return { count, width, height, data };
}

function rows(values: Float32Array, dim: number): number[][] {
  return Array.from({ length: values.length / dim }, (_, r) =>
    Array.from(values.subarray(r * dim, (r + 1) * dim)),
  );
}

/** Every file under a folder, relative and sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

describe('hub location', () => {
  test('splits <root>/<owner>/<name> into localModelPath and repo id', () => {
    assert.deepEqual(hubLocation('/m/hub/Xenova/clip-vit-base-patch32', 'Xenova/clip-vit-base-patch32'), {
      root: '/m/hub/',
      repoId: 'Xenova/clip-vit-base-patch32',
    });
    // A manifest id that is not the repo id: the folder's last two segments are.
    assert.deepEqual(hubLocation('/m/hub/Xenova/owlvit-base-patch32/', 'detector'), {
      root: '/m/hub/',
      repoId: 'Xenova/owlvit-base-patch32',
    });
  });
});

describe('CLIP adapters (tiny CLIP in Xenova/clip-vit-base-patch32 layout)', () => {
  test('image and text embeddings are unit vectors of the projection size, colours match, results repeat', async (t) => {
    const root = await tempFolder(t, 'vc-hub-clip-');
    await writeTinyClip(root);
    assert.deepEqual(await listFiles(join(root, TINY_CLIP_ID)), [...CLIP_FILES].sort());
    const context = testTaskContext({ [TINY_CLIP_ID]: join(root, TINY_CLIP_ID) }, { batchSize: 2 });
    const colours = [...TINY_COLOURS];
    // Non-square frames, three of them with batch size 2: two session runs, resize and centre crop.
    const batch = frames(3, 20, 12, (i) => RGB[colours[i]]);

    const image = await imageEmbedTask({ frames: batch }, TINY_CLIP_ID, context);
    assert.equal(image.dim, 4);
    assert.equal(image.embeddings.length, 3 * 4);
    for (const row of rows(image.embeddings, image.dim)) assert.ok(Math.abs(norm(row) - 1) < 1e-5);
    assert.ok(context.stats.cancelChecks >= 2, 'cancellation is checked between batches');

    const texts = ['a photo of a red frame', 'the green video', 'blue', 'a photo'];
    const text = await textEmbedTask({ texts }, TINY_CLIP_ID, context);
    assert.equal(text.dim, 4);
    const textRows = rows(text.embeddings, text.dim);
    for (const row of textRows) assert.ok(Math.abs(norm(row) - 1) < 1e-5);

    // Each colour text is closest to the frame of its colour, by construction of both towers.
    const imageRows = rows(image.embeddings, image.dim);
    for (let ti = 0; ti < 3; ti++) {
      const scores = imageRows.map((row) => dot(row, textRows[ti]));
      assert.equal(scores.indexOf(Math.max(...scores)), ti, `${texts[ti]}: ${scores}`);
    }

    // Deterministic, and padding a text inside a longer batch does not change its embedding.
    const again = await imageEmbedTask({ frames: batch }, TINY_CLIP_ID, context);
    assert.deepEqual(again.embeddings, image.embeddings);
    const alone = await textEmbedTask({ texts: ['blue'] }, TINY_CLIP_ID, context);
    assert.deepEqual(Array.from(alone.embeddings), textRows[2]);
    assert.equal((await loadTransformers()).env.allowRemoteModels, false);
  });

  test('a missing model fails with its folder in the message, without reaching the network', async (t) => {
    const root = await tempFolder(t, 'vc-hub-missing-');
    const context = testTaskContext({ [TINY_CLIP_ID]: join(root, TINY_CLIP_ID) });
    await assert.rejects(
      textEmbedTask({ texts: ['red'] }, TINY_CLIP_ID, context),
      (error: Error) =>
        error.message.includes(join(root, TINY_CLIP_ID)) &&
        /not found locally|allowRemoteModels/.test(error.message),
    );
  });
});

/**
 * The tiny VLM's log-probability of each text word, computed from its construction (see
 * writeTinySmolVlm): logits = successor bonus of the current word + colour weight × colour so far.
 * Prompt words carry no colour or count, so only the frames and earlier text words matter.
 */
function expectedLogProbs(frameColour: Rgb, frameCount: number, words: string[]): number[] {
  const colour = frameColour.map((c) => ((c / 255 - 0.5) / 0.5) * frameCount * TINY_VLM_IMAGE_SEQ_LEN);
  const out: number[] = [];
  let current = ':'; // the prompt ends with "Assistant:"
  for (const word of words) {
    const logits = TINY_VLM_VOCAB.map((token) => {
      let logit = 0;
      const ci = (TINY_COLOURS as readonly string[]).indexOf(token);
      if (ci >= 0) logit += TINY_VLM_COLOUR_WEIGHT * colour[ci];
      const ki = (TINY_VLM_COUNT_WORDS as readonly string[]).indexOf(current);
      if (ki >= 0 && token === TINY_VLM_COUNT_WORDS[(ki + 1) % 3]) logit += TINY_VLM_SUCCESSOR_WEIGHT;
      return logit;
    });
    const max = Math.max(...logits);
    const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0));
    out.push(logits[TINY_VLM_VOCAB.indexOf(word)] - lse);
    const ci = (TINY_COLOURS as readonly string[]).indexOf(word);
    if (ci >= 0) colour[ci] += 1;
    current = word;
  }
  return out;
}

describe('score-text adapter (tiny SmolVLM in HuggingFaceTB/SmolVLM-256M-Instruct layout)', () => {
  test('teacher-forced per-token log-probabilities match the model by construction; prompt is masked', async (t) => {
    const root = await tempFolder(t, 'vc-hub-vlm-');
    await writeTinySmolVlm(root);
    assert.deepEqual(
      await listFiles(join(root, TINY_VLM_ID)),
      [...SMOLVLM_FILES, 'generation_config.json'].sort(),
    );
    const context = testTaskContext({ [TINY_VLM_ID]: join(root, TINY_VLM_ID) });
    const red = frames(2, 20, 12, () => RGB.red);
    const text = 'one two red three';

    const short = await scoreTextTask(
      { frames: red, prompt: 'Describe the video', text },
      TINY_VLM_ID,
      context,
    );
    assert.deepEqual(short.tokens, ['one', 'two', 'red', 'three']);
    assert.equal(short.logProbs.length, 4);
    for (const lp of short.logProbs) assert.ok(lp <= 0 && Number.isFinite(lp));
    const mean = -short.logProbs.reduce((a, b) => a + b, 0) / short.logProbs.length;
    assert.ok(Math.abs(short.meanNll - mean) < 1e-6);
    const expected = expectedLogProbs(RGB.red, 2, ['one', 'two', 'red', 'three']);
    short.logProbs.forEach((lp, i) =>
      assert.ok(Math.abs(lp - expected[i]) < 1e-4, `token ${i}: ${lp} vs ${expected[i]}`),
    );

    // A longer prompt changes neither which tokens are scored nor their scores.
    const long = await scoreTextTask(
      { frames: red, prompt: 'Please describe briefly what is in this video frame', text },
      TINY_VLM_ID,
      context,
    );
    assert.deepEqual(long.tokens, short.tokens);
    long.logProbs.forEach((lp, i) => assert.ok(Math.abs(lp - short.logProbs[i]) < 1e-5));

    // The chat template wraps the prompt ("…<end_of_utterance>\nAssistant:"), so a prompt ending in
    // "one" does not feed the successor rule: "two" is scored after ":".
    const wrapped = await scoreTextTask(
      { frames: red, prompt: 'Describe one', text: 'two' },
      TINY_VLM_ID,
      context,
    );
    assert.ok(Math.abs(wrapped.logProbs[0] - expectedLogProbs(RGB.red, 2, ['two'])[0]) < 1e-4);

    // The frames matter: "red" is likely after red frames and unlikely after green ones.
    const green = frames(2, 20, 12, () => RGB.green);
    const onGreen = await scoreTextTask(
      { frames: green, prompt: 'Describe the video', text: 'red' },
      TINY_VLM_ID,
      context,
    );
    const onRed = await scoreTextTask(
      { frames: red, prompt: 'Describe the video', text: 'red' },
      TINY_VLM_ID,
      context,
    );
    assert.ok(onRed.meanNll < 0.1 && onGreen.meanNll > 5, `${onRed.meanNll} vs ${onGreen.meanNll}`);
    assert.ok(Math.abs(onGreen.logProbs[0] - expectedLogProbs(RGB.green, 2, ['red'])[0]) < 1e-4);

    // Order matters through teacher forcing: the successor rule rewards "one two three" over "one three two".
    const inOrder = await scoreTextTask(
      { frames: green, prompt: 'Describe', text: 'one two three' },
      TINY_VLM_ID,
      context,
    );
    const outOfOrder = await scoreTextTask(
      { frames: green, prompt: 'Describe', text: 'one three two' },
      TINY_VLM_ID,
      context,
    );
    assert.ok(inOrder.meanNll < outOfOrder.meanNll);
  });
});

describe('detect adapter (tiny OWL-ViT in Xenova/owlvit-base-patch32 layout)', () => {
  test('finds the labelled regions and reports boxes in frame pixels', async (t) => {
    const root = await tempFolder(t, 'vc-hub-owl-');
    await writeTinyOwlVit(root);
    assert.deepEqual(await listFiles(join(root, TINY_OWLVIT_ID)), [...DETECTOR_FILES].sort());
    const context = testTaskContext({ [TINY_OWLVIT_ID]: join(root, TINY_OWLVIT_ID) });
    // 64x32: red top-left quadrant, blue bottom-right, grey elsewhere; the tiny model sees a 2x2 grid.
    const grey: Rgb = [128, 128, 128];
    const batch = frames(2, 64, 32, (i, x, y) => {
      if (i === 1) return grey;
      if (x < 32 && y < 16) return RGB.red;
      if (x >= 32 && y >= 16) return RGB.blue;
      return grey;
    });
    const result = await detectTask(
      { frames: batch, labels: ['red', 'a blue thing', 'green'], threshold: 0.5 },
      TINY_OWLVIT_ID,
      context,
    );
    assert.equal(result.frames.length, 2);
    const found = [...result.frames[0]].sort((a, b) => a.label.localeCompare(b.label));
    assert.deepEqual(
      found.map((d) => ({ label: d.label, box: d.box.map((v) => Math.round(v * 1000) / 1000) })),
      [
        { label: 'a blue thing', box: [32, 16, 64, 32] },
        { label: 'red', box: [0, 0, 32, 16] },
      ],
    );
    for (const d of found) assert.ok(d.score > 0.5 && d.score <= 1);
    assert.deepEqual(result.frames[1], []);

    await assert.rejects(detectTask({ frames: batch }, TINY_OWLVIT_ID, context), /give the labels/);
  });
});
