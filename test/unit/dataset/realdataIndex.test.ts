// Facts from ../shared/realdata/MANIFEST.md, checked through the whole index (formats, video
// resolution, problems). Skips cleanly where the folder is absent.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import type { DatasetIndex } from '../../../src/core/dataset/indexDataset';

const realdata = resolve(__dirname, '../../../../shared/realdata');
const skip = existsSync(realdata) ? false : `no ${realdata}`;

describe('real public datasets', { skip }, () => {
  let index: DatasetIndex;
  before(async () => {
    index = await indexDataset(realdata);
  });
  const file = (relativePath: string) => {
    const summary = index.files.find((f) => f.relativePath === relativePath);
    assert.ok(summary, `${relativePath} indexed`);
    return summary;
  };
  const samplesOf = (relativePath: string) =>
    index.samples.filter((s) => s.source.file === join(realdata, relativePath));

  test('Charades-STA test holds 3,720 queries, the same as its VideoChat-Flash copy', () => {
    assert.equal(file('microsoft__VideoX/charades_sta_test.txt').format, 'charades-sta');
    assert.equal(file('microsoft__VideoX/charades_sta_test.txt').sampleCount, 3720);
    const copy = file('ZheyuAqaZhang__VideoChat-Flash-forked/temporal_grounding_charades.json');
    assert.equal(copy.sampleCount, 3720);
    const a = samplesOf('microsoft__VideoX/charades_sta_test.txt').map((s) => [
      s.videoRef,
      s.windows,
      s.query?.trim(),
    ]);
    const b = samplesOf('ZheyuAqaZhang__VideoChat-Flash-forked/temporal_grounding_charades.json').map((s) => [
      s.videoRef?.replace(/\.mp4$/, ''),
      s.windows,
      s.query?.trim(),
    ]);
    assert.deepEqual(b.slice(0, 50), a.slice(0, 50));
  });

  test('the LLaMA-Factory demo resolves its videos in mllm_demo_data/', () => {
    const samples = samplesOf('hiyouga__LLaMA-Factory/mllm_video_demo.json');
    assert.equal(samples.length, 3);
    assert.deepEqual(
      samples.map((s) => s.video),
      ['1.mp4', '2.avi', '3.mp4'].map((f) => join(realdata, 'hiyouga__LLaMA-Factory/mllm_demo_data', f)),
    );
  });

  test('lmms-finetune video.json finds its clips beside it; Ego4D clips are reported missing', () => {
    const samples = samplesOf('zjysteven__lmms-finetune/video.json');
    assert.ok(samples.length >= 2);
    for (const s of samples)
      assert.ok(s.video?.startsWith(join(realdata, 'zjysteven__lmms-finetune')), s.videoRef);
    const ego = samplesOf('zjysteven__lmms-finetune/ego4d_video_train.json');
    assert.equal(ego.length, 70);
    assert.ok(ego.every((s) => !s.video));
    assert.equal(file('zjysteven__lmms-finetune/ego4d_video_train.json').problemsByCode['missing-video'], 70);
  });

  test('TVGBench windows that end after the duration are reported', () => {
    const tvg = file('oceanflowlab__TaRO/tvgbench.jsonl');
    assert.equal(tvg.sampleCount, 800);
    assert.ok((tvg.problemsByCode['end-beyond-duration'] ?? 0) > 0);
    const problem = index.problems.find(
      (p) => p.code === 'end-beyond-duration' && p.location?.file.endsWith('tvgbench.jsonl'),
    );
    assert.ok(problem?.location && problem.location.line >= 1 && problem.sampleId);
  });

  test('every annotation file indexes without an unreadable-file problem; metadata files are not misread', () => {
    assert.deepEqual(
      index.problems.filter((p) => p.code === 'unreadable-file'),
      [],
    );
    for (const meta of [
      'microsoft__VideoX/Charades_v1_test.csv',
      'doc-doc__NExT-QA/map_vid_vidorID.json',
      'llyx97__TempCompass/meta_info.json',
    ]) {
      assert.equal(file(meta).format, undefined, meta);
    }
    assert.equal(file('doc-doc__NExT-QA/val.csv').sampleCount, 4996);
    assert.equal(file('oceanflowlab__TaRO/qvhighlights_val.jsonl').sampleCount, 1550);
    assert.equal(new Set(index.samples.map((s) => s.id)).size, index.samples.length, 'ids are unique');
  });

  test('TSPO example1.jsonl: ten identical records give nine duplicate-record warnings', () => {
    assert.equal(file('Hui-design__TSPO/example1.jsonl').problemsByCode['duplicate-record'], 9);
  });
});
