import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parsePythonList,
  resolveAnswer,
  splitInlineOptions,
} from '../../../src/core/dataset/formats/choiceParsing';
import {
  captionTurns,
  formatSeconds,
  groundingTurns,
  multipleChoiceTurns,
  queryFromGroundingTurns,
  turnRole,
} from '../../../src/core/dataset/turnTemplates';

test('formatSeconds prints numbers without float noise', () => {
  assert.equal(formatSeconds(24.3), '24.3');
  assert.equal(formatSeconds(30), '30');
  assert.equal(formatSeconds(0.1 + 0.2), '0.3');
  assert.equal(formatSeconds(141 / 29.4), '4.796');
  assert.equal(formatSeconds(-0.0001), '0');
});

test('templates: grounding, multiple choice, caption', () => {
  assert.deepEqual(groundingTurns('a person sits.', [{ start: 1, end: 2.5 }]), [
    { role: 'human', text: '<video>\nWhen does "a person sits." happen in the video?' },
    { role: 'gpt', text: 'From 1 to 2.5 seconds.' },
  ]);
  assert.equal(groundingTurns('x', []).length, 1);
  assert.equal(
    queryFromGroundingTurns(groundingTurns('say "hi" twice', [{ start: 0, end: 1 }])),
    'say "hi" twice',
  );
  assert.equal(queryFromGroundingTurns([{ role: 'human', text: 'Describe it.' }]), undefined);
  assert.deepEqual(multipleChoiceTurns('Q?', ['x', 'y'], 1), [
    { role: 'human', text: "<video>\nQ?\nA. x\nB. y\nAnswer with the option's letter." },
    { role: 'gpt', text: 'B. y' },
  ]);
  assert.deepEqual(captionTurns('a cat'), [
    { role: 'human', text: '<video>\nDescribe the video briefly.' },
    { role: 'gpt', text: 'a cat' },
  ]);
  assert.deepEqual(['human', 'USER', 'gpt', 'assistant', 'system', 'bot'].map(turnRole), [
    'human',
    'human',
    'gpt',
    'gpt',
    'system',
    undefined,
  ]);
});

test('choice parsing: inline options, Python lists, answers', () => {
  assert.deepEqual(splitInlineOptions('What?\nOptions:\n(A) x\n(B) y\n'), {
    question: 'What?',
    options: ['x', 'y'],
  });
  assert.deepEqual(
    splitInlineOptions('What?\nA. x\nC. y'),
    { question: 'What?\nA. x\nC. y' },
    'letters must run A, B, C',
  );
  assert.deepEqual(splitInlineOptions('Just a question'), { question: 'Just a question' });
  assert.deepEqual(parsePythonList("['a', \"it's\", 'b\\'c']"), ['a', "it's", "b'c"]);
  assert.deepEqual(parsePythonList('["x", "y"]'), ['x', 'y']);
  assert.deepEqual(parsePythonList('[]'), []);
  assert.equal(parsePythonList("['unterminated"), undefined);
  const options = ['red', 'blue', '3'];
  assert.equal(resolveAnswer(1, options, false), 1);
  assert.equal(resolveAnswer('B', options, false), 1);
  assert.equal(resolveAnswer('(b)', options, false), 1);
  assert.equal(resolveAnswer('B. blue', options, false), 1);
  assert.equal(resolveAnswer('Blue.', options, false), 1);
  assert.equal(resolveAnswer('3', options, false), 2, 'option text before index');
  assert.equal(resolveAnswer('2', options, true), 2, 'index first for index columns');
  assert.equal(resolveAnswer('7', options, true), undefined);
  assert.equal(resolveAnswer('green', options, false), undefined);
});
