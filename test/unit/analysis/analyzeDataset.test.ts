// The orchestration alone: which clips run, in what order, what streams out, what a failure does.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { analysisProblems } from '../../../src/core/analysis/analysisProblems';
import { analyzeDataset } from '../../../src/core/analysis/analyzeDataset';
import type { DatasetAnalyzer } from '../../../src/core/analysis/analyzeDataset';
import type { ClipAnalysis, SampleAnalysis } from '../../../src/core/analysis/analysisTypes';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { MediaError } from '../../../src/core/media/mediaError';
import { FAKE_VIDEO, tempFolder, writeFiles } from '../../helpers/tempFolder';

test('clips run once each, visible ones first, stream out as they finish; failures become problems', async (t) => {
  const root = await tempFolder(t);
  const lines = ['a', 'b', 'c', 'd', 'e'].flatMap((v, i) => [
    `${v} 0.0 1.0##${v} one.`,
    `${v} 1.0 2.0##${v} two ${i}.`,
  ]);
  await writeFiles(root, {
    'sta.txt': lines.join('\n'),
    'a.mp4': FAKE_VIDEO,
    'b.mp4': FAKE_VIDEO,
    'c.mp4': FAKE_VIDEO,
    'd.mp4': FAKE_VIDEO,
    'e.mp4': FAKE_VIDEO,
  });
  const index = await indexDataset(root);
  const started: string[] = [];
  const streamed: string[] = [];
  const tpl = new Map([...'abcde'].map((v, i) => [join(root, `${v}.mp4`), i / 10]));
  const analyzer: DatasetAnalyzer = {
    concurrency: 1,
    settings: {},
    clip: async (video) => {
      started.push(video);
      if (video.endsWith('c.mp4')) throw new MediaError('corrupt', video, 'no moov atom');
      return { analysis: { video } as ClipAnalysis, cached: false };
    },
    sample: async (sample, clip) =>
      ({
        sampleId: sample.id,
        tpl: clip ? { tpl: tpl.get(sample.video!), params: {} } : { reason: 'no clip', params: {} },
        flags: [],
      }) as SampleAnalysis,
  };
  const visible = new Set(index.samples.filter((s) => s.video?.endsWith('d.mp4')).map((s) => s.video!));
  const results = await analyzeDataset(index, analyzer, {
    prioritize: () => visible,
    onClip: (clip) => streamed.push(clip.video),
  });
  assert.equal(started.length, 5, 'each clip once, though two samples use it');
  assert.ok(started[0].endsWith('d.mp4'), 'the visible clip goes first');
  assert.equal(streamed.length, 4);
  assert.deepEqual(results.failures, [
    { video: join(root, 'c.mp4'), code: 'corrupt', message: 'no moov atom' },
  ]);
  assert.equal(results.samples.length, 10);
  // TPLs 0, 0.1, 0.3, 0.4 (two samples each; c failed): p10 is 0, so a's two samples are flagged.
  assert.equal(results.dataset.tplPercentiles?.p10, 0);
  const lowTpl = results.samples.filter((s) => s.flags.includes('low-tpl'));
  assert.deepEqual(
    lowTpl.map((s) => index.samples.find((x) => x.id === s.sampleId)?.videoRef),
    ['a', 'a'],
  );

  const problems = analysisProblems(index, results);
  const unreadable = problems.filter((p) => p.code === 'unreadable-video');
  assert.equal(unreadable.length, 2, 'both samples on the corrupt clip');
  assert.match(unreadable[0].message, /no moov atom/);
  assert.equal(unreadable[0].location?.file, join(root, 'sta.txt'));
  assert.ok(problems.some((p) => p.code === 'low-tpl' && /answerable from one frame/.test(p.message)));
});

test('cancelling stops the run', async (t) => {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'sta.txt': 'a 0.0 1.0##x.\nb 0.0 1.0##y.\n',
    'a.mp4': FAKE_VIDEO,
    'b.mp4': FAKE_VIDEO,
  });
  const index = await indexDataset(root);
  const controller = new AbortController();
  const analyzer: DatasetAnalyzer = {
    concurrency: 1,
    settings: {},
    clip: async (video) => {
      controller.abort();
      return { analysis: { video } as ClipAnalysis, cached: false };
    },
    sample: async (sample) => ({ sampleId: sample.id, tpl: { params: {} }, flags: [] }),
  };
  await assert.rejects(analyzeDataset(index, analyzer, { signal: controller.signal }), {
    name: 'AbortError',
  });
});
