import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codes, readTemp } from './readResults';

test('msrvtt: one caption sample per sentence, identity from sen_id', async (t) => {
  const data = {
    info: { year: '2016' },
    videos: [{ category: 10, video_id: 'video7010', 'start time': 1, 'end time': 5, id: 7010 }],
    sentences: [
      { caption: '3d animations and words', video_id: 'video7124', sen_id: 140560 },
      { caption: 'a man talks', video_id: 'video7010', sen_id: 140561 },
      { caption: '', video_id: 'video7010', sen_id: 140562 },
      'not a sentence',
      { caption: 'still read', video_id: 'video7010' },
    ],
  };
  const out = await readTemp(t, 'test_videodatainfo.json', JSON.stringify(data));
  assert.equal(out.reader?.format, 'msrvtt');
  assert.equal(out.drafts.length, 3);
  const [first] = out.drafts;
  assert.deepEqual(first.turns, [
    { role: 'human', text: '<video>\nDescribe the video briefly.' },
    { role: 'gpt', text: '3d animations and words' },
  ]);
  assert.deepEqual(
    [first.videoRef, first.recordId, first.identity, first.label],
    ['video7124', '140560', '140560', 'video7124'],
  );
  assert.equal(first.source.pointer, '/sentences/0');
  assert.deepEqual(codes(out.problems), ['invalid-record', 'invalid-record']);
  assert.deepEqual(
    out.problems.map((p) => p.location?.pointer),
    ['/sentences/2', '/sentences/3'],
  );
  assert.ok(out.drafts[2].identity.startsWith('video7010#'), 'no sen_id: video and content');
});

test('msrvtt: a file without sentences says so', async (t) => {
  const out = await readTemp(t, 'videos_only.json', '{"info": {}, "videos": [{"video_id": "video1"}]}');
  assert.equal(out.reader?.format, 'msrvtt');
  assert.deepEqual(codes(out.problems), ['invalid-record']);
  assert.match(out.problems[0].message, /"sentences"/);
});
