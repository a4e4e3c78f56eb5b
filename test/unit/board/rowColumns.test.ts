// Board rows travel in columns (src/protocol/board.ts): what the host encodes, the webview must
// decode to the same rows after a JSON round trip, and malformed columns must be refused whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkRowColumns, decodeRows, encodeRows, splitSource } from '../../../src/protocol/board';
import type { BoardRow, RowColumns } from '../../../src/protocol/board';

const number = fc.integer({ min: -2_000_000, max: 2_000_000 }).map((n) => n / 1000);
const text = fc.string({ maxLength: 12 });
const row: fc.Arbitrary<BoardRow> = fc
  .record(
    {
      id: fc.stringMatching(/^[a-z0-9#~_.-]{1,16}$/),
      source: fc.oneof(
        fc
          .tuple(fc.constantFrom('a.jsonl', 'dir/b.json', 'c:d.txt', 'x'), fc.nat(100_000))
          .map(([file, line]) => `${file}:${line}`),
        text,
      ),
      video: fc.constantFrom('', 'v1.mp4', 'v2.mp4', 'ünïcode.mkv'),
      duration: number,
      tpl: number,
      tplReason: fc.constantFrom('not analysed yet: run Video Curator: Analyze Dataset', 'no model'),
      tplPercentile: fc.nat(100),
      dynamics: number,
      density: number,
      flags: fc.uniqueArray(fc.constantFrom('low-tpl', 'static-clip', 'window-insensitive', 'a b'), {
        maxLength: 3,
      }),
      verdict: fc.constantFrom('pending' as const, 'accept' as const, 'reject' as const, 'edit' as const),
      posterUri: fc.constantFrom('https://file+.vscode-resource/p1.jpg', 'webview:p2'),
    },
    { requiredKeys: ['id', 'source', 'video', 'flags', 'verdict'] },
  )
  .map((r) => ({ ...r }) as BoardRow);

const wire = (columns: RowColumns): unknown => JSON.parse(JSON.stringify(columns));

test('rows survive encode → JSON → check → decode unchanged, with file and line split exactly', () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 40 }), (rows) => {
      const sent = wire(encodeRows(rows));
      assert.equal(checkRowColumns(sent), undefined);
      const decoded = decodeRows(sent as RowColumns);
      assert.deepEqual(
        decoded.map((d) => d.row),
        rows,
      );
      for (const [i, d] of decoded.entries()) {
        const [file, line] = splitSource(rows[i].source);
        assert.equal(d.file, file);
        assert.equal(d.line, line);
        assert.equal(line >= 0 ? `${file}:${line}` : file, rows[i].source);
      }
    }),
    { numRuns: 300 },
  );
});

test('shared text is sent once: 10,000 unanalysed rows carry their reason string one time', () => {
  const reason = 'not analysed yet: run Video Curator: Analyze Dataset';
  const rows: BoardRow[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `s${i}`,
    source: `annotations/part-${i % 4}.jsonl:${i + 1}`,
    video: `clip_${i % 300}.mp4`,
    tplReason: reason,
    flags: [],
    verdict: 'pending',
  }));
  const json = JSON.stringify(encodeRows(rows));
  assert.equal(json.split(reason).length - 1, 1);
  assert.equal(json.split('annotations/part-0.jsonl').length - 1, 1);
  // Absent number columns are left out, not 10,000 nulls each.
  assert.ok(!json.includes('null'));
  assert.ok(
    json.length < JSON.stringify(rows).length / 3,
    `${json.length} vs ${JSON.stringify(rows).length}`,
  );
});

test('splitSource keeps a source whose tail is not a plain line number whole', () => {
  assert.deepEqual(splitSource('a.jsonl:12'), ['a.jsonl', 12]);
  assert.deepEqual(splitSource('C:\\data\\a.txt:3'), ['C:\\data\\a.txt', 3]);
  assert.deepEqual(splitSource('a.jsonl:012'), ['a.jsonl:012', -1]);
  assert.deepEqual(splitSource('a.jsonl:1.5'), ['a.jsonl:1.5', -1]);
  assert.deepEqual(splitSource('a.jsonl:'), ['a.jsonl:', -1]);
  assert.deepEqual(splitSource(':7'), [':7', -1]);
  assert.deepEqual(splitSource('plain'), ['plain', -1]);
});

test('malformed columns are refused with a reason', () => {
  const good = wire(
    encodeRows([
      {
        id: 'a',
        source: 'f.json:1',
        video: 'v',
        tpl: 0.5,
        tplPercentile: 50,
        flags: ['x'],
        verdict: 'accept',
        posterUri: 'p',
      },
      { id: 'b', source: 'f.json:2', video: 'v', tplReason: 'r', flags: [], verdict: 'pending' },
    ]),
  ) as Record<string, unknown>;
  assert.equal(checkRowColumns(good), undefined);
  const broken: [string, (c: Record<string, unknown>) => void][] = [
    ['count too large', (c) => (c.count = 3)],
    ['negative count', (c) => (c.count = -1)],
    ['id not a string', (c) => ((c.id as unknown[])[0] = 1)],
    ['file index out of range', (c) => ((c.file as number[])[1] = 99)],
    ['file -1', (c) => ((c.file as number[])[0] = -1)],
    ['reason index fractional', (c) => ((c.tplReason as number[])[1] = 0.5)],
    ['verdict code unknown', (c) => ((c.verdict as number[])[0] = 4)],
    ['flag set names a missing string', (c) => ((c.flagSets as number[][])[0] = [42])],
    ['flags index out of range', (c) => ((c.flags as number[])[0] = 7)],
    ['tpl not a number', (c) => ((c.tpl as unknown[])[0] = '0.5')],
    ['tpl column short', (c) => (c.tpl = [0.5])],
    ['line below -1', (c) => ((c.line as number[])[0] = -2)],
    ['poster out of range', (c) => ((c.poster as number[])[0] = 100)],
    ['strings not strings', (c) => ((c.strings as unknown[])[0] = null)],
    ['missing video column', (c) => delete c.video],
  ];
  for (const [name, breakIt] of broken) {
    const copy = structuredClone(good);
    breakIt(copy);
    assert.equal(typeof checkRowColumns(copy), 'string', name);
  }
  assert.equal(typeof checkRowColumns([]), 'string');
  assert.equal(typeof checkRowColumns(null), 'string');
});
