import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConcurrencyLimiter } from '../../../src/core/jobs/concurrencyLimiter';
import { MediaCache } from '../../../src/core/media/mediaCache';
import { MediaService } from '../../../src/core/media/mediaService';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';
import { tempFolder } from '../../helpers/tempFolder';

describe('media service', { skip: noFfmpeg }, () => {
  test('filmstrips and posters are JPEGs in the cache, reused across runs', async (t) => {
    const root = await tempFolder(t);
    const clip = barcodeClip({ seconds: 4 });
    const media = new MediaService({
      ffmpeg: ffmpeg!,
      ffprobe: ffprobe!,
      cache: new MediaCache(join(root, 'cache')),
    });
    const strip = await media.filmstrip(clip, { count: 4, height: 48 });
    assert.deepEqual(
      strip.frames.map((f) => f.index),
      [12, 37, 62, 87],
    );
    assert.deepEqual([strip.width, strip.height], [64, 48]);
    for (const frame of strip.frames) {
      const bytes = await readFile(frame.file);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
    }
    const poster = await media.poster(clip, 60);
    assert.ok((await stat(poster)).size > 100);

    // A second service (a new run) finds everything cached: no ffmpeg is needed at all.
    const again = new MediaService({
      ffmpeg: '/nonexistent/ffmpeg',
      ffprobe: '/nonexistent/ffprobe',
      cache: new MediaCache(join(root, 'cache')),
    });
    const cached = await again.filmstrip(clip, { count: 4, height: 48 });
    assert.deepEqual(cached, strip);
    assert.equal(await again.poster(clip, 60), poster);
  });

  test('a bad clip is reported per clip and the rest continue', async (t) => {
    const root = await tempFolder(t);
    await writeFile(join(root, 'broken.mp4'), 'not a video at all');
    const good = barcodeClip({ seconds: 2 });
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, concurrency: 2 });
    const outcomes = await media.forEachClip(
      [join(root, 'broken.mp4'), good, join(root, 'missing.mp4')],
      (p) => media.open(p),
    );
    assert.equal(outcomes[0].error?.code, 'corrupt');
    assert.equal(outcomes[1].value?.timeline.times.length, 50);
    assert.equal(outcomes[2].error?.code, 'missing');
  });
});

test('the limiter never runs more than its limit and keeps arrival order', async () => {
  const limiter = new ConcurrencyLimiter(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  const controller = new AbortController();
  const blocker = limiter.run(() => new Promise((r) => setTimeout(r, 50)));
  const blocker2 = limiter.run(() => new Promise((r) => setTimeout(r, 50)));
  const queued = limiter.run(async () => 'ran', controller.signal);
  controller.abort();
  await assert.rejects(queued);
  await Promise.all([blocker, blocker2]);
});
