import assert from 'node:assert/strict';
import { test } from 'node:test';
import { llavaMessagesReader } from '../../../src/core/dataset/formats/llavaMessages';
import { codes, jsonl, readTemp, readWith, writeTemp } from './readResults';

const message = (role: string, content: unknown) => ({ role, content });

test('llava-messages: roles mapped, first video is the reference, tokens counted per video', async (t) => {
  const records = [
    {
      messages: [
        message('system', 'Be brief.'),
        message('user', '<video>Why?'),
        message('assistant', 'Because.'),
      ],
      videos: ['mllm_demo_data/1.mp4'],
    },
    {
      messages: [message('user', '<video><video>Compare.'), message('assistant', 'Same.')],
      videos: ['a.mp4', 'b.mp4'],
    },
    {
      messages: [
        message('user', [{ type: 'video' }, { type: 'text', text: 'What?' }]),
        message('assistant', 'X'),
      ],
      videos: ['c.mp4'],
    },
  ];
  const out = await readTemp(t, 'mllm_video_demo.json', JSON.stringify(records, null, 2));
  assert.equal(out.reader?.format, 'llava-messages');
  assert.deepEqual(out.problems, []);
  assert.deepEqual(out.drafts[0].turns, [
    { role: 'system', text: 'Be brief.' },
    { role: 'human', text: '<video>Why?' },
    { role: 'gpt', text: 'Because.' },
  ]);
  assert.equal(out.drafts[0].videoRef, 'mllm_demo_data/1.mp4');
  assert.equal(out.drafts[1].videoRef, 'a.mp4');
  assert.equal(out.drafts[2].turns[0].text, '<video>What?');
  assert.notEqual(out.drafts[0].identity, out.drafts[1].identity);
});

test('llava-messages: token count against videos, empty turns, bad records', async (t) => {
  const lines = [
    JSON.stringify({
      messages: [message('user', '<video>Q'), message('assistant', 'A')],
      videos: ['a.mp4', 'b.mp4'],
    }),
    JSON.stringify({
      messages: [message('user', '<video><video>Q'), message('assistant', 'A')],
      videos: ['a.mp4'],
    }),
    JSON.stringify({ messages: [], videos: ['a.mp4'] }),
    JSON.stringify({ messages: [message('user', '<video>Q'), message('robot', 'A')], videos: ['a.mp4'] }),
    JSON.stringify({ messages: [message('user', 42)], videos: ['a.mp4'] }),
    '{"messages": [}',
    JSON.stringify({
      id: 'fine',
      messages: [message('user', '<video>Q'), message('assistant', 'A')],
      videos: ['a.mp4'],
    }),
  ];
  const path = await writeTemp(t, 'm.jsonl', lines.join('\n') + '\n');
  const out = await readWith(llavaMessagesReader, path, 'jsonl');
  assert.deepEqual(codes(out.problems), [
    'missing-video-token',
    'duplicate-video-token',
    'empty-turns',
    'invalid-record',
    'invalid-record',
    'unparsable-record',
  ]);
  assert.deepEqual(
    out.problems.map((p) => p.location?.line),
    [1, 2, 3, 4, 5, 6],
  );
  assert.match(out.problems[0].message, /1 <video> token for 2 videos/);
  assert.match(out.problems[3].message, /messages\[1\]\.role/);
  assert.match(out.problems[4].message, /messages\[0\]\.content/);
  assert.equal(out.drafts.at(-1)?.identity, 'fine');
});

test('llava-messages: verl RL prompts take the ground truth as window and answer', async (t) => {
  const record = (truth: unknown, duration: number) => ({
    data_source: 'vtgbench',
    prompt: [
      message('user', '<video>To pinpoint the event "a person sits" in the video, give the time period.'),
    ],
    videos: ['data/tvgbench_data/KWZSA.mp4'],
    reward_model: { style: 'rule', ground_truth: truth },
    extra_info: { split: 'test', index: 0, duration },
  });
  const out = await readTemp(
    t,
    'test.json',
    JSON.stringify([record([13.4, 28.1], 30.12), record([14.1, 20.0], 19.29), record([5, 'x'], 10)], null, 4),
  );
  assert.equal(out.reader?.format, 'llava-messages');
  const [first, beyond] = out.drafts;
  assert.deepEqual(first.windows, [{ start: 13.4, end: 28.1 }]);
  assert.equal(first.duration, 30.12);
  assert.deepEqual(first.turns.at(-1), { role: 'gpt', text: 'From 13.4 to 28.1 seconds.' });
  assert.equal(first.videoRef, 'data/tvgbench_data/KWZSA.mp4');
  assert.deepEqual(beyond.windows, [{ start: 14.1, end: 20 }]);
  assert.deepEqual(codes(out.problems), ['end-beyond-duration', 'invalid-record']);
  assert.equal(out.problems[1].location?.pointer, '/2');
  assert.match(out.problems[1].message, /reward_model\.ground_truth/);
});

test('llava-messages: detected from JSONL too', async (t) => {
  const record = { messages: [message('user', '<video>Q'), message('assistant', 'A')], videos: ['a.mp4'] };
  const out = await readTemp(t, 'm.jsonl', jsonl([record, record]));
  assert.equal(out.probe?.layout, 'jsonl');
  assert.equal(out.reader?.format, 'llava-messages');
  assert.equal(out.drafts.length, 2);
});
