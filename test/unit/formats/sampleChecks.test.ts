import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkAnswer,
  checkTurns,
  checkVideoTokens,
  checkWindows,
  END_TOLERANCE_SECONDS,
  missingField,
} from '../../../src/core/dataset/sampleChecks';
import type { SourceLocation } from '../../../src/core/dataset/sample';

const at: SourceLocation = { file: '/d/a.json', line: 3, column: 5, pointer: '/2' };
const codesOf = (problems: { code: string }[]) => problems.map((p) => p.code);

test('checkTurns: none, or an empty one', () => {
  assert.deepEqual(codesOf(checkTurns([], at)), ['empty-turns']);
  const blank = checkTurns(
    [
      { role: 'human', text: 'Q' },
      { role: 'gpt', text: '  ' },
    ],
    at,
  );
  assert.deepEqual(codesOf(blank), ['empty-turns']);
  assert.match(blank[0].message, /Turn 2 \(gpt\)/);
  assert.deepEqual(checkTurns([{ role: 'human', text: 'Q' }], at), []);
});

test('checkVideoTokens: one token per video', () => {
  const turns = (text: string) => [
    { role: 'human' as const, text },
    { role: 'gpt' as const, text: 'A' },
  ];
  assert.deepEqual(checkVideoTokens(turns('<video>\nQ'), 1, at), []);
  assert.deepEqual(checkVideoTokens(turns('<video><video>Q'), 2, at), []);
  assert.deepEqual(codesOf(checkVideoTokens(turns('Q'), 1, at)), ['missing-video-token']);
  assert.deepEqual(codesOf(checkVideoTokens(turns('<video>Q'), 2, at)), ['missing-video-token']);
  assert.deepEqual(codesOf(checkVideoTokens(turns('<video>Q <video>'), 1, at)), ['duplicate-video-token']);
  assert.deepEqual(checkVideoTokens(turns('<image>Q'), 0, at), []);
});

test('checkWindows: negative, reversed, beyond the duration with a documented tolerance', () => {
  assert.equal(END_TOLERANCE_SECONDS, 0.05);
  assert.deepEqual(checkWindows([{ start: 1, end: 2 }], 10, at), []);
  assert.deepEqual(codesOf(checkWindows([{ start: -0.1, end: 2 }], 10, at)), ['negative-timestamp']);
  assert.deepEqual(codesOf(checkWindows([{ start: 3, end: 2 }], 10, at)), ['start-after-end']);
  assert.deepEqual(checkWindows([{ start: 8, end: 10.05 }], 10, at), [], 'within tolerance');
  assert.deepEqual(codesOf(checkWindows([{ start: 8, end: 10.06 }], 10, at)), ['end-beyond-duration']);
  assert.deepEqual(codesOf(checkWindows([{ start: 12, end: 11 }], 10, at)), [
    'start-after-end',
    'end-beyond-duration',
  ]);
  assert.deepEqual(
    checkWindows([{ start: 8, end: 1000 }], undefined, at),
    [],
    'no duration, nothing to exceed',
  );
  const [beyond] = checkWindows([{ start: 14.1, end: 20 }], 19.29, at);
  assert.equal(beyond.severity, 'warning');
  assert.match(beyond.message, /\[14\.1, 20\].*19\.29 s/);
});

test('checkAnswer: only a given answer that matches nothing', () => {
  const choice = { question: 'Q', options: ['x', 'y'] };
  assert.deepEqual(checkAnswer(undefined, choice, at), []);
  assert.deepEqual(checkAnswer('', choice, at), []);
  assert.deepEqual(checkAnswer('x', { ...choice, answerIndex: 0 }, at), []);
  assert.deepEqual(codesOf(checkAnswer('z', choice, at)), ['invalid-answer']);
});

test('every problem carries the location and a fix', () => {
  const all = [
    ...checkTurns([], at),
    ...checkVideoTokens([{ role: 'human', text: 'Q' }], 1, at),
    ...checkVideoTokens([{ role: 'human', text: '<video><video>' }], 1, at),
    ...checkWindows([{ start: -2, end: -3 }], 1, at),
    ...checkWindows([{ start: 1, end: 5 }], 1, at),
    ...checkAnswer('q', { question: 'Q', options: ['x'] }, at),
    missingField('conversations', at, 'an array'),
  ];
  assert.equal(all.length, 8);
  for (const found of all) {
    assert.deepEqual(found.location, at);
    assert.ok(found.fix && found.fix.length > 0, found.code);
  }
  assert.match(all.at(-1)!.message, /"conversations"/);
});
