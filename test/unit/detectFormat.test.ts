import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFormat, probeFile } from '../../src/core/dataset/detectFormat';
import { FORMAT_READERS, readerFor } from '../../src/core/dataset/formats/registry';
import { ALL_FORMATS } from '../../src/core/dataset/sample';
import { jsonl, writeTemp } from './formats/readResults';

const GROUNDING = {
  qid: 7,
  query: 'a person opens a door.',
  duration: 30,
  vid: 'AB12C',
  relevant_windows: [[1, 4]],
};
const LLAVA = { id: 'x1', video: 'a.mp4', conversations: [{ from: 'human', value: '<video>\nHi' }] };

async function probe(t: Parameters<typeof writeTemp>[0], name: string, content: string | Buffer) {
  return probeFile(await writeTemp(t, name, content));
}

test('layout comes from content, not the extension', async (t) => {
  assert.equal((await probe(t, 'a.txt', JSON.stringify([LLAVA])))?.layout, 'json-array');
  assert.equal((await probe(t, 'a.json', jsonl([GROUNDING, GROUNDING])))?.layout, 'jsonl');
  assert.equal(
    (await probe(t, 'a.jsonl', JSON.stringify({ v_a: { duration: 3 } }, null, 2)))?.layout,
    'json-object',
  );
  assert.equal((await probe(t, 'a.json', 'question,answer,a0,a1\nwhy,0,x,y\n'))?.layout, 'csv');
  assert.equal((await probe(t, 'a.csv', 'question\tcandidates\tanswer\nwhy\t[]\tA\n'))?.layout, 'tsv');
  assert.equal((await probe(t, 'a.csv', 'AB12C 1.0 2.0##a person sits.\n'))?.layout, 'text-lines');
});

test('the probe carries the first record, key and header', async (t) => {
  const array = await probe(t, 'a.json', JSON.stringify([LLAVA, LLAVA]));
  assert.deepEqual(array?.firstRecord, LLAVA);
  const object = await probe(t, 'o.json', '{\n "v_a": {"duration": 3}\n}');
  assert.equal(object?.firstKey, 'v_a');
  assert.deepEqual(object?.firstRecord, { key: 'v_a', value: { duration: 3 } });
  const table = await probe(t, 't.csv', '\ufeffVideo, Question ,answer\r\n12,"why, then?",1\r\n');
  assert.deepEqual(table?.header, ['video', 'question', 'answer']);
  assert.deepEqual(table?.firstRecord, { video: '12', question: 'why, then?', answer: '1' });
});

test('a one-line file is JSONL when its line is a known record, a JSON object otherwise', async (t) => {
  const single = await probe(t, 'one.jsonl', JSON.stringify(GROUNDING) + '\n');
  assert.equal(single?.layout, 'jsonl');
  assert.equal(detectFormat(single!)?.format, 'grounding-jsonl');
  const noNewline = await probe(t, 'one.jsonl', JSON.stringify(LLAVA));
  assert.equal(noNewline?.layout, 'jsonl');
  const dense = await probe(
    t,
    'val.json',
    JSON.stringify({ v_a: { duration: 9, timestamps: [[1, 2]], sentences: ['x'] } }),
  );
  assert.equal(dense?.layout, 'json-object');
  assert.equal(detectFormat(dense!)?.format, 'activitynet-captions');
});

test('JSONL with BOM, CRLF and a first line longer than the 64 KiB head', async (t) => {
  const long = { ...LLAVA, conversations: [{ from: 'human', value: '<video>\n' + 'x'.repeat(100_000) }] };
  const found = await probe(
    t,
    'long.jsonl',
    '\ufeff' + [long, LLAVA].map((r) => JSON.stringify(r)).join('\r\n'),
  );
  assert.equal(found?.layout, 'jsonl');
  assert.ok(found!.head.length <= 64 * 1024);
  assert.equal(detectFormat(found!)?.format, 'llava');
});

test('a JSON array whose first element outgrows the head is still recognised', async (t) => {
  const long = { ...LLAVA, conversations: [{ from: 'human', value: '<video>\n' + 'y'.repeat(200_000) }] };
  const found = await probe(t, 'long.json', JSON.stringify([long, LLAVA], null, 2));
  assert.equal(found?.layout, 'json-array');
  assert.deepEqual(found?.firstRecord, long);
  assert.ok(found!.head.length <= 64 * 1024);
  assert.equal(detectFormat(found!)?.format, 'llava');
});

