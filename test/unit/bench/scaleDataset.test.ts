// The scale benchmark's generator, small: every record it writes must come out of the index as a
// sample, in the format it was written in, with no problem but the missing videos it plants.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { summarizeIndex } from '../../../src/core/dataset/indexSummary';
import { findBinary } from '../../../src/core/media/ffmpegPaths';
import { generateScaleDataset } from '../../../scripts/bench/scaleDataset';
import { tempFolder } from '../../helpers/tempFolder';

const ffmpeg = findBinary('ffmpeg');

test(
  'a small scale dataset indexes every record with only its planted problems',
  { skip: !ffmpeg && 'no ffmpeg' },
  async (t) => {
    const folder = await tempFolder(t, 'vc-scale-');
    const made = await generateScaleDataset({
      folder,
      ffmpeg: ffmpeg!,
      records: 2000,
      videos: 4,
      seed: 7,
      missingEvery: 100,
    });
    assert.equal(made.renderedVideos, 4);
    assert.equal(made.records, 2000);
    assert.equal(
      made.files.reduce((n, f) => n + f.records, 0),
      2000,
    );
    assert.ok(made.missingVideoRecords > 0, 'some records name a missing video');

    const index = await indexDataset(folder);
    const summary = summarizeIndex(index);
    assert.equal(summary.totals.samples, 2000);
    for (const file of made.files) {
      const seen = summary.files.find((f) => f.relativePath === file.relativePath);
      assert.ok(seen, `${file.relativePath} indexed`);
      assert.equal(seen.format, file.format, file.relativePath);
      assert.equal(seen.layout, file.layout, file.relativePath);
      assert.equal(seen.samples, file.records, file.relativePath);
    }
    assert.deepEqual(summary.totals.problemsByCode, { 'missing-video': made.missingVideoRecords });
    assert.equal(summary.totals.videosMissing, made.missingVideoRecords);
    // Every other sample resolves to a generated clip or a real video.
    const known = new Set([...made.generatedVideos, ...made.realVideos]);
    const resolved = index.samples.filter((s) => s.video);
    assert.equal(resolved.length, 2000 - made.missingVideoRecords);
    for (const sample of resolved) assert.ok(known.has(sample.video!), `${sample.id} → ${sample.video}`);
    if (made.realVideos.length)
      assert.ok(
        resolved.some((s) => made.realVideos.includes(s.video!)),
        'some records point at the real videos',
      );

    // Same seed, same bytes; the clips are not rendered again.
    const before = await readFile(join(folder, 'annotations', 'llava_detail.json'), 'utf8');
    const again = await generateScaleDataset({
      folder,
      ffmpeg: ffmpeg!,
      records: 2000,
      videos: 4,
      seed: 7,
      missingEvery: 100,
    });
    assert.equal(again.renderedVideos, 0);
    assert.equal(await readFile(join(folder, 'annotations', 'llava_detail.json'), 'utf8'), before);
  },
);
