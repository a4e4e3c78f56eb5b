// Importing a shard's separate `--cache` into the dataset's cache (merge): every entry goes through
// the caches' own rules, so what lands is sealed anew (envelope, checksum file, manifest), clip analyses
// point into the dataset's cache, damaged entries stay behind (logged), and nothing but the cache's own
// entries is walked. Fast: no ffmpeg, made-up entries.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClipAnalysis } from '../../../src/core/analysis/analysisTypes';
import { importShardCaches, separateCacheProblem } from '../../../src/core/analysis/mergeShards';
import type { LoadedShard } from '../../../src/core/analysis/mergeShards';
import { datasetCacheRoot, MediaCache } from '../../../src/core/media/mediaCache';

/** Only what the import reads of a shard: where its cache is. */
function shardWithCache(cacheRoot: string): LoadedShard {
  return { path: join(cacheRoot, '..', '0-of-1.json'), shard: { cacheRoot } } as unknown as LoadedShard;
}

describe('importShardCaches', () => {
  let work: string;
  let source: string;
  let target: string;
  let from: MediaCache;
  const keys: Record<string, string> = {};
  let boardDir: string;
  let boardMeta: string;
  let imported: { entries: number; skipped: number };
  const logged: string[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'vc-cache-import-'));
    source = join(work, 'scratch');
    target = datasetCacheRoot(join(work, 'dataset'));
    from = new MediaCache(source);
    const key = (name: string, kind: string) => (keys[name] = from.keyFor(kind, name, { v: 1 }));

    // A folder entry whose meta.json happens to hold a path under the shard cache: copied as it is.
    boardMeta = JSON.stringify({ frames: [{ index: 0 }], note: join(source, 'elsewhere') });
    boardDir = await from.commitDir('board-images', key('board', 'board-images'), async (temp) => {
      await writeFile(join(temp, '0.jpg'), 'jpeg-0');
      await writeFile(join(temp, 'poster.jpg'), 'jpeg-poster');
      await writeFile(join(temp, 'meta.json'), boardMeta);
    });
    await from.commitFile('poster', key('poster', 'poster'), 'jpg', (temp) =>
      writeFile(temp, 'poster-bytes'),
    );
    const clip = {
      // A video on the same storage as the shard cache: not a cache path, so it must stay as it is.
      video: join(source, 'videos', 'v.mp4'),
      identity: 'id',
      filmstrip: [{ frame: { index: 0, pts: 0, time: 0 }, file: join(boardDir, '0.jpg') }],
      poster: join(boardDir, 'poster.jpg'),
      dialogues: [{ turns: [{ role: 'human', text: join(source, 'notes.txt') }] }],
    };
    await from.putJson('clip-analysis', key('clip', 'clip-analysis'), clip);
    await from.putJson('probe', key('probe', 'probe'), { probe: { duration: 1 } });
    // Damaged entries: a clip analysis with a flipped byte, a poster that no longer matches its checksum.
    await from.putJson('clip-analysis', key('torn', 'clip-analysis'), { ...clip, identity: 'torn' });
    const torn = from.jsonPath('clip-analysis', keys.torn);
    await writeFile(torn, (await readFile(torn, 'utf8')).replace('"identity":"torn"', '"identity":"tarn"'));
    await from.commitFile('poster', key('altered', 'poster'), 'jpg', (temp) => writeFile(temp, 'original'));
    await writeFile(from.filePath('poster', keys.altered, 'jpg'), 'altered');
    // A clip analysis whose images are not in the shard cache.
    await from.putJson('clip-analysis', key('orphan', 'clip-analysis'), {
      ...clip,
      filmstrip: [
        { frame: { index: 0, pts: 0, time: 0 }, file: join(source, 'board-images', 'zz', 'gone', '0.jpg') },
      ],
      poster: undefined,
    });
    // Not the cache's: a folder shaped like a kind, and loose files.
    await mkdir(join(source, 'ds', 'ab'), { recursive: true });
    await writeFile(join(source, 'ds', 'ab', 'abcdef.json'), '{"mine":true}');
    await writeFile(join(source, 'notes.txt'), 'not a cache entry');

    imported = await importShardCaches([shardWithCache(source)], target, (line) => logged.push(line));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('entries land sealed: the target cache reads each as a hit, none as damaged', async () => {
    const discarded: string[] = [];
    const into = new MediaCache(target, { log: (line) => discarded.push(line) });
    const dir = await into.getDir('board-images', keys.board);
    assert.ok(dir, 'folder entry imported with a valid manifest');
    assert.equal(
      await readFile(join(dir, 'meta.json'), 'utf8'),
      boardMeta,
      'folder files copied as they are',
    );
    assert.equal(await readFile(join(dir, '0.jpg'), 'utf8'), 'jpeg-0');
    const poster = await into.getFile('poster', keys.poster, 'jpg');
    assert.ok(poster, 'file entry imported with its checksum');
    assert.equal(await readFile(poster, 'utf8'), 'poster-bytes');
    assert.deepEqual(await into.getJson('probe', keys.probe), { probe: { duration: 1 } });
    assert.ok(await into.getJson('clip-analysis', keys.clip));
    assert.deepEqual(discarded, []);
    assert.equal(into.discarded, 0);
    assert.equal(imported.entries, 4);
  });

  test('a clip analysis points into the target cache; its other strings are left alone', async () => {
    const clip = (await new MediaCache(target).getJson<ClipAnalysis>('clip-analysis', keys.clip))!;
    const dir = new MediaCache(target).entryDir('board-images', keys.board);
    assert.equal(clip.filmstrip[0].file, join(dir, '0.jpg'));
    assert.equal(clip.poster, join(dir, 'poster.jpg'));
    for (const file of [clip.filmstrip[0].file, clip.poster]) assert.ok((await stat(file)).isFile(), file);
    assert.equal(clip.video, join(source, 'videos', 'v.mp4'));
    assert.equal(clip.dialogues[0].turns[0].text, join(source, 'notes.txt'));
  });

  test('damaged entries and clip analyses without their images stay behind, logged', async () => {
    const into = new MediaCache(target);
    assert.equal(await into.getJson('clip-analysis', keys.torn), undefined);
    assert.equal(await into.getFile('poster', keys.altered, 'jpg'), undefined);
    assert.equal(await into.getJson('clip-analysis', keys.orphan), undefined);
    assert.equal(imported.skipped, 3);
    const text = logged.join('\n');
    assert.match(text, new RegExp(`discarded damaged cache entry .*${keys.torn}`));
    assert.match(text, new RegExp(`discarded damaged cache entry .*${keys.altered}`));
    assert.match(text, new RegExp(`skipped .*${keys.orphan}.*images are not in`));
  });

  test('only the cache’s own kinds are walked; other files are neither copied nor touched', async () => {
    await assert.rejects(stat(join(target, 'ds')));
    await assert.rejects(stat(join(target, 'notes.txt')));
    assert.equal(await readFile(join(source, 'ds', 'ab', 'abcdef.json'), 'utf8'), '{"mine":true}');
    assert.equal(await readFile(join(source, 'notes.txt'), 'utf8'), 'not a cache entry');
  });

  test('importing again adds nothing', async () => {
    const again = await importShardCaches([shardWithCache(source)], target);
    assert.equal(again.entries, 0);
  });
});

