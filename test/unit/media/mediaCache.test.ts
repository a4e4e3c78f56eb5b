import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import {
  DIR_COMPLETE_MARKER,
  DIR_MANIFEST,
  MediaCache,
  canonicalJson,
  datasetCacheRoot,
} from '../../../src/core/media/mediaCache';
import type { MediaCacheOptions } from '../../../src/core/media/mediaCache';
import { tempFolder } from '../../helpers/tempFolder';

async function newCache(t: TestContext, options: MediaCacheOptions = {}) {
  const dataset = await tempFolder(t);
  return new MediaCache(datasetCacheRoot(dataset), options);
}

/** A clock the test moves by hand; steps are whole seconds so any file system keeps the order. */
function fakeClock() {
  let ms = 1_700_000_000_000;
  return {
    now: () => ms,
    tick: () => (ms += 10_000),
  };
}

/** A JSON value that serializes to exactly `bytes` bytes. */
function valueOfSize(bytes: number) {
  const value = { pad: 'x'.repeat(bytes - '{"pad":""}'.length) };
  assert.equal(JSON.stringify(value).length, bytes);
  return value;
}

/** A folder entry's own files: its integrity manifest (a dot-file) is the cache's, not the builder's. */
async function entryFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name !== DIR_MANIFEST).sort();
}

async function temps(cache: MediaCache): Promise<string[]> {
  return readdir(join(cache.root, '.tmp')).catch(() => []);
}

test('keys are stable, order-insensitive for object params, and differ by kind, identity and params', () => {
  const cache = new MediaCache('/unused');
  const a = cache.keyFor('filmstrip', 'abc123', { frames: 8, width: 160, opts: { b: 1, a: [2, 1] } });
  const b = cache.keyFor('filmstrip', 'abc123', { opts: { a: [2, 1], b: 1 }, width: 160, frames: 8 });
  assert.equal(a, b);
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(cache.keyFor('probe', 'abc123', { frames: 8, width: 160, opts: { b: 1, a: [2, 1] } }), a);
  assert.notEqual(
    cache.keyFor('filmstrip', 'abc124', { frames: 8, width: 160, opts: { b: 1, a: [2, 1] } }),
    a,
  );
  assert.notEqual(
    cache.keyFor('filmstrip', 'abc123', { frames: 8, width: 160, opts: { b: 1, a: [1, 2] } }),
    a,
  );
  assert.equal(
    canonicalJson({ z: 1, a: { y: [{ d: 1, c: 2 }], x: null } }),
    '{"a":{"x":null,"y":[{"c":2,"d":1}]},"z":1}',
  );
  assert.throws(() => cache.keyFor('../escape', 'abc', {}), RangeError);
  assert.throws(() => cache.jsonPath('probe', '../../x'), RangeError);
});

test('entries are laid out as <kind>/<key[0..2]>/<key>', () => {
  const cache = new MediaCache('/cache');
  assert.equal(cache.jsonPath('probe', 'abcdef'), join('/cache', 'probe', 'ab', 'abcdef.json'));
  assert.equal(cache.entryDir('filmstrip', 'abcdef'), join('/cache', 'filmstrip', 'ab', 'abcdef'));
  assert.equal(cache.filePath('poster', 'abcdef', 'jpg'), join('/cache', 'poster', 'ab', 'abcdef.jpg'));
  assert.equal(datasetCacheRoot('/data/set'), join('/data/set', '.video-curator', 'cache'));
});

test('JSON entries: miss, put, get, overwrite', async (t) => {
  const cache = await newCache(t);
  const key = cache.keyFor('probe', 'id1', { v: 1 });
  assert.equal(await cache.getJson('probe', key), undefined);
  await cache.putJson('probe', key, { durationS: 12.5, streams: [{ codec: 'h264' }] });
  assert.deepEqual(await cache.getJson('probe', key), { durationS: 12.5, streams: [{ codec: 'h264' }] });
  await cache.putJson('probe', key, { durationS: 13 });
  assert.deepEqual(await cache.getJson('probe', key), { durationS: 13 });
  // A second instance (another process) sees the same entry.
  assert.deepEqual(await new MediaCache(cache.root).getJson('probe', key), { durationS: 13 });
  assert.deepEqual(await temps(cache), []);
  await assert.rejects(cache.putJson('probe', key, undefined), TypeError);
});

