import assert from 'node:assert/strict';
import { test } from 'node:test';
import { multipleChoiceReader } from '../../../src/core/dataset/formats/multipleChoice';
import { codes, jsonl, readTemp, readWith, writeTemp } from './readResults';

test('multiple-choice: options as "A. x", letter answer, rendered turns', async (t) => {
  const record = {
    video_id: '001',
    videoID: 'fFjv93ACGo8',
    question_id: '001-1',
    question: 'Which is most numerous?',
    options: ['A. Apples.', 'B. Candles.', 'C. Berries.'],
    answer: 'C',
  };
  const out = await readTemp(t, 'videomme.json', JSON.stringify([record]));
  assert.equal(out.reader?.format, 'multiple-choice');
  const [draft] = out.drafts;
  assert.deepEqual(draft.choice, {
    question: 'Which is most numerous?',
    options: ['Apples.', 'Candles.', 'Berries.'],
    answerIndex: 2,
  });
  assert.deepEqual(draft.turns, [
    {
      role: 'human',
      text: "<video>\nWhich is most numerous?\nA. Apples.\nB. Candles.\nC. Berries.\nAnswer with the option's letter.",
    },
    { role: 'gpt', text: 'C. Berries.' },
  ]);
  assert.deepEqual([draft.videoRef, draft.recordId, draft.label], ['fFjv93ACGo8', '001-1', '001-1']);
});

test('multiple-choice: every answer spelling and every option source', async (t) => {
  const records = [
    { video: 'a.mp4', question: 'Q1', candidates: ['red', 'blue'], answer: 'blue' },
    { video_path: 'b.mp4', question: 'Q2', candidates: ['x', 'y', 'z'], correct_choice: 2 },
    { video_name: 'c.mp4', question: 'Q3\n(A) one\n(B) two\n', candidates: ['one', 'two'], answer: 'B' },
    { video: 'd.mp4', question: 'Q4?\nA. up\nB. down', answer: 'A. up' },
    {
      video: 'e.mp4',
      question: 'Q5',
      candidates: "['A. It\\'s red', \"B. It's blue\"]",
      answer: '1',
      answer_number: 1,
    },
    { video: 'f.mp4', question: 'How many?', candidates: ['2', '3', '4'], answer: '3' },
    { video: 'g.mp4', question: 'Q7', options: ['yes', 'no'], answer: '(b)' },
    { video: 'h.mp4', question: 'Q8', options: ['yes', 'no'] },
  ];
  const out = await readTemp(t, 'mc.jsonl', jsonl(records));
  assert.deepEqual(out.problems, []);
  assert.deepEqual(
    out.drafts.map((d) => [d.videoRef, d.choice?.question, d.choice?.options, d.choice?.answerIndex]),
    [
      ['a.mp4', 'Q1', ['red', 'blue'], 1],
      ['b.mp4', 'Q2', ['x', 'y', 'z'], 2],
      ['c.mp4', 'Q3', ['one', 'two'], 1],
      ['d.mp4', 'Q4?', ['up', 'down'], 0],
      ['e.mp4', 'Q5', ["It's red", "It's blue"], 1],
      ['f.mp4', 'How many?', ['2', '3', '4'], 1],
      ['g.mp4', 'Q7', ['yes', 'no'], 1],
      ['h.mp4', 'Q8', ['yes', 'no'], undefined],
    ],
  );
  assert.equal(out.drafts[7].turns.length, 1, 'no answer: the question turn only');
});

test('multiple-choice: invalid answers and records without question or options', async (t) => {
  const lines = [
    JSON.stringify({ video: 'a.mp4', question: 'Q', candidates: ['x', 'y'], answer: 'z' }),
    JSON.stringify({ video: 'a.mp4', question: 'Q', candidates: ['x', 'y'], correct_choice: 5 }),
    JSON.stringify({ video: 'a.mp4', question: 'Q', candidates: ['x', 'y'], answer: 'E' }),
    JSON.stringify({ video: 'a.mp4', candidates: ['x', 'y'], answer: 'x' }),
    JSON.stringify({ video: 'a.mp4', question: 'Q with no options', answer: 'x' }),
    '{"video": "a.mp4", "question": ',
    JSON.stringify({ video: 'a.mp4', question: 'Q', candidates: ['x', 'y'], answer: 'x' }),
  ];
  const path = await writeTemp(t, 'mc.jsonl', lines.join('\n'));
  const out = await readWith(multipleChoiceReader, path, 'jsonl');
  assert.deepEqual(codes(out.problems), [
    'invalid-answer',
    'invalid-answer',
    'invalid-answer',
    'invalid-record',
    'invalid-record',
    'unparsable-record',
  ]);
  assert.deepEqual(
    out.problems.map((p) => p.location?.line),
    [1, 2, 3, 4, 5, 6],
  );
  assert.match(out.problems[0].message, /"z"/);
  assert.match(out.problems[3].message, /"question"/);
  assert.match(out.problems[4].message, /"options"/);
  assert.equal(out.drafts.length, 4);
  assert.equal(out.drafts.at(-1)?.choice?.answerIndex, 0);
});

