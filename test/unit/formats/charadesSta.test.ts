import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charadesStaReader } from '../../../src/core/dataset/formats/charadesSta';
import { codes, readTemp, readWith, writeTemp } from './readResults';

test('charades-sta: one grounding sample per line with rendered turns', async (t) => {
  const out = await readTemp(
    t,
    'charades_sta_test.txt',
    '3MSZA 24.3 30.4##person turn a light on.\nAMT7R 4.30 12.5##a person   puts a picture up.\n',
  );
  assert.equal(out.reader?.format, 'charades-sta');
  assert.deepEqual(out.problems, []);
  const [first, second] = out.drafts;
  assert.equal(first.videoRef, '3MSZA');
  assert.equal(first.label, '3MSZA');
  assert.equal(first.query, 'person turn a light on.');
  assert.deepEqual(first.windows, [{ start: 24.3, end: 30.4 }]);
  assert.deepEqual(first.turns, [
    { role: 'human', text: '<video>\nWhen does "person turn a light on." happen in the video?' },
    { role: 'gpt', text: 'From 24.3 to 30.4 seconds.' },
  ]);
  assert.deepEqual(first.source, { file: first.source.file, line: 1, column: 1, endLine: 1, endColumn: 41 });
  assert.equal(
    second.identity,
    'AMT7R 4.3 12.5##a person puts a picture up.',
    'numbers and spaces normalised',
  );
});

test('charades-sta: bad lines are reported at file:line and the rest are read', async (t) => {
  const text = [
    'AAAAA 1.0 2.0##fine.',
    'this line is not charades',
    'BBBBB one 2.0##bad time.',
    'CCCCC 5.0 3.0##backwards.',
    'DDDDD -1.0 3.0##negative.',
    'EEEEE 1.0 2.0##',
    '',
    'FFFFF 1.0 2.0##still read.',
  ].join('\r\n');
  const path = await writeTemp(t, 'c.txt', '\ufeff' + text);
  const out = await readWith(charadesStaReader, path, 'text-lines');
  assert.deepEqual(
    out.drafts.map((d) => d.videoRef),
    ['AAAAA', 'CCCCC', 'DDDDD', 'FFFFF'],
  );
  assert.deepEqual(codes(out.problems), [
    'unparsable-record',
    'invalid-record',
    'start-after-end',
    'negative-timestamp',
    'invalid-record',
  ]);
  assert.deepEqual(
    out.problems.map((p) => [p.location?.file, p.location?.line, p.location?.column]),
    [2, 3, 4, 5, 6].map((line) => [path, line, 1]),
  );
  assert.equal(out.drafts[3].source.line, 8);
});
