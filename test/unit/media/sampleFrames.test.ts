import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFrameTimeline } from '../../../src/core/media/frameTimeline';
import { resizeFilter } from '../../../src/core/media/frameDecoder';
import type { FrameSize } from '../../../src/core/media/frameDecoder';
import { probeVideo } from '../../../src/core/media/probeVideo';
import { sampleFrames, sampleFrameSets } from '../../../src/core/media/sampleFrames';
import type { OpenedVideo } from '../../../src/core/media/sampleFrames';
import type { FrameRequest } from '../../../src/core/media/samplePlan';
import { barcodeClip, ffmpeg, ffprobe, fullDecode, noFfmpeg, readBarcode } from '../../helpers/mediaFixtures';

async function open(path: string): Promise<OpenedVideo> {
  const probe = await probeVideo(ffprobe!, path);
  return { path, probe, timeline: await readFrameTimeline(ffprobe!, path, probe.streamIndex) };
}

const STRETCH: FrameSize = { width: 80, height: 60, fit: 'stretch' };

describe('frame-exact sampling', { skip: noFfmpeg }, () => {
  const clips = {
    dense: () => barcodeClip({ seconds: 10, gop: 12 }),
    sparse: () => barcodeClip({ seconds: 10, gop: 250 }),
    // Every third frame dropped: frame times are irregular, and frame k is not at k / fps.
    vfr: () =>
      barcodeClip({
        seconds: 6,
        gop: 25,
        extraFilter: "select='not(eq(mod(n\\,3)\\,2))'",
        outputOptions: ['-vsync', 'vfr'],
      }),
  };
  const requests: FrameRequest[] = [
    { kind: 'uniform', count: 8 },
    { kind: 'uniform', count: 32 },
    { kind: 'candidates', fps: 1 },
    { kind: 'window', start: 2, end: 3.5 },
    { kind: 'indices', indices: [0, 1, 2, 60, 61, 99] },
    { kind: 'times', times: [0, 0.04, 0.05, 1.999, 2, 4.5] },
  ];

  for (const [name, make] of Object.entries(clips)) {
    test(`${name}: select, seek and auto give the frames a full decode has at those indices`, async () => {
      const video = await open(make());
      const all = fullDecode(video.path, resizeFilter(STRETCH), STRETCH.width, STRETCH.height);
      assert.equal(all.length, video.timeline.times.length, 'timeline has one entry per decoded frame');
      for (const request of requests) {
        const results = await Promise.all(
          (['select', 'seek', 'auto'] as const).map((strategy) =>
            sampleFrames(ffmpeg!, video, request, { size: STRETCH, strategy }),
          ),
        );
        for (const result of results) {
          assert.ok(result.frames.length > 0);
          for (const frame of result.frames) {
            assert.ok(
              frame.data?.equals(all[frame.index]),
              `${name} ${request.kind} ${result.strategy}: frame ${frame.index} differs`,
            );
            assert.equal(frame.pts, video.timeline.times[frame.index]);
          }
          assert.deepEqual(
            result.frames.map((f) => f.index),
            results[0].frames.map((f) => f.index),
          );
        }
      }
    });
  }

  test('the barcode proves timestamps map to the frame on screen, never to time x fps', async () => {
    const video = await open(clips.dense());
    const times = [0, 0.039, 0.04, 1.0, 3.333, 9.99];
    const { frames } = await sampleFrames(ffmpeg!, video, { kind: 'times', times }, { size: STRETCH });
    // 25 fps from 0: the frame on screen at t is floor(t * 25) (here, and only because it is CFR).
    assert.deepEqual(
      frames.map((f) => readBarcode(f.data!, STRETCH.width, STRETCH.height)),
      times.map((t) => Math.floor(t * 25 + 1e-9)),
    );

    const vfr = await open(clips.vfr());
    const sampled = await sampleFrames(ffmpeg!, vfr, { kind: 'uniform', count: 10 }, { size: STRETCH });
    for (const frame of sampled.frames) {
      // The barcode holds the source frame number n; the clip kept frames with n mod 3 != 2.
      const n = readBarcode(frame.data!, STRETCH.width, STRETCH.height);
      assert.notEqual(n % 3, 2);
      assert.ok(Math.abs(n / 25 - frame.time) < 1e-3, `frame at ${frame.time}s shows source frame ${n}`);
      assert.ok(frame.time <= frame.requestedTime! + 1e-6);
    }
  });

  test('uniform N takes segment centres, in time order, one process per clip', async () => {
    const video = await open(clips.dense());
    const result = await sampleFrames(ffmpeg!, video, { kind: 'uniform', count: 5 }, { size: STRETCH });
    assert.deepEqual(
      result.frames.map((f) => f.index),
      [25, 75, 125, 175, 225],
    );
    assert.deepEqual(
      result.frames.map((f) => f.requestedTime),
      [1, 3, 5, 7, 9],
    );
  });

  test('the cost model seeks for sparse frames in long clips with dense keyframes, else decodes once', async () => {
    const dense = await open(barcodeClip({ seconds: 30, gop: 12 }));
    assert.equal(
      (await sampleFrames(ffmpeg!, dense, { kind: 'uniform', count: 4 }, { size: STRETCH })).strategy,
      'seek',
    );
    assert.equal(
      (await sampleFrames(ffmpeg!, dense, { kind: 'window', start: 0, end: 2 }, { size: STRETCH })).strategy,
      'select',
    );
    const sparse = await open(clips.sparse());
    assert.equal(
      (await sampleFrames(ffmpeg!, sparse, { kind: 'uniform', count: 16 }, { size: STRETCH })).strategy,
      'select',
    );
  });

  test('keyframe previews return keyframes and say they are approximate', async () => {
    const video = await open(clips.dense());
    const result = await sampleFrames(
      ffmpeg!,
      video,
      { kind: 'uniform', count: 6 },
      { size: STRETCH, strategy: 'keyframes' },
    );
    assert.equal(result.approximate, true);
    for (const frame of result.frames) {
      assert.ok(video.timeline.keyframes.includes(frame.index));
      assert.equal(readBarcode(frame.data!, STRETCH.width, STRETCH.height), frame.index);
    }
  });

  test('letterbox keeps the aspect ratio with black bars; stretch fills', async () => {
    const video = await open(clips.dense());
    const size: FrameSize = { width: 64, height: 64, fit: 'letterbox' };
    const { frames } = await sampleFrames(
      ffmpeg!,
      video,
      { kind: 'indices', indices: [1023 % 250] },
      { size },
    );
    const data = frames[0].data!;
    const pixel = (x: number, y: number) =>
      data[(y * 64 + x) * 3] + data[(y * 64 + x) * 3 + 1] + data[(y * 64 + x) * 3 + 2];
    // 160x120 into 64x64: a 64x48 picture with 8-pixel black bands above and below.
    assert.equal(pixel(32, 2), 0);
    assert.equal(pixel(32, 61), 0);
    assert.equal(data.length, 64 * 64 * 3);
  });

  test('bad requests are clear errors', async () => {
    const video = await open(clips.dense());
    await assert.rejects(
      sampleFrames(ffmpeg!, video, { kind: 'indices', indices: [9999] }, { size: STRETCH }),
      /outside 0\.\.249/,
    );
    await assert.rejects(
      sampleFrames(ffmpeg!, video, { kind: 'uniform', count: 0 }, { size: STRETCH }),
      /positive integer/,
    );
    await assert.rejects(
      sampleFrames(ffmpeg!, video, { kind: 'window', start: 3, end: 1 }, { size: STRETCH }),
      /not after start/,
    );
  });
});

