import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  readFrameTimeline,
  parseFrameTimeline,
  frameAt,
  keyframeBefore,
} from '../../../src/core/media/frameTimeline';
import { isVariableRate, probeVideo } from '../../../src/core/media/probeVideo';
import { sampleFrames } from '../../../src/core/media/sampleFrames';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';

describe('probe', { skip: noFfmpeg }, () => {
  test('a plain clip: duration, rates, frame count, codec, no audio', async () => {
    const path = barcodeClip({ seconds: 4, fps: 25 });
    const probe = await probeVideo(ffprobe!, path);
    assert.equal(probe.durationSource, 'container');
    assert.ok(Math.abs(probe.duration - 4) < 0.05, String(probe.duration));
    assert.equal(probe.avgFrameRate, 25);
    assert.equal(probe.nominalFrameRate, 25);
    assert.equal(probe.vfr, false);
    assert.equal(probe.frameCount, 100);
    assert.equal(probe.codec, 'h264');
    assert.equal(probe.pixelFormat, 'yuv420p');
    assert.equal(probe.hasAudio, false);
    assert.deepEqual([probe.width, probe.height, probe.rotation], [160, 120, 0]);
  });

  test('a rotation flag swaps the display size and sampled frames come out portrait', async () => {
    const path = barcodeClip({ seconds: 2, rotate: 90 });
    const probe = await probeVideo(ffprobe!, path);
    assert.equal(Math.abs(probe.rotation), 90);
    assert.deepEqual([probe.codedWidth, probe.codedHeight, probe.width, probe.height], [160, 120, 120, 160]);
    const timeline = await readFrameTimeline(ffprobe!, path, probe.streamIndex);
    const size = { width: 60, height: 60, fit: 'letterbox' as const };
    const { frames } = await sampleFrames(
      ffmpeg!,
      { path, probe, timeline },
      { kind: 'indices', indices: [1] },
      { size },
    );
    const data = frames[0].data!;
    const pixel = (x: number, y: number) =>
      data[(y * 60 + x) * 3] + data[(y * 60 + x) * 3 + 1] + data[(y * 60 + x) * 3 + 2];
    // A 120x160 (portrait) picture letterboxed into 60x60 is 45x60: black columns left and right.
    assert.equal(pixel(2, 30), 0);
    assert.equal(pixel(57, 30), 0);
  });

  test('a delayed start is reported and sampling counts from the container start', async () => {
    const path = barcodeClip({ seconds: 3, outputOptions: ['-output_ts_offset', '1.5'] });
    const probe = await probeVideo(ffprobe!, path);
    const timeline = await readFrameTimeline(ffprobe!, path, probe.streamIndex);
    assert.ok(Math.abs(timeline.times[0] - 1.5) < 0.01, String(timeline.times[0]));
    assert.ok(Math.abs(probe.videoStartTime - 1.5) < 0.01);
    const size = { width: 32, height: 24, fit: 'stretch' as const };
    const { frames } = await sampleFrames(
      ffmpeg!,
      { path, probe, timeline },
      { kind: 'uniform', count: 3 },
      { size },
    );
    assert.deepEqual(
      frames.map((f) => f.index),
      [12, 37, 62],
    );
    assert.ok(Math.abs(frames[0].pts - (1.5 + 12 / 25)) < 1e-3);
  });

  test('a container without a duration gets it from the last packet', async () => {
    // Matroska written to a pipe cannot seek back to write its duration.
    const { execFileSync } = await import('node:child_process');
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const source = barcodeClip({ seconds: 3 });
    const bytes = execFileSync(
      ffmpeg!,
      ['-v', 'error', '-i', source, '-c', 'copy', '-f', 'matroska', 'pipe:1'],
      { maxBuffer: 1 << 28 },
    );
    const path = join(mkdtempSync(join(tmpdir(), 'vc-nodur-')), 'no_duration.mkv');
    writeFileSync(path, bytes);
    const probe = await probeVideo(ffprobe!, path);
    assert.equal(probe.durationSource, 'packets');
    assert.ok(Math.abs(probe.duration - 2.96) < 0.02, String(probe.duration));
    assert.equal(probe.frameCount, undefined);
  });
});

test('timeline parsing drops discarded and empty packets, falls back to DTS, sorts by PTS', () => {
  const timeline = parseFrameTimeline(
    [
      '0.080000,0.000000,900,K_',
      '-0.040000,0.000000,500,_D',
      '0.000000,0.040000,300,__',
      'N/A,0.120000,200,__',
      '0.040000,0.080000,0,__',
    ].join('\n'),
  );
  assert.deepEqual(timeline.times, [0, 0.08, 0.12]);
  assert.deepEqual(timeline.keyframes, [0, 1]);
  assert.equal(frameAt(timeline, 0.079), 0);
  assert.equal(frameAt(timeline, 0.08), 1);
  assert.equal(frameAt(timeline, -5), 0);
  assert.equal(frameAt(timeline, 99), 2);
  assert.equal(keyframeBefore(timeline, 2), 1);
  assert.equal(isVariableRate(30.03, 30), true);
  assert.equal(isVariableRate(25, 25), false);
});
