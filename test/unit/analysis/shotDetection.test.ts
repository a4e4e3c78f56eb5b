// Hard-cut detection on real decoded frames through the product's own pipeline (MediaService at
// 64x64, built-in frame-signature and motion models): generated clips with cuts, fades and flashes
// at known frames, and the real clips of ../shared/realdata against ffmpeg's scene filter.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { cutFramesFromTimes, ffmpegSceneCuts, matchCuts, parseSceneLog } from '../../../scripts/bench/shots';
import type { DescriptorTrack } from '../../../src/core/analysis/analysisTypes';
import { boundaryDistances, descriptorDistance, detectShots } from '../../../src/core/analysis/shotDetection';
import { MediaService } from '../../../src/core/media/mediaService';
import { descriptorTrackFor, lavfiClip, releaseDescriptorModels } from '../../helpers/descriptorTrack';
import { ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';

const realdata = resolve(__dirname, '../../../../shared/realdata');
const noRealdata = noFfmpeg || (existsSync(realdata) ? false : `no ${realdata}`);

const SIZE = 's=128x96:r=25';
/** One second of a lavfi source, normalised so segments concatenate. */
const segment = (source: string, seconds = 1) => `${source}=${SIZE}:d=${seconds},format=yuv420p,setsar=1`;
const concat = (...segments: string[]) =>
  segments.map((s, i) => `${s}[s${i}];`).join('') +
  `${segments.map((_, i) => `[s${i}]`).join('')}concat=n=${segments.length}`;

const cutIndices = (track: DescriptorTrack) => detectShots(track).cuts.map((f) => f.index);

after(releaseDescriptorModels);

describe('detectShots on generated clips', { skip: noFfmpeg }, () => {
  test('colour scenes cut at known frames: exactly those frames, shots tile the clip', async () => {
    // testsrc2 moves inside its shot; the others are still: motion within a shot is not a cut.
    const path = lavfiClip(
      concat(segment('testsrc2'), segment('smptebars'), segment('rgbtestsrc'), segment('testsrc2', 1.2)),
    );
    const track = await descriptorTrackFor(path);
    assert.equal(track.frames.length, 105);
    const result = detectShots(track);
    assert.deepEqual(
      result.cuts.map((f) => f.index),
      [25, 50, 75],
    );
    assert.deepEqual(
      result.shots.map((s) => [s.start.index, s.end.index]),
      [
        [0, 24],
        [25, 49],
        [50, 74],
        [75, 104],
      ],
    );
    // FrameRefs come from the track: the cut at frame 25 is at 1 s.
    assert.ok(Math.abs(result.cuts[0].time - 1) < 1e-6, `cut time ${result.cuts[0].time}`);
    assert.equal(result.params.frames, 105);
    assert.equal(result.params.motionRatio, 3);
  });

  test('a fade to black and back (5 frames each way) is not a cut', async () => {
    // Fading out of one scene and into another: a big change overall, made in small steps.
    const path = lavfiClip(
      concat(
        `${segment('testsrc2', 2)},fade=t=out:st=1:d=0.2`,
        `${segment('smptebars', 2)},fade=t=in:st=0.2:d=0.2`,
      ),
    );
    const track = await descriptorTrackFor(path);
    assert.ok(descriptorDistance(track, 20, 70) > 0.5, 'the two scenes differ');
    // Each step is over the absolute floor, so only the adaptive threshold and fade guard hold it.
    assert.ok(Math.max(...boundaryDistances(track)) > 0.05);
    assert.deepEqual(cutIndices(track), []);
  });

  test('a one-frame and a two-frame white flash are not cuts; a cut after them still is', async () => {
    const flash = (frames: string) => `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${frames}'`;
    const path = lavfiClip(
      concat(
        `${segment('testsrc2', 2)},${flash('eq(n\\,12)')},${flash('between(n\\,30\\,31)')}`,
        segment('smptebars'),
      ),
    );
    const track = await descriptorTrackFor(path);
    const d = boundaryDistances(track);
    assert.ok(d[11] > 0.1 && d[12] > 0.1, `the flash is a big change: ${d[11]}, ${d[12]}`);
    assert.deepEqual(cutIndices(track), [50]);
  });

  test('without the flash guard, the flash would be called a cut', async () => {
    const path = lavfiClip(
      `${segment('testsrc2', 2)},drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(n\\,12)'`,
    );
    const track = await descriptorTrackFor(path);
    assert.deepEqual(cutIndices(track), []);
    const unguarded = detectShots(track, { persistShare: 0, minShotSeconds: 0 });
    assert.ok(unguarded.cuts.some((f) => f.index === 12 || f.index === 13));
  });

  test('minimum shot length keeps the stronger of two close cuts', async () => {
    const path = lavfiClip(concat(segment('smptebars'), segment('rgbtestsrc', 0.2), segment('testsrc2')));
    const track = await descriptorTrackFor(path);
    assert.deepEqual(
      detectShots(track, { minShotSeconds: 0 }).cuts.map((f) => f.index),
      [25, 30],
    );
    assert.equal(detectShots(track).cuts.length, 1);
  });

  test('tiny tracks: no frames, one frame', () => {
    const empty = { frames: [], descriptors: new Float32Array(0), dim: 4, motionEnergy: new Float32Array(0) };
    assert.deepEqual(detectShots(empty), { ...detectShots(empty), cuts: [], shots: [] });
    const one = {
      frames: [{ index: 0, pts: 0, time: 0 }],
      descriptors: Float32Array.of(1, 0, 0, 0),
      dim: 4,
      motionEnergy: new Float32Array(0),
    };
    assert.equal(detectShots(one).shots.length, 1);
    assert.throws(() => detectShots({ ...one, dim: 3 }), /descriptor track holds 4 values/);
  });
});

describe('ffmpeg scene reference (scripts/bench/shots.ts)', () => {
  test('parses showinfo with the preceding scene score, and matches one to one within tolerance', () => {
    const log = [
      '[Parsed_metadata_1 @ 0x1] frame:0    pts:30030   pts_time:1.001',
      '[Parsed_metadata_1 @ 0x1] lavfi.scene_score=0.780371',
      '[Parsed_showinfo_2 @ 0x2] n:   0 pts:  30030 pts_time:1.001   duration:1001',
    ].join('\n');
    assert.deepEqual(parseSceneLog(log), [{ pts: 1.001, score: 0.780371 }]);
    assert.deepEqual(cutFramesFromTimes([0, 0.5, 1.001, 1.5], [1.0]), [2]);
    const m = matchCuts([10, 11, 40], [11, 30], 1);
    assert.deepEqual(m.matched, [[11, 11]]);
    assert.deepEqual([m.precision, m.recall, m.extra, m.missed], [1 / 3, 1 / 2, [10, 40], [30]]);
  });
});

describe('detectShots on real footage', { skip: noRealdata }, () => {
  const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, concurrency: 2 });
  const clip = (relative: string) => join(realdata, relative);

  /** ffmpeg's own cuts (scene > 0.3) as frame indices, below `frames` when given. */
  async function ffmpegCuts(path: string, frames = Infinity): Promise<number[]> {
    const { timeline } = await media.open(path);
    const found = await ffmpegSceneCuts(ffmpeg!, path);
    return cutFramesFromTimes(
      timeline.times,
      found.map((c) => c.pts),
    ).filter((i) => i < frames);
  }

  const agreeing = [
    // The first 8 s (12 s) hold every cut; decoding the rest would only slow the test.
    { file: 'Breakthrough__PySceneDetect/testvideo.mp4', end: 8, known: [30, 180] },
    { file: 'zjysteven__lmms-finetune/bm_teaser.mp4', end: 12, known: [50, 71, 116, 159, 192, 222, 271] },
    { file: 'Breakthrough__PySceneDetect/goldeneye-vfr-drop3.mp4', known: [60, 140] },
  ];
  for (const { file, end, known } of agreeing) {
    test(`${file}: agrees with ffmpeg's scene filter (precision and recall >= 0.8 at ±1 frame)`, async () => {
      const path = clip(file);
      const track = await descriptorTrackFor(path, { media, ...(end ? { end } : {}) });
      const detected = cutIndices(track);
      const reference = await ffmpegCuts(path, track.frames.length);
      assert.deepEqual(reference, known, 'ffmpeg itself moved: update the known cuts');
      const m = matchCuts(detected, reference, 1);
      assert.ok(
        m.precision >= 0.8 && m.recall >= 0.8,
        `detected ${detected.join(',')} vs ffmpeg ${reference.join(',')}: P=${m.precision} R=${m.recall}`,
      );
    });
  }

  test('curry_vs_thunder.mp4: broadcast flash frames that ffmpeg calls cuts are not cuts', async () => {
    // The first 14 s: ffmpeg selects 100, 204, 220, 265 and 328, but 100, 204, 220 and 328 are
    // single over-exposed frames (the frames either side match); 265 is a cut, and so is 399 (a new
    // camera angle ffmpeg scores 0.25).
    const path = clip('zjysteven__lmms-finetune/curry_vs_thunder.mp4');
    const track = await descriptorTrackFor(path, { media, end: 14 });
    const reference = await ffmpegCuts(path, track.frames.length);
    assert.deepEqual(reference, [100, 204, 220, 265, 328], 'ffmpeg itself moved: update the known cuts');
    for (const flash of [100, 204, 220, 328]) {
      const jump = descriptorDistance(track, flash - 1, flash);
      assert.ok(jump > 0.3, `${flash} is a big change (${jump})`);
      const back = descriptorDistance(track, flash - 1, flash + 1);
      assert.ok(back < 0.2 * jump, `${flash} comes back (${back} vs ${jump})`);
    }
    assert.deepEqual(cutIndices(track), [265, 399]);
  });

  test('fades.mp4 (gradual fades only): no cuts', async () => {
    const track = await descriptorTrackFor(clip('Breakthrough__PySceneDetect/fades.mp4'), { media });
    assert.equal(track.frames.length, 250);
    assert.deepEqual(cutIndices(track), []);
  });

  test('issue-236-split-copy.mkv: its one hard cut, at frame 19 (ffmpeg scores it 0.25, under 0.3)', async () => {
    const track = await descriptorTrackFor(clip('Breakthrough__PySceneDetect/issue-236-split-copy.mkv'), {
      media,
    });
    assert.equal(track.frames.length, 48);
    assert.deepEqual(cutIndices(track), [19]);
  });
});
