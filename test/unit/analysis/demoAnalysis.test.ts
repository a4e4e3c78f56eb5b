// The main job on the generated demo dataset: the truth the generator put in comes back out.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeDataset } from '../../../src/core/analysis/analyzeDataset';
import type { AnalysisResults, ClipAnalysis } from '../../../src/core/analysis/analysisTypes';
import { createDatasetAnalyzer } from '../../../src/core/analysis/datasetAnalyzer';
import { generateDemoDataset } from '../../../src/core/demo/demoDataset';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { createInferenceService } from '../../../src/core/inference/inferenceService';
import type { InferenceService } from '../../../src/core/inference/inferenceService';
import { MediaCache } from '../../../src/core/media/mediaCache';
import { MediaService } from '../../../src/core/media/mediaService';
import { ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';

describe('analyze on the demo dataset', { skip: noFfmpeg }, () => {
  let results: AnalysisResults;
  let root: string;
  let inference: InferenceService;
  let rerunSeconds = 0;
  const clip = (name: string): ClipAnalysis => {
    const found = results.clips.find((c) => c.video.endsWith(`/${name}`));
    assert.ok(found, name);
    return found;
  };

  before(async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    root = await mkdtemp(join(tmpdir(), 'vc-demo-analysis-'));
    await generateDemoDataset(root, { ffmpeg: ffmpeg! });
    const index = await indexDataset(root);
    const cache = new MediaCache(join(root, '.video-curator', 'cache'));
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, cache, concurrency: 2 });
    inference = await createInferenceService({ device: 'cpu', globalStorage: join(root, 'models') });
    const status = await inference.runtime.status();
    const analyzer = createDatasetAnalyzer({ media, cache, inference, status });
    results = await analyzeDataset(index, analyzer);
    const again = Date.now();
    const second = await analyzeDataset(index, analyzer);
    rerunSeconds = (Date.now() - again) / 1000;
    assert.equal(second.clips.length, results.clips.length);
  });
  after(async () => {
    await inference?.runtime.dispose();
    const { rm } = await import('node:fs/promises');
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('cuts where the generator cut, and none elsewhere', () => {
    // scenes.mp4: red, green, blue for 2 s each at 24 fps.
    assert.deepEqual(
      clip('scenes.mp4').shots.cuts.map((c) => c.index),
      [48, 96],
    );
    for (const name of ['moving_box.mp4', 'still_bars.mp4', 'text_card.mp4', 'counter.mp4']) {
      assert.deepEqual(clip(name).shots.cuts, [], name);
    }
  });

  test("the moving box's track follows its path left to right", () => {
    const tracks = clip('moving_box.mp4').tracks.tracks.filter((t) => t.source === 'motion');
    assert.equal(tracks.length, 1);
    const [track] = tracks;
    const centre = (i: number) => (track.observations[i].box[0] + track.observations[i].box[2]) / 2;
    assert.ok(track.firstSeen <= 0.5 && track.lastSeen >= 5.5, `${track.firstSeen}..${track.lastSeen}`);
    assert.ok(centre(track.observations.length - 1) - centre(0) > 150, 'moves right across the frame');
    assert.equal(track.label, 'yellow');
  });

  test('burned-in text is found with the right time span', () => {
    const text = clip('text_card.mp4').tracks.tracks.filter((t) => t.source === 'ocr');
    assert.equal(text.length, 1);
    assert.equal(text[0].text, 'HELLO');
    assert.ok(
      Math.abs(text[0].firstSeen - 2) <= 0.5 && Math.abs(text[0].lastSeen - 4) <= 0.5,
      `${text[0].firstSeen}..${text[0].lastSeen}`,
    );
  });

  test('the static clip has the lowest dynamics and density', () => {
    const still = clip('still_bars.mp4').signals;
    for (const c of results.clips) {
      if (c.video.endsWith('still_bars.mp4')) continue;
      assert.ok(c.signals.dynamics >= still.dynamics, c.video);
      assert.ok(c.signals.density >= still.density, c.video);
    }
    assert.ok(still.dynamics < 0.02 && still.density < 0.02);
  });

  test('keyframes cover the distinct events', () => {
    const scenes = clip('scenes.mp4');
    const times = scenes.keyframes.picks.map((i) => scenes.keyframes.candidates[i].time);
    for (const [start, end] of [
      [0, 2],
      [2, 4],
      [4, 6],
    ]) {
      assert.ok(
        times.some((t) => t >= start && t < end),
        `a pick in ${start}-${end} s: ${times.join(', ')}`,
      );
    }
  });

  test("generated answers match the generator's ground truth", () => {
    const card = clip('text_card.mp4').dialogues.find((d) => d.kind === 'text-to-time');
    assert.ok(card, 'a text-to-time question about HELLO');
    assert.match(card.turns[0].text, /^<video>\n.*"HELLO"/s);
    const [from, to] = [...card.turns[1].text.matchAll(/(\d+\.\d) s/g)].map((m) => Number(m[1]));
    assert.ok(Math.abs(from - 2) <= 0.5 && Math.abs(to - 4) <= 0.5, card.turns[1].text);

    const box = clip('moving_box.mp4').dialogues.find((d) => d.kind === 'space-to-time');
    assert.ok(box);
    assert.match(box.turns[1].text, /from the left to the right/);
    const shots = clip('scenes.mp4').dialogues.find((d) => d.kind === 'counting');
    assert.match(shots?.turns[1].text ?? '', /three shots|Two times/i);
  });

  test('without a scorer TPL is absent with its reason; bad and missing videos are flagged, not fatal', () => {
    for (const s of results.samples) {
      assert.equal(s.tpl.tpl, undefined);
      assert.ok(s.tpl.reason, s.sampleId);
    }
    assert.deepEqual(
      results.failures.map((f) => [f.video.split('/').pop(), f.code]),
      [['broken_upload.mp4', 'corrupt']],
    );
    assert.ok(results.samples.some((s) => s.flags.includes('unreadable-video')));
    assert.ok(results.samples.some((s) => s.flags.includes('missing-video')));
  });

  test('results record how they were made, and a re-run is served from the cache', () => {
    const c = clip('moving_box.mp4');
    assert.deepEqual(
      c.models.map((m) => m.id),
      ['builtin/frame-signature', 'builtin/motion', 'npm/pp-ocr-v4'],
    );
    assert.ok(c.models.every((m) => m.version && m.version !== 'unknown'));
    assert.ok(c.candidates.every((f) => Number.isInteger(f.index) && f.pts >= 0));
    assert.ok(c.params.keyframes && c.params.analysisFps);
    assert.ok(rerunSeconds < 3, `re-run took ${rerunSeconds} s`);
  });
});
