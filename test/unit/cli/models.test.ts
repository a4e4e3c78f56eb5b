import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { formatBytes } from '../../../src/core/inference/modelStore';
import { FAKE_COMMIT, sha256, startFakeHub, unreachableUrl, weights } from '../../helpers/fakeHub';
import { runCli } from '../../helpers/runCli';
import { tempFolder, writeFiles } from '../../helpers/tempFolder';

const REPO = 'Acme/tiny-vlm';
const FILES = {
  'onnx/decoder_model_merged_quantized.onnx': weights(200_000, 3),
  'config.json': JSON.stringify({ model_type: 'idefics3' }),
};

async function setup(t: TestContext) {
  const root = await tempFolder(t, 'vc-models-cli-');
  const manifest = join(root, 'manifest.json');
  await writeFile(
    manifest,
    JSON.stringify({
      models: [
        {
          id: 'hub/tiny-vlm',
          version: '1',
          role: 'scorer',
          task: 'score-text',
          source: { kind: 'hub', repo: REPO, revision: 'main' },
          files: Object.keys(FILES).map((path) => ({ path, sha256: null, bytes: null })),
          license: 'Apache-2.0',
        },
      ],
    }),
  );
  const home = join(root, 'home');
  // Only what each test sets counts: no caller settings, the cache under a fresh home.
  const env = { HOME: home, XDG_CACHE_HOME: '', VIDEO_CURATOR_MODELS: '', HF_ENDPOINT: '' };
  return { root, manifest, env, cacheDir: join(home, '.cache', 'video-curator', 'models', REPO) };
}

test('models list --json prints one object with where each model resolves or what is missing', async (t) => {
  const { root, manifest, env, cacheDir } = await setup(t);
  const missing = await runCli(['models', 'list', '--json', '--manifest', manifest], env);
  assert.equal(missing.code, 0, missing.stderr);
  const json = JSON.parse(missing.stdout);
  assert.equal(json.manifest, manifest);
  assert.equal(json.modelsPath, null);
  assert.equal(json.hubUrl, 'https://huggingface.co');
  assert.equal(json.models.length, 1);
  assert.equal(json.models[0].available, false);
  assert.deepEqual(json.models[0].missing, [
    join(cacheDir, 'onnx/decoder_model_merged_quantized.onnx'),
    join(cacheDir, 'config.json'),
  ]);

  const userModels = join(root, 'my-models');
  await writeFiles(
    userModels,
    Object.fromEntries(Object.entries(FILES).map(([p, c]) => [`${REPO}/${p}`, c as unknown as string])),
  );
  const found = await runCli(['models', 'list', '--json', '--manifest', manifest], {
    ...env,
    VIDEO_CURATOR_MODELS: userModels,
  });
  const model = JSON.parse(found.stdout).models[0];
  assert.equal(model.available, true);
  assert.deepEqual(model.resolved, { dir: join(userModels, REPO), root: userModels, source: 'models-path' });
});

test('models list shows every model of the bundled manifest and how to get the missing ones', async (t) => {
  const { env } = await setup(t);
  const result = await runCli(['models', 'list'], env);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^hub\/smolvlm-256m-instruct\s+scorer\s+hub HuggingFaceTB\/SmolVLM-256M-Instruct@main\s+MISSING 9 of 9 files$/m,
  );
  assert.match(result.stdout, /fix: video-curator models pull hub\/clip-vit-base-patch32-vision/);
});

test('models pull shows the size, downloads with checksums pinned, and verify checks them', async (t) => {
  const { manifest, env, cacheDir } = await setup(t);
  const hub = await startFakeHub(t, { [REPO]: FILES });
  hub.cut(`${REPO}/onnx/decoder_model_merged_quantized.onnx`, 1, 0.3);
  const hubEnv = { ...env, HF_ENDPOINT: hub.url };

  const refused = await runCli(['models', 'pull', 'hub/tiny-vlm', '--manifest', manifest], hubEnv);
  assert.equal(refused.code, 2, refused.stderr);
  const total = formatBytes(200_000 + Buffer.byteLength(FILES['config.json']));
  assert.match(
    refused.stdout,
    new RegExp(`^hub/tiny-vlm: 2 files to download, ${total}, from ${hub.url}/${REPO}`, 'm'),
  );
  assert.match(refused.stdout, new RegExp(`commit ${FAKE_COMMIT}`));
  assert.match(refused.stderr, /re-run with --yes to download/);
  assert.ok(!hub.requests.some((r) => r.method === 'GET'), 'nothing downloaded without --yes');

  const pulled = await runCli(['models', 'pull', 'hub/tiny-vlm', '--yes', '--manifest', manifest], hubEnv);
  assert.equal(pulled.code, 0, pulled.stderr);
  const decoder = FILES['onnx/decoder_model_merged_quantized.onnx'];
  assert.match(
    pulled.stdout,
    new RegExp(`ok {2}onnx/decoder_model_merged_quantized\\.onnx .* sha256 ${sha256(decoder)}`),
  );
  assert.match(pulled.stdout, /downloaded 2 files .* checksums pinned in .*video-curator\.lock\.json/);
  assert.deepEqual(await readFile(join(cacheDir, 'onnx/decoder_model_merged_quantized.onnx')), decoder);
  assert.ok(
    hub.requests.some((r) => r.range),
    'the cut transfer was resumed with a Range request',
  );

  const again = await runCli(['models', 'pull', 'hub/tiny-vlm', '--manifest', manifest], hubEnv);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already present: .* \(global-storage\)/);

  const verified = await runCli(['models', 'verify', 'hub/tiny-vlm', '--manifest', manifest], env);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  assert.match(
    verified.stdout,
    /hub\/tiny-vlm\s+ok\s+.*config\.json\s+sha256 [0-9a-f]{64} \(pinned by lock\)/,
  );

  await writeFile(join(cacheDir, 'config.json'), '{"model_type":"tampered"}');
  const tampered = await runCli(['models', 'verify', '--json', '--manifest', manifest], env);
  assert.equal(tampered.code, 1);
  const report = JSON.parse(tampered.stdout);
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.models[0].files.map((f: { status: string }) => f.status),
    ['ok', 'mismatch'],
  );
});

test('models pull offline exits 1 and says which files to place where', async (t) => {
  const { manifest, env, cacheDir } = await setup(t);
  const result = await runCli(['models', 'pull', 'hub/tiny-vlm', '--yes', '--manifest', manifest], {
    ...env,
    HF_ENDPOINT: await unreachableUrl(),
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  assert.ok(result.stderr.includes(join(cacheDir, 'config.json')));
  assert.ok(result.stderr.includes(join(cacheDir, 'onnx/decoder_model_merged_quantized.onnx')));
});

test('models pull of an unknown id lists the known ones', async (t) => {
  const { manifest, env } = await setup(t);
  const result = await runCli(['models', 'pull', 'hub/nope', '--manifest', manifest], env);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no model "hub\/nope" in .*manifest\.json; known models: hub\/tiny-vlm/);
});
