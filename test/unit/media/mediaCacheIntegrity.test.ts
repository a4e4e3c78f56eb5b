// Every cache entry carries a sha256 written with it; a damaged entry on disk (torn, truncated, a byte
// flipped, a file removed from a folder) must read as a miss, be removed and logged, and never come
// back as a value. These tests damage real entries on disk the ways a crash or a hand edit would.
import assert from 'node:assert/strict';
import { appendFile, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import {
  DIR_MANIFEST,
  JSON_ENVELOPE_BYTES,
  MediaCache,
  datasetCacheRoot,
} from '../../../src/core/media/mediaCache';
import { tempFolder } from '../../helpers/tempFolder';

async function newCache(t: TestContext): Promise<{ cache: MediaCache; logged: string[] }> {
  const logged: string[] = [];
  const cache = new MediaCache(datasetCacheRoot(await tempFolder(t)), { log: (line) => logged.push(line) });
  return { cache, logged };
}

async function gone(path: string): Promise<boolean> {
  return stat(path).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
  );
}

const VALUE = { durationS: 12.5, streams: [{ codec: 'h264', note: 'ünïcødé ✓' }], frames: [1, 2, 3] };

test('a JSON entry on disk is JSON: the value in an envelope with the sha256 of its bytes', async (t) => {
  const { cache } = await newCache(t);
  await cache.putJson('probe', 'k1', VALUE);
  const text = await readFile(cache.jsonPath('probe', 'k1'), 'utf8');
  const parsed = JSON.parse(text) as { sha256: string; value: unknown };
  assert.deepEqual(parsed.value, VALUE);
  assert.match(parsed.sha256, /^[0-9a-f]{64}$/);
  assert.equal(Buffer.byteLength(text), Buffer.byteLength(JSON.stringify(VALUE)) + JSON_ENVELOPE_BYTES);
  // The size cap counts the payload only.
  assert.deepEqual(await cache.stats(), { entries: 1, bytes: Buffer.byteLength(JSON.stringify(VALUE)) });
});

test('every single-byte change and every truncation of a JSON entry reads as a miss', async (t) => {
  const { cache, logged } = await newCache(t);
  await cache.putJson('probe', 'k1', VALUE);
  const path = cache.jsonPath('probe', 'k1');
  const good = await readFile(path);
  let misses = 0;
  for (let at = 0; at < good.length; at++) {
    for (const damage of ['flip', 'truncate'] as const) {
      const bad =
        damage === 'flip'
          ? Buffer.from(good.map((byte, i) => (i === at ? byte ^ (1 << (at % 7)) : byte)))
          : good.subarray(0, at);
      await writeFile(path, bad);
      assert.equal(await cache.getJson('probe', 'k1'), undefined, `${damage} at byte ${at}`);
      assert.ok(await gone(path), `${damage} at byte ${at}: the damaged entry is removed`);
      misses++;
    }
  }
  assert.equal(cache.discarded, misses);
  assert.equal(logged.length, misses);
  assert.match(logged[0], /discarded damaged cache entry .*k1\.json/);
  // A rewrite after the miss is read back intact.
  await cache.putJson('probe', 'k1', VALUE);
  assert.deepEqual(await cache.getJson('probe', 'k1'), VALUE);
});

test('a JSON entry whose value was swapped for other valid JSON, or a plain legacy one, is a miss', async (t) => {
  const { cache, logged } = await newCache(t);
  await cache.putJson('probe', 'k1', { n: 1 });
  const path = cache.jsonPath('probe', 'k1');
  // Same length, still valid JSON, still an envelope: only the checksum can tell.
  await writeFile(path, (await readFile(path, 'utf8')).replace('{"n":1}', '{"n":7}'));
  assert.equal(await cache.getJson('probe', 'k1'), undefined);
  assert.match(logged.at(-1) ?? '', /sha256 mismatch/);
  // An entry from before checksums (the bare value) is not trusted either.
  await writeFile(path, JSON.stringify({ n: 1 }));
  assert.equal(await cache.getJson('probe', 'k1'), undefined);
  assert.match(logged.at(-1) ?? '', /not a checksummed entry/);
  // A zero-length file: what delayed allocation can leave after a power cut.
  await writeFile(path, '');
  assert.equal(await cache.getJson('probe', 'k1'), undefined);
  assert.equal(cache.discarded, 3);
});

async function filmstrip(cache: MediaCache, key: string, tag = 'a'): Promise<string> {
  return cache.commitDir('board-images', key, async (temp) => {
    for (const i of [0, 1, 2]) await writeFile(join(temp, `${i}.jpg`), `jpeg ${tag} ${i} `.repeat(40));
    await writeFile(join(temp, 'poster.jpg'), `poster ${tag}`);
    await writeFile(join(temp, 'meta.json'), JSON.stringify({ frames: [0, 1, 2] }));
  });
}

