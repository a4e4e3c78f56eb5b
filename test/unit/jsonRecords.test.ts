import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonPointer, readJsonRecords } from '../../src/core/dataset/jsonRecords';
import type { JsonLayout, JsonRecord } from '../../src/core/dataset/jsonRecords';
import { writeTemp } from './formats/readResults';

async function collect(path: string, layout: JsonLayout): Promise<JsonRecord[]> {
  const out: JsonRecord[] = [];
  for await (const record of readJsonRecords(path, layout)) out.push(record);
  return out;
}

test('json-array: each element with its exact range and index pointer', async (t) => {
  const text = '[\n  {"a": 1},\n  {"b": [1,\n    2]},\n  "x"\n]\n';
  const path = await writeTemp(t, 'a.json', text);
  const records = await collect(path, 'json-array');
  assert.deepEqual(
    records.map((r) => r.value),
    [{ a: 1 }, { b: [1, 2] }, 'x'],
  );
  assert.deepEqual(records[1].location, {
    file: path,
    line: 3,
    column: 3,
    endLine: 4,
    endColumn: 8,
    pointer: '/1',
  });
  assert.equal(records[2].location.pointer, '/2');
});

test('json-array: a malformed element is reported at its place and the rest are read', async (t) => {
  const text = '[\n  {"ok": 1},\n  {"bad": tru},\n  {"ok": 3}\n]';
  const path = await writeTemp(t, 'bad.json', text);
  const records = await collect(path, 'json-array');
  assert.equal(records.length, 3);
  assert.ok(records[1].error);
  assert.equal(records[1].value, undefined);
  assert.deepEqual(
    [records[1].location.line, records[1].location.column, records[1].location.pointer],
    [3, 3, '/1'],
  );
  assert.deepEqual(records[2].value, { ok: 3 });
});

test('json-object: members keyed by name, pointer escaped per RFC 6901', async (t) => {
  const path = await writeTemp(t, 'o.json', '{"v_a": {"x": 1},\n "a/b~c": [2]}');
  const records = await collect(path, 'json-object');
  assert.deepEqual(
    records.map((r) => [r.key, r.location.pointer, r.location.line, r.location.column]),
    [
      ['v_a', '/v_a', 1, 9],
      ['a/b~c', '/a~1b~0c', 2, 11],
    ],
  );
  assert.equal(jsonPointer('v_x', 'sentences', 3), '/v_x/sentences/3');
});

test('jsonl: blank lines skipped, a bad line located at file:line:col, later lines still read', async (t) => {
  const text = '{"n": 1}\n\n   \n  {"n": 2, oops}\n{"n": 3}\n';
  const path = await writeTemp(t, 'x.jsonl', text);
  const records = await collect(path, 'jsonl');
  assert.equal(records.length, 3);
  assert.deepEqual(records[0].location, { file: path, line: 1, column: 1, endLine: 1, endColumn: 9 });
  assert.ok(records[1].error);
  assert.match(records[1].error!, /column 12/);
  assert.deepEqual([records[1].location.line, records[1].location.column], [4, 3]);
  assert.deepEqual(records[2].value, { n: 3 });
  assert.equal(records[2].location.line, 5);
});

test('jsonl and json-array: CRLF line ends and a BOM do not shift positions', async (t) => {
  const lines = await writeTemp(t, 'crlf.jsonl', '\ufeff{"n": 1}\r\n{"n": 2}\r\n');
  const fromLines = await collect(lines, 'jsonl');
  assert.deepEqual(
    fromLines.map((r) => [r.value, r.location.line, r.location.column, r.location.endColumn]),
    [
      [{ n: 1 }, 1, 1, 9],
      [{ n: 2 }, 2, 1, 9],
    ],
  );
  const array = await writeTemp(t, 'crlf.json', '\ufeff[\r\n  {"n": 1},\r\n  {"n": 2}\r\n]\r\n');
  const fromArray = await collect(array, 'json-array');
  assert.deepEqual(
    fromArray.map((r) => [r.value, r.location.line, r.location.column, r.location.endColumn]),
    [
      [{ n: 1 }, 2, 3, 11],
      [{ n: 2 }, 3, 3, 11],
    ],
  );
});

test('json-array: a truncated file reports where it ends', async (t) => {
  const path = await writeTemp(t, 'cut.json', '[{"n": 1},\n {"n": 2');
  const records = await collect(path, 'json-array');
  assert.deepEqual(records[0].value, { n: 1 });
  assert.match(records.at(-1)!.error!, /truncated/);
});
