// The needle-in-a-haystack self-test end to end: real ffmpeg renders and splices the clips, the media
// layer samples them, real onnxruntime runs the built-in frame signature, and the picker must find
// the needle far more often than uniform sampling does.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalFrameEncoder, findModelsRoot } from '../../../src/core/analysis/localFrameEncoder';
import type { LocalFrameEncoder } from '../../../src/core/analysis/localFrameEncoder';
import { runNeedleSelfTest } from '../../../src/core/analysis/needleSelfTest';
import type { NeedleReport } from '../../../src/core/analysis/needleSelfTest';
import { findBinary } from '../../../src/core/media/ffmpegPaths';

const ffmpeg = findBinary('ffmpeg');
const ffprobe = findBinary('ffprobe');
const noFfmpeg = !ffmpeg || !ffprobe ? 'ffmpeg/ffprobe not installed' : false;

test('the models root is found by walking up to models/manifest.json', () => {
  const root = findModelsRoot(__dirname);
  assert.ok(existsSync(join(root, 'models', 'manifest.json')));
  assert.equal(root, join(__dirname, '..', '..', '..'));
});

describe('runNeedleSelfTest on a 20 s haystack with a 2 s needle', { skip: noFfmpeg }, () => {
  let encoder: LocalFrameEncoder;
  let report: NeedleReport;
  let workDir: string;

  before(async () => {
    encoder = await createLocalFrameEncoder();
    workDir = await mkdtemp(join(tmpdir(), 'vc-needle-test-'));
    report = await runNeedleSelfTest({
      ffmpeg: ffmpeg!,
      ffprobe: ffprobe!,
      haystackSeconds: 20,
      needleSeconds: 2,
      k: 8,
      encoder,
      workDir,
    });
  });
  after(async () => {
    await encoder?.release();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('the needle sits where it was spliced in, and the video holds haystack + needle', () => {
    assert.deepEqual([report.needle.start, report.needle.end], [11, 13]);
    assert.ok(Math.abs(report.duration - 22) < 0.05, `duration ${report.duration}`);
    const needle = report.segments.find((s) => s.source === 'needle');
    assert.deepEqual(needle && [needle.start, needle.end], [11, 13]);
    assert.equal(report.segments.at(-1)?.end, 22);
    assert.equal(report.video, join(workDir, 'haystack.mp4'));
    assert.ok(existsSync(report.video));
  });

  test('candidates are dense enough for the needle, and encoded by the built-in model', () => {
    assert.equal(report.candidates.count, report.candidates.frames.length);
    assert.ok(report.candidates.count >= 20 && report.candidates.count <= 256);
    assert.deepEqual(report.model, { id: 'builtin/frame-signature', version: '2' });
    assert.deepEqual(report.query.model, report.model);
    assert.match(report.query.text, /^image: /);
  });

  test('with the image query, most picks land on the needle, more than uniform sampling', () => {
    const { ours, uniform, noveltyOnly } = report;
    assert.equal(ours.picks.length, 8);
    assert.equal(uniform.picks.length, 8);
    assert.ok(ours.hitFraction >= 0.5, `ours ${ours.hitFraction}`);
    assert.ok(
      ours.hitFraction > uniform.hitFraction,
      `ours ${ours.hitFraction} vs uniform ${uniform.hitFraction}`,
    );
    for (const variant of [ours, noveltyOnly, uniform]) {
      const times = variant.picks.map((p) => p.time);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        `${variant.name} in time order`,
      );
      assert.equal(variant.hits, variant.picks.filter((p) => p.inside).length);
      for (const pick of variant.picks) {
        assert.equal(pick.inside, pick.time >= 11 && pick.time < 13);
      }
    }
    assert.equal(noveltyOnly.picks.length, 8);
    assert.ok(noveltyOnly.picks.every((p) => p.candidate !== undefined && p.score !== undefined));
    assert.equal(report.keyframeParams.candidates, report.candidates.count);
  });
});
