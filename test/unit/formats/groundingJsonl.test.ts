import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codes, jsonl, readTemp } from './readResults';

test('grounding: Moment-DETR JSONL, one sample per query, all windows', async (t) => {
  const records = [
    {
      qid: 2579,
      query: 'A girl cooks.',
      duration: 150,
      vid: 'NUsG9BgSes0_210.0_360.0',
      relevant_windows: [[82, 150]],
    },
    {
      qid: 'test0',
      query: 'person turn a light on.',
      duration: 31,
      vid: '3MSZA',
      relevant_windows: [
        [24.3, 30.4],
        [1, 2],
      ],
      video_file: '3MSZA.mp4',
    },
  ];
  const out = await readTemp(t, 'qvhighlights_val.jsonl', jsonl(records));
  assert.equal(out.reader?.format, 'grounding-jsonl');
  assert.deepEqual(out.problems, []);
  const [first, second] = out.drafts;
  assert.deepEqual(
    [first.recordId, first.identity, first.label, first.videoRef],
    ['2579', '2579', 'qid-2579', 'NUsG9BgSes0_210.0_360.0'],
  );
  assert.equal(second.videoRef, '3MSZA.mp4', 'video_file wins over vid');
  assert.equal(second.label, 'test0');
  assert.deepEqual(second.turns[1].text, 'From 24.3 to 30.4 seconds and from 1 to 2 seconds.');
  assert.equal(second.query, 'person turn a light on.');
  assert.equal(second.source.line, 2);
});

test('grounding: VideoChat-Flash [{video, caption, timestamp}] lists', async (t) => {
  const records = [
    { video: '3MSZA.mp4', caption: 'person turn a light on.', timestamp: [24.3, 30.4] },
    { video: '3MSZA.mp4', caption: 'person turn a light on.', timestamp: [24.3, 30.4] },
  ];
  const out = await readTemp(t, 'temporal_grounding_charades.json', JSON.stringify(records, null, 4));
  assert.equal(out.reader?.format, 'grounding-jsonl');
  assert.deepEqual(out.drafts[0].windows, [{ start: 24.3, end: 30.4 }]);
  assert.equal(out.drafts[0].identity, out.drafts[1].identity, 'identical records share an identity');
  assert.deepEqual([out.drafts[1].source.line, out.drafts[1].source.pointer], [10, '/1']);
});

test('grounding: every problem, at its line, without stopping', async (t) => {
  const base = { query: 'q', duration: 19.29, vid: 'V' };
  const lines = [
    JSON.stringify({ ...base, qid: 1, relevant_windows: [[14.1, 20.0]] }),
    JSON.stringify({ ...base, qid: 2, relevant_windows: [[14.1, 19.33]] }),
    JSON.stringify({ ...base, qid: 3, relevant_windows: [[-0.5, 2]] }),
    JSON.stringify({ ...base, qid: 4, relevant_windows: [[5, 2]] }),
    JSON.stringify({ ...base, qid: 5, relevant_windows: [[1, 2], 'x'] }),
    JSON.stringify({ qid: 6, duration: 10, vid: 'V', relevant_windows: [[1, 2]] }),
    JSON.stringify({ ...base, qid: 7 }),
    '{"qid": 8, "query": "q", "relevant_windows": [[1, 2]',
    JSON.stringify({ ...base, qid: 9, relevant_windows: [[1, 2]] }),
  ];
  const out = await readTemp(t, 'tvgbench.jsonl', lines.join('\n'));
  assert.equal(out.reader?.format, 'grounding-jsonl');
  assert.deepEqual(
    out.drafts.map((d) => d.recordId),
    ['1', '2', '3', '4', '9'],
  );
  assert.deepEqual(codes(out.problems), [
    'end-beyond-duration',
    'negative-timestamp',
    'start-after-end',
    'invalid-record',
    'invalid-record',
    'invalid-record',
    'unparsable-record',
  ]);
  assert.deepEqual(
    out.problems.map((p) => p.location?.line),
    [1, 3, 4, 5, 6, 7, 8],
  );
  assert.match(out.problems[3].message, /relevant_windows\[1\]/);
  assert.match(out.problems[4].message, /"query"/);
  assert.match(out.problems[5].message, /"relevant_windows"/);
});