test('a torn or corrupt JSON file is a miss and is removed', async (t) => {
  const cache = await newCache(t);
  for (const [name, text] of [
    ['partial', '{"durationS": 12.5, "stre'],
    ['empty', ''],
    ['garbage', '\u0000\u0001binary'],
  ]) {
    const key = cache.keyFor('probe', name, {});
    const path = cache.jsonPath('probe', key);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text);
    assert.equal(await cache.getJson('probe', key), undefined, name);
    await assert.rejects(stat(path), { code: 'ENOENT' }, name);
    await cache.putJson('probe', key, { ok: true });
    assert.deepEqual(await cache.getJson('probe', key), { ok: true }, name);
  }
});

test('commitDir builds into a temp folder and places it complete', async (t) => {
  const cache = await newCache(t);
  const key = cache.keyFor('filmstrip', 'id1', { frames: 3 });
  assert.equal(await cache.getDir('filmstrip', key), undefined);
  let seenTemp = '';
  const dir = await cache.commitDir('filmstrip', key, async (temp) => {
    seenTemp = temp;
    assert.ok(temp.startsWith(cache.root), 'temp folder is inside the cache');
    for (const i of [0, 1, 2]) await writeFile(join(temp, `frame-${i}.jpg`), `jpeg ${i}`);
    await writeFile(join(temp, DIR_COMPLETE_MARKER), JSON.stringify({ frames: 3 }));
  });
  assert.equal(dir, cache.entryDir('filmstrip', key));
  assert.notEqual(seenTemp, dir);
  assert.deepEqual(await entryFiles(dir), ['frame-0.jpg', 'frame-1.jpg', 'frame-2.jpg', 'meta.json']);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')), { frames: 3 });
  assert.equal(await cache.getDir('filmstrip', key), dir);
  assert.deepEqual(await temps(cache), []);
  // Already there: returned as is, the builder is not called again.
  assert.equal(
    await cache.commitDir('filmstrip', key, () => Promise.reject(new Error('should not build'))),
    dir,
  );
});

test('commitDir writes the marker when the builder does not', async (t) => {
  const cache = await newCache(t);
  const dir = await cache.commitDir('filmstrip', 'k1', (temp) => writeFile(join(temp, 'a.jpg'), 'a'));
  assert.deepEqual(await readFile(join(dir, DIR_COMPLETE_MARKER), 'utf8'), '{}\n');
  assert.equal(await cache.getDir('filmstrip', 'k1'), dir);
});

test('a failing builder leaves nothing behind and its error reaches the caller', async (t) => {
  const cache = await newCache(t);
  const failure = new Error('ffmpeg exited with 1');
  await assert.rejects(
    cache.commitDir('filmstrip', 'k1', async (temp) => {
      await writeFile(join(temp, 'frame-0.jpg'), 'half');
      throw failure;
    }),
    (error) => error === failure,
  );
  assert.equal(await cache.getDir('filmstrip', 'k1'), undefined);
  await assert.rejects(stat(cache.entryDir('filmstrip', 'k1')), { code: 'ENOENT' });
  assert.deepEqual(await temps(cache), []);
  assert.deepEqual(await cache.stats(), { entries: 0, bytes: 0 });
});

test('a folder without its marker is not a hit, and a commit replaces it', async (t) => {
  const cache = await newCache(t);
  const dir = cache.entryDir('filmstrip', 'k1');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'frame-0.jpg'), 'left by a crash');
  assert.equal(await cache.getDir('filmstrip', 'k1'), undefined);
  await cache.commitDir('filmstrip', 'k1', (temp) => writeFile(join(temp, 'frame-0.jpg'), 'fresh'));
  assert.equal(await readFile(join(dir, 'frame-0.jpg'), 'utf8'), 'fresh');
  assert.equal(await cache.getDir('filmstrip', 'k1'), dir);
});

