import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { summarizeIndex } from '../../../src/core/dataset/indexSummary';
import { FAKE_VIDEO, tempFolder, writeFiles } from '../../helpers/tempFolder';

const llava = (id: string, video: string, answer = 'A dog runs.') =>
  JSON.stringify({
    id,
    video,
    conversations: [
      { from: 'human', value: '<video>\nWhat happens?' },
      { from: 'gpt', value: answer },
    ],
  });

test('videos resolve relative to the annotation file, a video root, or by stem', async (t) => {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'anno/train.jsonl':
      [llava('a', 'clips/a.mp4'), llava('b', 'b.mp4'), llava('c', 'gone.mp4')].join('\n') + '\n',
    'anno/clips/a.mp4': FAKE_VIDEO,
    'media/b.mp4': FAKE_VIDEO,
    'charades.txt': 'AO8RW 0.0 6.9##a person is putting a book on a shelf.\n',
    'deep/nested/AO8RW.mp4': FAKE_VIDEO,
    'video-curator.json': JSON.stringify({ videoRoots: ['media'] }),
  });
  const index = await indexDataset(root);
  const byRecord = new Map(index.samples.map((s) => [s.recordId ?? s.videoRef, s]));
  assert.equal(byRecord.get('a')?.video, join(root, 'anno/clips/a.mp4'));
  assert.equal(byRecord.get('b')?.video, join(root, 'media/b.mp4'));
  assert.equal(byRecord.get('c')?.video, undefined);
  const charades = index.samples.find((s) => s.format === 'charades-sta');
  assert.equal(charades?.video, join(root, 'deep/nested/AO8RW.mp4'));

  const missing = index.problems.filter((p) => p.code === 'missing-video');
  assert.equal(missing.length, 1);
  assert.equal(missing[0].severity, 'error');
  assert.equal(missing[0].location?.file, join(root, 'anno/train.jsonl'));
  assert.equal(missing[0].location?.line, 3);
  assert.match(missing[0].message, /gone\.mp4/);
  assert.equal(missing[0].sampleId, byRecord.get('c')?.id);
  assert.equal(index.videosFound, 3);
  assert.equal(index.videosMissing, 1);
});

test('sample ids are stable across runs and reordering, and distinct across files', async (t) => {
  const root = await tempFolder(t);
  const lines = ['AO8RW 0.0 6.9##one.', 'AO8RW 2.0 8.0##two.', 'Y6R7T 1.5 4.0##three.'];
  await writeFiles(root, { 'a.txt': lines.join('\n'), 'b.txt': lines.join('\n') });
  const first = await indexDataset(root);
  await writeFiles(root, { 'a.txt': [lines[2], '', lines[0], lines[1]].join('\n') });
  const second = await indexDataset(root);
  const ids = (index: typeof first, file: string) =>
    new Map(index.samples.filter((s) => s.source.file.endsWith(file)).map((s) => [s.query, s.id]));
  assert.deepEqual(ids(second, 'a.txt'), ids(first, 'a.txt'));
  const all = first.samples.map((s) => s.id);
  assert.equal(new Set(all).size, 6, 'the same record in two files gets two ids');
  assert.match(all[0], /^AO8RW#[0-9a-f]{10}$/);
});

test('duplicate records warn and duplicate ids with different content are errors; ids stay unique', async (t) => {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'train.jsonl': [
      llava('x', 'v.mp4'),
      llava('x', 'v.mp4'),
      llava('y', 'v.mp4'),
      llava('y', 'v.mp4', 'A cat.'),
    ].join('\n'),
    'v.mp4': FAKE_VIDEO,
  });
  const index = await indexDataset(root);
  assert.equal(index.samples.length, 4);
  assert.equal(new Set(index.samples.map((s) => s.id)).size, 4);
  const codes = index.problems.map((p) => [p.code, p.location?.line]);
  assert.deepEqual(codes, [
    ['duplicate-record', 2],
    ['duplicate-id', 4],
  ]);
  assert.equal(index.problems[1].severity, 'error');
});

test('a folder of videos without annotations gives one bare sample per video', async (t) => {
  const root = await tempFolder(t);
  await writeFiles(root, { 'a.mp4': FAKE_VIDEO, 'sub/b.webm': FAKE_VIDEO, 'notes.txt': 'just some notes\n' });
  const index = await indexDataset(root);
  assert.deepEqual(
    index.samples.map((s) => [s.format, s.videoRef, s.turns.length]),
    [
      ['video-folder', 'a.mp4', 0],
      ['video-folder', 'sub/b.webm', 0],
    ],
  );
  assert.deepEqual(
    index.problems.map((p) => [p.code, p.severity]),
    [['unrecognized-file', 'info']],
  );
});

test('config can force a format, and a broken config or unreadable file is a problem, not a crash', async (t) => {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'weird.data.txt': 'AO8RW 0.0 6.9##a person is putting a book on a shelf.\n',
    'AO8RW.mp4': FAKE_VIDEO,
    'video-curator.json': JSON.stringify({
      formats: { 'weird.data.txt': 'charades-sta', 'x.json': 'nope' },
      extra: 1,
    }),
  });
  await symlink(join(root, 'does-not-exist.json'), join(root, 'dangling.json'));
  const index = await indexDataset(root);
  assert.equal(index.samples.length, 1);
  assert.equal(index.samples[0].format, 'charades-sta');
  const codes = index.problems.map((p) => `${p.code}:${p.severity}`).sort();
  assert.deepEqual(codes, ['invalid-config:error', 'invalid-config:warning', 'unreadable-file:error']);
  const summary = summarizeIndex(index);
  assert.equal(summary.totals.problemsBySeverity.error, 2);
});

test('indexing can be cancelled', async (t) => {
  const root = await tempFolder(t);
  await writeFiles(root, { 'a.txt': 'AO8RW 0.0 6.9##x.\n' });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(indexDataset(root, { signal: controller.signal }), { name: 'AbortError' });
});