test('a folder entry carries a manifest of its files, written inside it before it is placed', async (t) => {
  const { cache } = await newCache(t);
  const dir = await filmstrip(cache, 'k1');
  const manifest = JSON.parse(await readFile(join(dir, DIR_MANIFEST), 'utf8')) as {
    value: { files: Record<string, { bytes: number; sha256: string }> };
  };
  assert.deepEqual(Object.keys(manifest.value.files).sort(), [
    '0.jpg',
    '1.jpg',
    '2.jpg',
    'meta.json',
    'poster.jpg',
  ]);
  assert.equal(manifest.value.files['poster.jpg'].bytes, 'poster a'.length);
  assert.equal(await cache.getDir('board-images', 'k1'), dir);
});

test('a folder entry with a changed, truncated, removed or extra file, or a bad manifest, is a miss', async (t) => {
  const damages: Record<string, (dir: string) => Promise<void>> = {
    'a byte changed in a JPEG': async (dir) => {
      const bytes = await readFile(join(dir, '1.jpg'));
      bytes[5] ^= 0x20;
      await writeFile(join(dir, '1.jpg'), bytes);
    },
    'a JPEG truncated': (dir) => truncate(join(dir, '2.jpg'), 10),
    'a JPEG emptied': (dir) => truncate(join(dir, '0.jpg'), 0),
    'a JPEG removed': (dir) => rm(join(dir, 'poster.jpg')),
    'meta.json removed': (dir) => rm(join(dir, 'meta.json')),
    'a file added': (dir) => writeFile(join(dir, '3.jpg'), 'stray'),
    'the manifest removed': (dir) => rm(join(dir, DIR_MANIFEST)),
    'the manifest truncated': async (dir) => truncate(join(dir, DIR_MANIFEST), 40),
    'bytes appended to the manifest': (dir) => appendFile(join(dir, DIR_MANIFEST), ' '),
  };
  for (const [name, damage] of Object.entries(damages)) {
    const { cache, logged } = await newCache(t);
    const dir = await filmstrip(cache, 'k1');
    await damage(dir);
    assert.equal(await cache.getDir('board-images', 'k1'), undefined, name);
    assert.ok(await gone(dir), `${name}: the damaged folder is removed`);
    assert.equal(logged.length, 1, name);
    assert.match(logged[0], /discarded damaged cache entry/, name);
    assert.deepEqual(await readdir(join(cache.root, '.tmp')), [], `${name}: nothing left in .tmp`);
    // commitDir on a damaged entry rebuilds it rather than returning it.
    const again = await filmstrip(cache, 'k1', 'b');
    assert.equal(await readFile(join(again, 'poster.jpg'), 'utf8'), 'poster b', name);
    assert.equal(await cache.getDir('board-images', 'k1'), again, name);
  }
});

test('commitDir does not return a damaged folder already in place: it rebuilds it', async (t) => {
  const { cache } = await newCache(t);
  const dir = await filmstrip(cache, 'k1');
  await writeFile(join(dir, '0.jpg'), 'garbage');
  let built = false;
  await cache.commitDir('board-images', 'k1', async (temp) => {
    built = true;
    await writeFile(join(temp, '0.jpg'), 'fresh');
  });
  assert.ok(built);
  assert.equal(await readFile(join(dir, '0.jpg'), 'utf8'), 'fresh');
});

test('a file entry is checked against the checksum beside it', async (t) => {
  const { cache, logged } = await newCache(t);
  const path = await cache.commitFile('poster', 'k1', 'jpg', (temp) => writeFile(temp, 'jpeg bytes'));
  assert.equal(await cache.getFile('poster', 'k1', 'jpg'), path);
  assert.deepEqual(
    await cache.stats(),
    { entries: 1, bytes: 'jpeg bytes'.length },
    'the checksum is not an entry',
  );

  await writeFile(path, 'jpeg bytez');
  assert.equal(await cache.getFile('poster', 'k1', 'jpg'), undefined, 'changed bytes');
  assert.ok(await gone(path));

  await cache.commitFile('poster', 'k1', 'jpg', (temp) => writeFile(temp, 'jpeg bytes'));
  const shard = join(path, '..');
  const checksum = (await readdir(shard)).find((name) => name.endsWith('.sha256'));
  assert.ok(checksum);
  await rm(join(shard, checksum));
  assert.equal(await cache.getFile('poster', 'k1', 'jpg'), undefined, 'checksum missing');

  // commitFile over a damaged file rebuilds it.
  await cache.commitFile('poster', 'k1', 'jpg', (temp) => writeFile(temp, 'jpeg bytes'));
  await truncate(path, 3);
  const rebuilt = await cache.commitFile('poster', 'k1', 'jpg', (temp) => writeFile(temp, 'jpeg again'));
  assert.equal(await readFile(rebuilt, 'utf8'), 'jpeg again');
  assert.equal(await cache.getFile('poster', 'k1', 'jpg'), rebuilt);
  assert.equal(logged.length, 3);

  // clear() leaves no checksum behind, so the shard folders go too.
  await cache.clear();
  assert.deepEqual(
    (await readdir(cache.root)).filter((name) => !name.startsWith('.')),
    [],
  );
  assert.throws(() => cache.filePath('poster', 'k1', 'json'), RangeError);
});
