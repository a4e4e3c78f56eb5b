// The 30 real videos in ../shared/realdata: every one probes and samples, exactly, and the
// MANIFEST's edge cases come out right. Skips cleanly where the folder is absent.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { MediaService } from '../../../src/core/media/mediaService';
import type { OpenedVideo } from '../../../src/core/media/sampleFrames';
import { ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';

const realdata = resolve(__dirname, '../../../../shared/realdata');
const skip = noFfmpeg || (existsSync(realdata) ? false : `no ${realdata}`);

function videosUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return videosUnder(path);
      return /\.(mp4|avi|mkv|webm)$/i.test(name) ? [path] : [];
    });
}

describe('real videos', { skip }, () => {
  const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, concurrency: 2 });
  const opened = new Map<string, OpenedVideo>();
  const at = (relative: string) => {
    const video = opened.get(join(realdata, relative));
    assert.ok(video, relative);
    return video;
  };
  before(async () => {
    const outcomes = await media.forEachClip(videosUnder(realdata), (path) => media.open(path));
    for (const o of outcomes) {
      assert.equal(o.error, undefined, `${o.path}: ${o.error?.message}`);
      opened.set(o.path, o.value!);
    }
  });

  test('all 30 probe, and sample 8 frames the same way whichever strategy runs', async () => {
    assert.equal(opened.size, 30);
    const size = { width: 48, height: 48, fit: 'letterbox' as const };
    await Promise.all(
      [...opened.keys()].map(async (path) => {
        const auto = await media.sample(path, { kind: 'uniform', count: 8 }, { size });
        const select = await media.sample(path, { kind: 'uniform', count: 8 }, { size, strategy: 'select' });
        assert.equal(auto.frames.length, 8, path);
        auto.frames.forEach((frame, i) => {
          assert.equal(frame.index, select.frames[i].index, path);
          assert.ok(
            frame.data?.equals(select.frames[i].data!),
            `${path}: frame ${frame.index} (${auto.strategy}) differs from select`,
          );
        });
      }),
    );
  });

  test('the rotated clip is portrait and gives portrait frames', async () => {
    const video = at('Breakthrough__PySceneDetect/issue-134-rotate.mp4');
    assert.equal(video.probe.rotation, -90);
    assert.deepEqual([video.probe.width, video.probe.height], [544, 1280]);
    const size = { width: 100, height: 100, fit: 'letterbox' as const };
    const { frames } = await media.sample(video.path, { kind: 'uniform', count: 1 }, { size });
    const data = frames[0].data!;
    const column = (x: number) => {
      let sum = 0;
      for (let y = 0; y < 100; y++)
        sum += data[(y * 100 + x) * 3] + data[(y * 100 + x) * 3 + 1] + data[(y * 100 + x) * 3 + 2];
      return sum;
    };
    // 544x1280 letterboxed into 100x100 is about 42x100: black columns at both sides, picture in the middle.
    assert.equal(column(3), 0);
    assert.equal(column(96), 0);
    assert.ok(column(50) > 0);
  });

  test('the delayed start, the WebM without duration and the VFR clip', () => {
    const delayed = at('Breakthrough__PySceneDetect/delayed_start.mp4');
    assert.equal(delayed.timeline.times[0], 1.075);
    assert.equal(delayed.probe.videoStartTime, 1.075);

    const webm = at('Zulko__moviepy/no_duration.webm');
    assert.equal(webm.probe.durationSource, 'packets');
    assert.ok(Math.abs(webm.probe.duration - 4.87) < 0.02, String(webm.probe.duration));
    assert.equal(webm.probe.frameCount, undefined);
    assert.equal(webm.timeline.times.length, 74);

    const vfr = at('Breakthrough__PySceneDetect/goldeneye-vfr-drop3.mp4');
    assert.equal(vfr.timeline.times.length, 160);
    assert.equal(vfr.probe.vfr, true);
    assert.equal(at('PKU-YuanGroup__Video-LLaVA/sample_demo_22.mp4').probe.vfr, true);
    assert.equal(at('Breakthrough__PySceneDetect/counter.mp4').probe.vfr, false);

    const mkv = at('Breakthrough__PySceneDetect/issue-236-split-copy.mkv');
    assert.equal(mkv.timeline.times.length, 48);
    const avi = at('hiyouga__LLaMA-Factory/mllm_demo_data/2.avi');
    assert.equal(avi.timeline.times.length, 270);
    assert.ok(Math.abs(avi.probe.avgFrameRate - 359 / 12) < 1e-6);
    assert.equal(at('PKU-YuanGroup__Video-LLaVA/demo.mp4').probe.pixelFormat, 'yuvj420p');
    assert.equal(at('Zulko__moviepy/chaplin.mp4').probe.hasAudio, true);
  });

  test('the counter clip: PySceneDetect labels each frame with its number; our PTS agree at 10 fps', () => {
    const counter = at('Breakthrough__PySceneDetect/counter.mp4');
    assert.equal(counter.timeline.times.length, 30);
    counter.timeline.times.forEach((t, i) => assert.ok(Math.abs(t - i / 10) < 1e-6));
  });
});
