import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTextCoarseToFine } from '../../../src/core/analysis/textSchedule';
import type { OcrLine } from '../../../src/protocol/inference';

const line = (text: string): OcrLine => ({
  points: [
    [0, 0],
    [10, 0],
    [10, 5],
    [0, 5],
  ],
  text,
  score: 0.9,
});

/** A fake reader over a known script of what each row shows; records every row it was asked for. */
function reader(shown: (string | undefined)[]) {
  const asked: number[][] = [];
  return {
    asked,
    read: async (rows: number[]) => {
      asked.push(rows);
      return rows.map((row) => (shown[row] ? [line(shown[row])] : []));
    },
  };
}

const distinct = (n: number) => Array.from({ length: n }, (_, i) => i);

test('no text anywhere: only the coarse frames are read', async () => {
  const r = reader(Array(12).fill(undefined));
  const out = await readTextCoarseToFine(distinct(12), 2, r.read);
  assert.deepEqual(out.rows, [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(r.asked, [[0, 2, 4, 6, 8, 10]]);
  assert.ok(out.lines.every((l) => l.length === 0));
});

test('text from row 5 to row 7: every frame around it is read, so its span is exact', async () => {
  const shown = Array<string | undefined>(12).fill(undefined);
  for (const row of [5, 6, 7]) shown[row] = 'HELLO';
  const r = reader(shown);
  const out = await readTextCoarseToFine(distinct(12), 2, r.read);
  assert.deepEqual(r.asked, [
    [0, 2, 4, 6, 8, 10],
    [5, 7],
  ]);
  const withText = out.rows.filter((_, i) => out.lines[i].length > 0);
  assert.deepEqual(withText, [5, 6, 7]);
});

test('a run of identical pictures is read once, through its first row', async () => {
  // Rows 0-3 one picture, 4-7 another (with text), 8-9 a third.
  const heads = [0, 0, 0, 0, 4, 4, 4, 4, 8, 8];
  const shown = ['', '', '', '', 'SIGN', 'SIGN', 'SIGN', 'SIGN', '', ''].map((t) => t || undefined);
  const r = reader(shown);
  const out = await readTextCoarseToFine(heads, 2, r.read);
  assert.deepEqual(r.asked, [[0, 4, 8]]);
  assert.ok(out.rows.includes(3), 'row 3 is next to text, so it is looked at (through row 0, its picture)');
  assert.deepEqual(
    out.rows.filter((_, i) => out.lines[i].length > 0),
    [4, 5, 6, 7],
  );
});

test('step 1 reads every frame in one pass; an odd tail row next to text is read', async () => {
  const all = reader(['A', undefined, undefined]);
  assert.deepEqual((await readTextCoarseToFine(distinct(3), 1, all.read)).rows, [0, 1, 2]);
  assert.equal(all.asked.length, 1);
  const tail = reader([undefined, undefined, undefined, undefined, 'B']);
  const out = await readTextCoarseToFine(distinct(5), 4, tail.read);
  assert.deepEqual(out.rows, [0, 1, 2, 3, 4]);
});