/** Resolves once `count` callers have arrived, so builders provably overlap. */
function barrier(count: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++arrived === count) open();
    return opened;
  };
}

test('concurrent commits of one key from two caches: one wins, both get the complete folder', async (t) => {
  const first = await newCache(t);
  const second = new MediaCache(first.root);
  const bothBuilding = barrier(2);
  const builder = (who: string) => async (temp: string) => {
    await bothBuilding();
    for (const i of [0, 1, 2, 3]) {
      await writeFile(join(temp, `frame-${i}.jpg`), `${who} ${i}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writeFile(join(temp, DIR_COMPLETE_MARKER), JSON.stringify({ who }));
  };
  const [a, b] = await Promise.all([
    first.commitDir('filmstrip', 'k1', builder('first')),
    second.commitDir('filmstrip', 'k1', builder('second')),
  ]);
  assert.equal(a, b);
  const files = await entryFiles(a);
  assert.deepEqual(files, ['frame-0.jpg', 'frame-1.jpg', 'frame-2.jpg', 'frame-3.jpg', 'meta.json']);
  const { who } = JSON.parse(await readFile(join(a, 'meta.json'), 'utf8')) as { who: string };
  for (const file of files.filter((name) => name.endsWith('.jpg'))) {
    assert.match(await readFile(join(a, file), 'utf8'), new RegExp(`^${who} `), 'one writer, not a mix');
  }
  assert.deepEqual(await temps(first), [], 'the loser removed its folder');
  assert.equal((await first.stats()).entries, 1);
});

test('a commit that finds the entry placed by another writer meanwhile keeps theirs', async (t) => {
  const ours = await newCache(t);
  const theirs = new MediaCache(ours.root);
  const dir = await ours.commitDir('filmstrip', 'k1', async (temp) => {
    // While we build, another process finishes the same entry first.
    await theirs.commitDir('filmstrip', 'k1', (other) => writeFile(join(other, 'f.jpg'), 'theirs'));
    await writeFile(join(temp, 'f.jpg'), 'ours');
  });
  assert.equal(await readFile(join(dir, 'f.jpg'), 'utf8'), 'theirs');
  assert.deepEqual(await temps(ours), []);
});

test('concurrent commits of one key in one cache build once', async (t) => {
  const cache = await newCache(t);
  let builds = 0;
  const build = async (temp: string) => {
    builds += 1;
    await new Promise((resolve) => setTimeout(resolve, 10));
    await writeFile(join(temp, 'a.jpg'), 'a');
  };
  const dirs = await Promise.all([1, 2, 3].map(() => cache.commitDir('filmstrip', 'k1', build)));
  assert.equal(builds, 1);
  assert.deepEqual(new Set(dirs), new Set([cache.entryDir('filmstrip', 'k1')]));
});

test('file entries: commitFile gives a fresh temp path with the extension, getFile finds it', async (t) => {
  const cache = await newCache(t);
  assert.equal(await cache.getFile('poster', 'k1', 'jpg'), undefined);
  const path = await cache.commitFile('poster', 'k1', 'jpg', async (temp) => {
    assert.ok(temp.endsWith('.jpg'));
    await assert.rejects(stat(temp), { code: 'ENOENT' });
    await writeFile(temp, 'jpeg bytes');
  });
  assert.equal(path, cache.filePath('poster', 'k1', 'jpg'));
  assert.equal(await readFile(path, 'utf8'), 'jpeg bytes');
  assert.equal(await cache.getFile('poster', 'k1', 'jpg'), path);
  await assert.rejects(
    cache.commitFile('poster', 'k2', 'jpg', async () => {}),
    /did not write/,
  );
  await assert.rejects(
    cache.commitFile('poster', 'k3', 'jpg', async (temp) => {
      await writeFile(temp, 'half');
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await cache.getFile('poster', 'k3', 'jpg'), undefined);
  assert.deepEqual(await temps(cache), []);
});

test('eviction removes least recently used entries first, reads count as use', async (t) => {
  const clock = fakeClock();
  // Four 300-byte entries exceed 1000; eviction goes down to 900 and so drops exactly one.
  const cache = await newCache(t, { maxBytes: 1000, now: clock.now });
  for (const name of ['a', 'b', 'c']) {
    clock.tick();
    await cache.putJson('probe', `k${name}`, valueOfSize(300));
  }
  clock.tick();
  assert.ok(await cache.getJson('probe', 'ka'), 'reading a makes b the oldest');
  clock.tick();
  await cache.putJson('probe', 'kd', valueOfSize(300));
  // Reads each entry at a later time than the one before, so afterwards a is the oldest.
  const present = async () => {
    const names: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      clock.tick();
      if (await cache.getJson('probe', `k${name}`)) names.push(name);
    }
    return names;
  };
  assert.deepEqual(await present(), ['a', 'c', 'd']);
  clock.tick();
  await cache.putJson('probe', 'ke', valueOfSize(300));
  assert.deepEqual(await present(), ['c', 'd', 'e']);
  assert.deepEqual(await cache.stats(), { entries: 3, bytes: 900 });
});

test('eviction order follows explicit mtimes across entry kinds', async (t) => {
  const cache = await newCache(t, { maxBytes: 10_000 });
  await cache.putJson('probe', 'old', valueOfSize(400));
  const dir = await cache.commitDir('filmstrip', 'mid', (temp) =>
    writeFile(join(temp, 'f.jpg'), 'x'.repeat(400)),
  );
  const poster = await cache.commitFile('poster', 'new', 'jpg', (temp) => writeFile(temp, 'y'.repeat(400)));
  await utimes(dir, 1_000_000, 1_000_000);
  await utimes(cache.jsonPath('probe', 'old'), 2_000_000, 2_000_000);
  await utimes(poster, 3_000_000, 3_000_000);
  // Shrink the cap by going through a second instance over the same folder.
  const tight = new MediaCache(cache.root, { maxBytes: 700 });
  const removed = await tight.evict();
  // (400 + 3-byte marker) + 400 + 400 = 1203 > 700; drop oldest until ≤ 630: the folder, then the JSON.
  assert.deepEqual(removed, { entries: 2, bytes: 803 });
  assert.equal(await tight.getJson('probe', 'old'), undefined);
  assert.equal(await tight.getDir('filmstrip', 'mid'), undefined);
  assert.equal(await tight.getFile('poster', 'new', 'jpg'), poster);
  // Under the cap: evict() is a no-op.
  assert.deepEqual(await tight.evict(), { entries: 0, bytes: 0 });
});

test('the size cap holds after every put, and the newest entry survives', async (t) => {
  const clock = fakeClock();
  const cache = await newCache(t, { maxBytes: 5000, now: clock.now });
  for (let i = 0; i < 40; i++) {
    clock.tick();
    const bytes = 200 + ((i * 397) % 900);
    if (i % 3 === 0) {
      await cache.commitDir('filmstrip', `d${i}`, (temp) =>
        writeFile(join(temp, 'f.jpg'), 'x'.repeat(bytes)),
      );
      assert.ok(await cache.getDir('filmstrip', `d${i}`), `d${i} kept`);
    } else {
      await cache.putJson('probe', `j${i}`, valueOfSize(bytes));
      assert.ok(await cache.getJson('probe', `j${i}`), `j${i} kept`);
    }
    const { bytes: total } = await new MediaCache(cache.root).stats();
    assert.ok(total <= 5000, `after put ${i}: ${total} bytes`);
  }
});

test('an entry being committed is never evicted, even when it alone is over the cap', async (t) => {
  const cache = await newCache(t, { maxBytes: 1000 });
  const dir = await cache.commitDir('filmstrip', 'huge', async (temp) => {
    await writeFile(join(temp, 'f.jpg'), 'x'.repeat(5000));
  });
  assert.equal(await cache.getDir('filmstrip', 'huge'), dir, 'kept while the caller receives it');
  // Once no commit holds it, an explicit eviction may take it.
  assert.deepEqual(await cache.evict(), { entries: 1, bytes: 5003 });
});

test('entries removed by another process are misses, not errors', async (t) => {
  const cache = await newCache(t);
  await cache.putJson('probe', 'k1', { a: 1 });
  await cache.commitDir('filmstrip', 'k2', (temp) => writeFile(join(temp, 'f.jpg'), 'x'));
  await new MediaCache(cache.root).clear();
  assert.equal(await cache.getJson('probe', 'k1'), undefined);
  assert.equal(await cache.getDir('filmstrip', 'k2'), undefined);
  // The writer's shard folders were removed under it; a new put recreates them.
  await cache.putJson('probe', 'k1', { a: 2 });
  assert.deepEqual(await cache.getJson('probe', 'k1'), { a: 2 });
});

test('stats counts entries and bytes; clear removes them all', async (t) => {
  const cache = await newCache(t);
  assert.deepEqual(await cache.stats(), { entries: 0, bytes: 0 });
  await cache.putJson('probe', 'k1', valueOfSize(100));
  await cache.commitDir('filmstrip', 'k2', async (temp) => {
    await writeFile(join(temp, 'a.jpg'), 'x'.repeat(50));
    await mkdir(join(temp, 'nested'));
    await writeFile(join(temp, 'nested', 'b.jpg'), 'x'.repeat(25));
    await writeFile(join(temp, 'meta.json'), '{}');
  });
  await cache.commitFile('poster', 'k3', 'jpg', (temp) => writeFile(temp, 'x'.repeat(10)));
  assert.deepEqual(await cache.stats(), { entries: 3, bytes: 100 + 50 + 25 + 2 + 10 });
  assert.deepEqual(await cache.clear(), { entries: 3, bytes: 187 });
  assert.deepEqual(await cache.stats(), { entries: 0, bytes: 0 });
  assert.deepEqual(
    (await readdir(cache.root)).filter((name) => !name.startsWith('.')),
    [],
  );
});

test('temps left by a dead process are swept once stale, fresh ones are left alone', async (t) => {
  const cache = await newCache(t);
  await cache.putJson('probe', 'k1', { a: 1 });
  const tmp = join(cache.root, '.tmp');
  await mkdir(join(tmp, 'stale-dir'), { recursive: true });
  await writeFile(join(tmp, 'stale-dir', 'frame.jpg'), 'x');
  await writeFile(join(tmp, 'fresh.json'), '{');
  const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
  await utimes(join(tmp, 'stale-dir'), twoDaysAgo, twoDaysAgo);
  assert.deepEqual(await cache.stats(), { entries: 1, bytes: 7 }, 'temps are not entries');
  assert.deepEqual(await readdir(tmp), ['fresh.json']);
});

test('scratch folders: a dead process of this host loses its folder at the next sweep, a live one keeps it', async (t) => {
  const cache = await newCache(t);
  const mine = await cache.scratchFolder('frames');
  await writeFile(join(mine, '1.rgb'), Buffer.alloc(1024));
  // A folder as a killed run of this host leaves it: same name shape, the pid of a finished process.
  const { spawnSync } = await import('node:child_process');
  const deadPid = spawnSync(process.execPath, [
    '-e',
    'process.stdout.write(String(process.pid))',
  ]).stdout.toString();
  const dead = mine.replace(`-${process.pid}-`, `-${deadPid}-`);
  await mkdir(dead);
  await writeFile(join(dead, '1.rgb'), Buffer.alloc(1024));
  // Another host's folder (other host tag): its process cannot be checked from here, so it stays.
  const foreign = mine.replace(/scratch-frames-[0-9a-f]{8}-/, (m) =>
    m.replace(/[0-9a-f]{8}/, m.includes('-00000000-') ? '11111111' : '00000000'),
  );
  await mkdir(foreign);
  await cache.sweepTemps();
  const left = await temps(cache);
  assert.ok(left.includes(mine.split('/').pop()!), 'our own live scratch stays');
  assert.ok(!left.includes(dead.split('/').pop()!), "the dead process's scratch is gone");
  assert.ok(left.includes(foreign.split('/').pop()!), "another host's scratch stays (until it is a day old)");
  await cache.releaseScratch(mine);
  assert.ok(!(await temps(cache)).includes(mine.split('/').pop()!));
  await assert.rejects(cache.scratchFolder('Bad Label'), /scratch label/);
});