describe('several frame sets from one decode', { skip: noFfmpeg }, () => {
  const SMALL: FrameSize = { width: 16, height: 16, fit: 'stretch', scaler: 'area' };
  const sets = [
    { request: { kind: 'window', start: 0, end: 11 } as FrameRequest, size: SMALL },
    { request: { kind: 'candidates', fps: 2 } as FrameRequest, size: STRETCH },
    {
      request: { kind: 'indices', indices: [3, 3, 200] } as FrameRequest,
      size: { ...STRETCH, fit: 'letterbox' as const },
    },
  ];

  for (const gop of [12, 250]) {
    test(`gop ${gop}: select and seek give each set exactly the frames sampleFrames gives it alone`, async () => {
      const video = await open(barcodeClip({ seconds: 10, gop }));
      for (const strategy of ['select', 'seek'] as const) {
        // Sparse sets only for seek: a seek per keyframe over every frame is valid but slow.
        const chosen = strategy === 'seek' ? sets.slice(1) : sets;
        const results = await sampleFrameSets(ffmpeg!, video, chosen, { strategy });
        assert.equal(results.length, chosen.length);
        for (const [k, set] of chosen.entries()) {
          const alone = await sampleFrames(ffmpeg!, video, set.request, {
            size: set.size,
            strategy: 'select',
          });
          assert.deepEqual(
            results[k].frames.map((f) => f.index),
            alone.frames.map((f) => f.index),
          );
          results[k].frames.forEach((f, i) => {
            assert.equal(f.width, set.size.width);
            assert.ok(
              f.data?.equals(alone.frames[i].data!),
              `${strategy} set ${k}: frame ${f.index} differs`,
            );
            assert.equal(f.pts, alone.frames[i].pts);
          });
        }
      }
    });
  }
});

describe('analysis-grade decoding', { skip: noFfmpeg }, () => {
  test('skipping the deblocking filter gives the same frames, pixels a few levels from a full decode', async () => {
    // A coarse encode (high CRF) so the deblocking filter has edges to smooth.
    const video = await open(barcodeClip({ seconds: 4, gop: 50, outputOptions: ['-crf', '38'] }));
    const sets = [{ request: { kind: 'window', start: 0, end: 5 } as FrameRequest, size: STRETCH }];
    const [full] = await sampleFrameSets(ffmpeg!, video, sets, { strategy: 'select' });
    const [fast] = await sampleFrameSets(ffmpeg!, video, sets, { strategy: 'select', skipLoopFilter: true });
    assert.deepEqual(
      fast.frames.map((f) => f.index),
      full.frames.map((f) => f.index),
    );
    let differing = 0;
    let total = 0;
    let bytes = 0;
    fast.frames.forEach((f, i) => {
      const a = f.data!;
      const b = full.frames[i].data!;
      // The barcode (the frame number) reads the same: these are the same pictures.
      assert.equal(readBarcode(a, f.width, f.height), readBarcode(b, f.width, f.height), `frame ${f.index}`);
      for (let k = 0; k < a.length; k++) {
        const d = Math.abs(a[k] - b[k]);
        total += d;
        if (d > 0) differing++;
      }
      bytes += a.length;
    });
    assert.ok(differing > 0, 'the option reaches the decoder: some pixels differ from a full decode');
    const mean = total / bytes;
    assert.ok(mean < 4, `mean absolute difference ${mean.toFixed(2)} levels (of 255) stays small`);
    console.log(
      `# skip_loop_filter: ${((100 * differing) / bytes).toFixed(1)}% of bytes differ, mean ${mean.toFixed(2)} levels`,
    );
  });
});