describe('separateCacheProblem', () => {
  const dataset = join(tmpdir(), 'scratch', 'ds');
  test('refuses a cache folder holding the dataset, or inside its .video-curator', () => {
    assert.match(
      separateCacheProblem(join(tmpdir(), 'scratch'), dataset) ?? '',
      /contains the dataset folder/,
    );
    assert.match(separateCacheProblem(dataset, dataset) ?? '', /contains the dataset folder/);
    assert.match(
      separateCacheProblem(join(dataset, '.video-curator'), dataset) ?? '',
      /contains the dataset|inside the dataset/,
    );
    assert.match(
      separateCacheProblem(join(dataset, '.video-curator', 'scratch'), dataset) ?? '',
      /inside the dataset's/,
    );
    assert.match(
      separateCacheProblem(join(datasetCacheRoot(dataset), 'nested'), dataset) ?? '',
      /inside the dataset's/,
    );
  });
  test('accepts the dataset cache itself and a folder of its own', () => {
    assert.equal(separateCacheProblem(datasetCacheRoot(dataset), dataset), undefined);
    assert.equal(separateCacheProblem(join(tmpdir(), 'scratch', 'cache'), dataset), undefined);
    assert.equal(separateCacheProblem(join(tmpdir(), 'scratch', 'ds-cache'), dataset), undefined);
  });
});