test('empty, blank and binary files get no probe', async (t) => {
  assert.equal(await probe(t, 'empty.json', ''), undefined);
  assert.equal(await probe(t, 'blank.txt', '\n  \n'), undefined);
  assert.equal(await probe(t, 'clip.mp4', Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70])), undefined);
});

test('every format is detected from its own shape', async (t) => {
  const cases: [string, string, string][] = [
    ['llava', 'l.json', JSON.stringify([LLAVA])],
    ['llava', 'r1.jsonl', jsonl([{ video: 'a.mp4', problem: '<video>Q?', solution: '<answer>A</answer>' }])],
    [
      'llava-messages',
      'm.json',
      JSON.stringify([{ messages: [{ role: 'user', content: '<video>Q' }], videos: ['a.mp4'] }]),
    ],
    ['charades-sta', 'c.txt', 'AB12C 1.0 2.5##a person sits.\nAB12C 3 4##stands.\n'],
    [
      'activitynet-captions',
      'v.json',
      '{"v_a": {"duration": 9, "timestamps": [[1, 2]], "sentences": ["x"]}}',
    ],
    ['grounding-jsonl', 'g.jsonl', jsonl([GROUNDING, GROUNDING])],
    ['grounding-jsonl', 'f.json', JSON.stringify([{ video: 'a.mp4', caption: 'x', timestamp: [1, 2] }])],
    [
      'multiple-choice',
      'q.json',
      JSON.stringify([{ video: 'a.mp4', question: 'Q?', candidates: ['x', 'y'], answer: 'x' }]),
    ],
    ['multiple-choice', 'q.csv', 'video,question,answer,a0,a1\n1,Q?,0,x,y\n'],
    [
      'msrvtt',
      'm.json',
      '{"info": {}, "videos": [{"video_id": "video1"}], "sentences": [{"caption": "x", "video_id": "video1", "sen_id": 1}]}',
    ],
  ];
  for (const [format, name, content] of cases) {
    const found = await probe(t, name, content);
    assert.equal(found && detectFormat(found)?.format, format, `${name} should be ${format}`);
  }
});

test('files that are not annotation data are not claimed', async (t) => {
  const cases: [string, string][] = [
    ['meta.csv', 'id,subject,scene,length\nYSKX3,CP6Y,Bedroom,16.62\n'],
    ['notes.txt', 'This video contains 30 frames.\nIt is 10 fps.\n'],
    ['mix.yaml', 'datasets:\n  - json_path: /a.json\n'],
    ['map.json', '{"2909445186": "0101/2909445186", "3837320324": "0016/3837320324"}'],
    ['list.json', '[1, 2, 3]'],
    ['meta.json', '{"123": {"eval_dim": {"action": null}, "content": ["people"]}}'],
  ];
  for (const [name, content] of cases) {
    const found = await probe(t, name, content);
    assert.ok(found, `${name} is text and gets a probe`);
    assert.equal(detectFormat(found), undefined, `${name} must not be detected`);
  }
});

test('a configured format overrides detection when it can read the layout', async (t) => {
  const found = await probe(t, 'g.jsonl', jsonl([GROUNDING, GROUNDING]));
  assert.equal(detectFormat(found!, 'multiple-choice')?.format, 'multiple-choice');
  assert.equal(
    detectFormat(found!, 'activitynet-captions'),
    undefined,
    'activitynet reads JSON objects only',
  );
  assert.equal(detectFormat(found!, 'video-folder'), undefined);
});

test('the registry holds one reader per annotation format and readerFor finds it', () => {
  const formats = FORMAT_READERS.map((reader) => reader.format);
  assert.equal(new Set(formats).size, formats.length);
  assert.deepEqual([...formats].sort(), ALL_FORMATS.filter((f) => f !== 'video-folder').sort());
  for (const reader of FORMAT_READERS) assert.equal(readerFor(reader.format), reader);
  assert.equal(readerFor('video-folder'), undefined);
});
