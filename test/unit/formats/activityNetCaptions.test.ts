import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codes, readTemp } from './readResults';

test('activitynet: one sample per sentence, pointer to the sentence, duration from the record', async (t) => {
  const data = {
    v_uqiMw7tQ1Cc: {
      duration: 55.15,
      timestamps: [
        [0.28, 55.15],
        [13.79, 54.32],
      ],
      sentences: ['A weight lifting tutorial is given.', '  The coach helps the guy in red.'],
    },
    v_b: { duration: 10, timestamps: [[1, 2]], sentences: ['Only one.'] },
  };
  const out = await readTemp(t, 'val.json', JSON.stringify(data, null, 2));
  assert.equal(out.reader?.format, 'activitynet-captions');
  assert.deepEqual(out.problems, []);
  assert.equal(out.drafts.length, 3);
  const second = out.drafts[1];
  assert.equal(second.videoRef, 'v_uqiMw7tQ1Cc');
  assert.equal(second.source.pointer, '/v_uqiMw7tQ1Cc/sentences/1');
  assert.equal(second.source.line, 2);
  assert.equal(second.duration, 55.15);
  assert.equal(second.query, 'The coach helps the guy in red.');
  assert.deepEqual(second.turns[1], { role: 'gpt', text: 'From 13.79 to 54.32 seconds.' });
  assert.equal(second.identity, 'v_uqiMw7tQ1Cc#1#The coach helps the guy in red.');
  assert.equal(out.drafts[2].source.pointer, '/v_b/sentences/0');
});

test('activitynet: TACoS frame numbers become seconds through fps', async (t) => {
  const data = {
    's30-d52.avi': {
      timestamps: [[141, 354]],
      sentences: ['She took out kiwi'],
      fps: 29.4,
      num_frames: 7346,
    },
  };
  const out = await readTemp(t, 'test.json', JSON.stringify(data));
  assert.equal(out.reader?.format, 'activitynet-captions');
  const [draft] = out.drafts;
  assert.ok(Math.abs(draft.windows![0].start - 141 / 29.4) < 1e-9);
  assert.ok(Math.abs(draft.duration! - 7346 / 29.4) < 1e-9);
  assert.equal(draft.turns[1].text, 'From 4.796 to 12.041 seconds.');
  assert.equal(draft.label, 's30-d52');
});

test('activitynet: window problems and malformed videos, located by pointer', async (t) => {
  const text = [
    '{',
    '  "v_ok": {"duration": 10, "timestamps": [[1, 2]], "sentences": ["fine"]},',
    '  "v_bad": {"duration": 10, "timestamps": [[-1, 2], [5, 3], [8, 10.04], [8, 10.2], [1], [1, 2]], "sentences": ["neg", "back", "within tolerance", "beyond", "short", ""]},',
    '  "v_mismatch": {"duration": 10, "timestamps": [[1, 2], [3, 4]], "sentences": ["one"]},',
    '  "v_none": {"duration": 10, "sentences": ["x"]},',
    '  "v_broken": {"duration": 10, timestamps: []},',
    '  "v_last": {"duration": 10, "timestamps": [[1, 2]], "sentences": ["read"]}',
    '}',
  ].join('\n');
  const out = await readTemp(t, 'val.json', text);
  assert.equal(out.reader?.format, 'activitynet-captions');
  assert.deepEqual(codes(out.problems), [
    'negative-timestamp',
    'start-after-end',
    'end-beyond-duration',
    'invalid-record',
    'invalid-record',
    'invalid-record',
    'invalid-record',
    'unparsable-record',
  ]);
  assert.deepEqual(
    out.problems.map((p) => p.location?.pointer),
    [
      '/v_bad/sentences/0',
      '/v_bad/sentences/1',
      '/v_bad/sentences/3',
      '/v_bad/sentences/4',
      '/v_bad/sentences/5',
      '/v_mismatch',
      '/v_none',
      '/v_broken',
    ],
  );
  assert.deepEqual(
    out.problems.map((p) => p.location?.line),
    [3, 3, 3, 3, 3, 4, 5, 6],
  );
  assert.equal(out.drafts.at(-1)?.videoRef, 'v_last');
  assert.equal(out.drafts.filter((d) => d.videoRef === 'v_mismatch').length, 1);
});
