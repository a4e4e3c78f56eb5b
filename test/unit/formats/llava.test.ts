import assert from 'node:assert/strict';
import { test } from 'node:test';
import { llavaReader } from '../../../src/core/dataset/formats/llava';
import { codes, jsonl, readTemp, readWith, writeTemp } from './readResults';

const turn = (from: string, value: string) => ({ from, value });

test('llava: turns, system prompt, video and identity from the record', async (t) => {
  const records = [
    {
      id: 'a-1',
      system_prompt: 'Answer about the video.',
      video: 'clips/bm_teaser.mp4',
      image: 'bm.jpg',
      conversations: [
        turn('human', '<video>What is it?'),
        turn('gpt', 'A teaser.'),
        turn('human', '<image>And this?'),
        turn('gpt', 'A photo.'),
      ],
    },
    { video: 'b.mp4', conversations: [turn('user', '<video>\nQ'), turn('assistant', 'A')] },
  ];
  const out = await readTemp(t, 'video.json', JSON.stringify(records, null, 2));
  assert.equal(out.reader?.format, 'llava');
  assert.deepEqual(out.problems, []);
  const [first, second] = out.drafts;
  assert.deepEqual(first.turns, [
    { role: 'system', text: 'Answer about the video.' },
    { role: 'human', text: '<video>What is it?' },
    { role: 'gpt', text: 'A teaser.' },
    { role: 'human', text: '<image>And this?' },
    { role: 'gpt', text: 'A photo.' },
  ]);
  assert.deepEqual(
    [first.recordId, first.identity, first.label, first.videoRef],
    ['a-1', 'a-1', 'a-1', 'clips/bm_teaser.mp4'],
  );
  assert.deepEqual([first.source.line, first.source.column, first.source.pointer], [2, 3, '/0']);
  assert.deepEqual(
    second.turns.map((x) => x.role),
    ['human', 'gpt'],
  );
  assert.equal(second.recordId, undefined);
  assert.equal(second.label, 'b');
  assert.ok(second.identity.includes('"conversations"'), 'no id: the identity is the content');
});

test('llava: identical records share an identity whatever their key order', async (t) => {
  const a = { video: 'a.mp4', conversations: [turn('human', '<video>Q'), turn('gpt', 'A')] };
  const b = {
    conversations: [
      { value: '<video>Q', from: 'human' },
      { value: 'A', from: 'gpt' },
    ],
    video: 'a.mp4',
  };
  const out = await readTemp(t, 'dup.jsonl', jsonl([a, b]));
  assert.equal(out.drafts.length, 2);
  assert.equal(out.drafts[0].identity, out.drafts[1].identity);
});

test('llava: every problem it can report, each at its record, and reading goes on', async (t) => {
  const good = { id: 'ok', video: 'a.mp4', conversations: [turn('human', '<video>Q'), turn('gpt', 'A')] };
  const lines = [
    JSON.stringify(good),
    JSON.stringify({ id: 'no-token', video: 'a.mp4', conversations: [turn('human', 'Q'), turn('gpt', 'A')] }),
    JSON.stringify({
      id: 'two-tokens',
      video: 'a.mp4',
      conversations: [turn('human', '<video><video>Q'), turn('gpt', 'A')],
    }),
    JSON.stringify({ id: 'empty', video: 'a.mp4', conversations: [] }),
    JSON.stringify({
      id: 'blank-turn',
      video: 'a.mp4',
      conversations: [turn('human', '<video>Q'), turn('gpt', ' ')],
    }),
    '{"id": "broken", "video": ',
    JSON.stringify({ id: 'no-conversations', video: 'a.mp4' }),
    JSON.stringify({
      id: 'bad-role',
      video: 'a.mp4',
      conversations: [turn('human', '<video>Q'), turn('bot', 'A')],
    }),
    '"just a string"',
    JSON.stringify({ ...good, id: 'last' }),
  ];
  const path = await writeTemp(t, 'mixed.jsonl', lines.join('\n'));
  const out = await readWith(llavaReader, path, 'jsonl');
  assert.deepEqual(
    out.drafts.map((d) => d.identity),
    ['ok', 'no-token', 'two-tokens', 'empty', 'blank-turn', 'last'],
  );
  assert.deepEqual(codes(out.problems), [
    'missing-video-token',
    'duplicate-video-token',
    'empty-turns',
    'empty-turns',
    'unparsable-record',
    'invalid-record',
    'invalid-record',
    'invalid-record',
  ]);
  const [missing, duplicate, empty, blank, unparsable, noConversations, badRole, notObject] = out.problems;
  assert.deepEqual(
    [missing.location?.line, duplicate.location?.line, empty.location?.line, blank.location?.line],
    [2, 3, 4, 5],
  );
  assert.equal(missing.severity, 'warning');
  assert.deepEqual(
    [unparsable.location?.file, unparsable.location?.line, unparsable.location?.column],
    [path, 6, 1],
  );
  assert.match(noConversations.message, /"conversations"/);
  assert.equal(noConversations.location?.line, 7);
  assert.match(badRole.message, /conversations\[1\]\.from/);
  assert.equal(notObject.location?.line, 9);
  for (const found of out.problems) assert.ok(found.fix, `${found.code} says what to do`);
});

test('llava: R1-style {video, problem, solution} records', async (t) => {
  const record = {
    video: 'demo/208.mp4',
    problem: '<image>\nWhat is first?',
    solution: '<answer>a</answer>',
  };
  const out = await readTemp(t, 'example1.jsonl', jsonl([record, record]));
  assert.equal(out.reader?.format, 'llava');
  assert.deepEqual(out.drafts[0].turns, [
    { role: 'human', text: '<image>\nWhat is first?' },
    { role: 'gpt', text: '<answer>a</answer>' },
  ]);
  assert.equal(out.drafts[0].identity, out.drafts[1].identity);
  assert.deepEqual(codes(out.problems), ['missing-video-token', 'missing-video-token']);
});

test('llava: CRLF and a BOM keep lines exact', async (t) => {
  const good = { id: 'x', video: 'a.mp4', conversations: [turn('human', '<video>Q'), turn('gpt', 'A')] };
  const out = await readTemp(
    t,
    'crlf.jsonl',
    '\ufeff' + JSON.stringify(good) + '\r\n\r\n' + JSON.stringify({ ...good, id: 'y' }) + '\r\n',
  );
  assert.deepEqual(
    out.drafts.map((d) => [d.identity, d.source.line, d.source.column]),
    [
      ['x', 1, 1],
      ['y', 3, 1],
    ],
  );
});
