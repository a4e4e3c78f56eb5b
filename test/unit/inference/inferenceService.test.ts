import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createInferenceService } from '../../../src/core/inference/inferenceService';
import type { InferenceError } from '../../../src/core/inference/inferenceRuntime';
import { tempFolder } from '../../helpers/tempFolder';

test('model ids from the manifest resolve and run: built-in files and the npm OCR models; hub models say what is missing', async (t) => {
  const storage = await tempFolder(t);
  const service = await createInferenceService({
    device: 'cpu',
    globalStorage: storage,
    allowDownload: false,
  });
  after(() => service.runtime.dispose());
  assert.ok(service.manifest.models.length >= 7);

  const frames = { count: 2, width: 32, height: 32, data: new Uint8Array(2 * 32 * 32 * 3).fill(128) };
  const signature = await service.runtime.run('frame-signature', 'builtin/frame-signature', { frames });
  assert.equal(signature.output.embeddings.length, 512);
  const ocr = await service.runtime.run('ocr', 'npm/pp-ocr-v4', { frames });
  assert.deepEqual(ocr.output.frames, [[], []]);

  assert.equal(await service.available('builtin/motion'), true);
  assert.equal(await service.available('hub/clip-vit-base-patch32-vision'), false);
  await assert.rejects(
    service.runtime.run('image-embed', 'hub/clip-vit-base-patch32-vision', { frames }),
    (error: InferenceError) =>
      error.code === 'model-missing' &&
      /onnx\/vision_model\.onnx/.test(error.message) &&
      /allowDownload|models pull/.test(error.message),
  );
  await assert.rejects(service.runtime.run('motion', 'builtin/nope', { frames }), /no model "builtin\/nope"/);
});
