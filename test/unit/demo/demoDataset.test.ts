import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { generateDemoDataset, DEMO_CLIPS } from '../../../src/core/demo/demoDataset';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { summarizeIndex } from '../../../src/core/dataset/indexSummary';
import { findBinary } from '../../../src/core/media/ffmpegPaths';
import { tempFolder } from '../../helpers/tempFolder';

const ffmpeg = findBinary('ffmpeg');
const ffprobe = findBinary('ffprobe');

test(
  'the demo dataset renders real clips and indexes in five formats with its planted flaws',
  { skip: !ffmpeg && 'no ffmpeg' },
  async (t) => {
    const root = await tempFolder(t);
    const made: string[] = [];
    await generateDemoDataset(root, {
      ffmpeg: ffmpeg!,
      onClip: (clip, fresh) => fresh && made.push(clip.file),
    });
    assert.equal(made.length, DEMO_CLIPS.length);

    if (ffprobe) {
      const duration = execFileSync(ffprobe, [
        '-v',
        'error',
        '-show_entries',
        'format=duration',
        '-of',
        'csv=p=0',
        `${root}/videos/scenes.mp4`,
      ])
        .toString()
        .trim();
      assert.ok(Math.abs(Number(duration) - 6) < 0.1, `scenes.mp4 lasts ${duration}s`);
    }

    const index = await indexDataset(root);
    const summary = summarizeIndex(index);
    assert.deepEqual(Object.keys(summary.totals.samplesByFormat).sort(), [
      'activitynet-captions',
      'charades-sta',
      'grounding-jsonl',
      'llava',
      'multiple-choice',
    ]);
    assert.equal(summary.totals.samples, 6 + 4 + 2 + 2 + 2);
    assert.equal(summary.totals.videosMissing, 1, 'videos/interview.mp4 is planted missing');
    assert.equal(summary.totals.problemsByCode['end-beyond-duration'], 1, 'the zoom query ends after 4 s');
    assert.equal(summary.totals.videosFound, DEMO_CLIPS.length + 1, 'the clips plus the truncated upload');

    // A second run keeps the rendered clips.
    const again: string[] = [];
    await generateDemoDataset(root, {
      ffmpeg: ffmpeg!,
      onClip: (clip, fresh) => fresh && again.push(clip.file),
    });
    assert.deepEqual(again, []);
  },
);