test('multiple-choice: NExT-QA CSV with a0..a4, quoted multi-line cells, CRLF and BOM', async (t) => {
  const csv = [
    'video,frame_count,question,answer,qid,type,a0,a1,a2,a3,a4',
    '4010069381,369,how do the two man play the instrument,0,6,CH,roll the handle,tap their feet,strum,hit,pat',
    '4882821564,2697,"why did the boy, smiling,',
    'move to the sofa",2,6,CW,share,approach,unwrap it,play,gesture',
    '4010069381,369,what next,7,7,TN,a,b,c,d,e',
    '4010069381,369,too short',
    '4010069381,369,last one,4,8,TN,a,b,c,d,e',
  ].join('\r\n');
  const out = await readTemp(t, 'val.csv', '\ufeff' + csv + '\r\n');
  assert.equal(out.probe?.layout, 'csv');
  assert.equal(out.reader?.format, 'multiple-choice');
  assert.deepEqual(
    out.drafts.map((d) => [d.videoRef, d.recordId, d.identity, d.source.line, d.choice?.answerIndex]),
    [
      ['4010069381', '6', '4010069381#6', 2, 0],
      ['4882821564', '6', '4882821564#6', 3, 2],
      ['4010069381', '7', '4010069381#7', 5, undefined],
      ['4010069381', '8', '4010069381#8', 7, 4],
    ],
  );
  assert.equal(out.drafts[1].choice?.question, 'why did the boy, smiling,\nmove to the sofa');
  assert.deepEqual(codes(out.problems), ['invalid-answer', 'unparsable-record']);
  assert.deepEqual(
    out.problems.map((p) => p.location?.line),
    [5, 6],
  );
});

test('multiple-choice: Video-MME TSV with Python-list candidates', async (t) => {
  const tsv = [
    'index\ttask_name\tvideo_name\tquestion_id\tquestion\tanswer_number\tcandidates\tanswer',
    "001-1\tVideoMME\tfFjv93ACGo8.mp4\t001-1\tWhich one?\t2\t['A. Apples.', 'B. Candles.', 'C. Berries.']\tC",
  ].join('\n');
  const out = await readTemp(t, 'VideoMME.tsv', tsv);
  assert.equal(out.probe?.layout, 'tsv');
  assert.equal(out.reader?.format, 'multiple-choice');
  const [draft] = out.drafts;
  assert.deepEqual(draft.choice, {
    question: 'Which one?',
    options: ['Apples.', 'Candles.', 'Berries.'],
    answerIndex: 2,
  });
  assert.equal(draft.recordId, '001-1');
});

test('multiple-choice: TempCompass {video: {dimension: [qa]}}', async (t) => {
  const data = {
    '1034419625': {
      action: [
        { question: 'What is the man doing?\nA. dunking\nB. dribbling', answer: 'A. dunking' },
        { question: 'Which activity?\nA. passing\nB. dunking', answer: 'B. dunking' },
      ],
      speed: [{ question: 'How fast?\nA. slow\nB. fast', answer: 'C. faster' }],
    },
  };
  const out = await readTemp(t, 'multi-choice.json', JSON.stringify(data, null, 4));
  assert.equal(out.probe?.layout, 'json-object');
  assert.equal(out.reader?.format, 'multiple-choice');
  assert.deepEqual(
    out.drafts.map((d) => [d.videoRef, d.source.pointer, d.choice?.question, d.choice?.answerIndex]),
    [
      ['1034419625', '/1034419625/action/0', 'What is the man doing?', 0],
      ['1034419625', '/1034419625/action/1', 'Which activity?', 1],
      ['1034419625', '/1034419625/speed/0', 'How fast?', undefined],
    ],
  );
  assert.deepEqual(codes(out.problems), ['invalid-answer']);
  assert.notEqual(out.drafts[0].identity, out.drafts[1].identity);
});

test('multiple-choice: LVBench lines hold one video and its qa list', async (t) => {
  const line = {
    key: 'Cm73ma6Ibcs',
    type: 'cartoon',
    qa: [
      {
        uid: '55',
        question: 'What year?\n(A) 1636\n(B) 1366\n(C) 1363\n(D) 1633',
        answer: 'D',
        time_reference: '00:15-00:19',
      },
      { uid: '56', question: 'Weather?\n(A) Cloudy\n(B) Snowy', answer: 'B' },
    ],
    video_info: { duration_minutes: 61.5, fps: 24 },
  };
  const out = await readTemp(t, 'video_info.meta.jsonl', jsonl([line]));
  assert.equal(out.reader?.format, 'multiple-choice');
  assert.deepEqual(
    out.drafts.map((d) => [
      d.videoRef,
      d.recordId,
      d.identity,
      d.source.line,
      d.source.pointer,
      d.duration,
      d.choice?.answerIndex,
    ]),
    [
      ['Cm73ma6Ibcs', '55', 'Cm73ma6Ibcs#55', 1, '/qa/0', 3690, 3],
      ['Cm73ma6Ibcs', '56', 'Cm73ma6Ibcs#56', 1, '/qa/1', 3690, 1],
    ],
  );
  assert.deepEqual(out.drafts[0].choice?.options, ['1636', '1366', '1363', '1633']);
});
