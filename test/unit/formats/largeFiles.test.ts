// 100k-record files stream: the reader yields while most of the file is still unread, and the heap
// does not grow with the file. The proof of streaming is deterministic: after the first sample we
// rewrite the last record on disk, and a streaming reader sees the new text.
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { FileLayout, FormatReader } from '../../../src/core/dataset/formats/formatReader';
import { groundingJsonlReader } from '../../../src/core/dataset/formats/groundingJsonl';
import { llavaReader } from '../../../src/core/dataset/formats/llava';
import { detectFormat, probeFile } from '../../../src/core/dataset/detectFormat';
import { tempFolder } from '../../helpers/tempFolder';

const COUNT = 100_000;

// Live heap, not garbage awaiting collection: a full GC first makes the measure deterministic.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
function liveHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
const BEFORE = 'marker-before';
const AFTER = 'marker-after!'; // same length: rewritten in place

async function writeLarge(
  path: string,
  parts: (i: number, last: boolean) => string,
  open_: string,
  close: string,
) {
  const out = createWriteStream(path);
  out.write(open_);
  for (let i = 0; i < COUNT; i++) {
    if (!out.write(parts(i, i === COUNT - 1))) await once(out, 'drain');
  }
  out.end(close);
  await once(out, 'finish');
}

async function replaceTail(path: string): Promise<void> {
  const { size } = await stat(path);
  const handle = await open(path, 'r+');
  try {
    const tail = Buffer.alloc(512);
    await handle.read(tail, 0, tail.length, size - tail.length);
    const at = tail.indexOf(BEFORE);
    assert.ok(at >= 0, 'the marker sits in the last record');
    await handle.write(Buffer.from(AFTER), 0, AFTER.length, size - tail.length + at);
  } finally {
    await handle.close();
  }
}

async function streamAndCheck(t: TestContext, reader: FormatReader, path: string, layout: FileLayout) {
  const probe = await probeFile(path);
  assert.equal(probe?.layout, layout);
  assert.equal(detectFormat(probe!), reader);
  const { size } = await stat(path);
  const results = reader.read(path, layout);
  const first = await results.next();
  assert.equal(first.done, false);
  await replaceTail(path);
  const before = liveHeap();
  let peak = before;
  let samples = 1;
  let lastText = '';
  for await (const result of results) {
    assert.equal(result.kind, 'sample');
    if (result.kind !== 'sample') continue;
    samples++;
    lastText = result.draft.turns.map((turn) => turn.text).join('\n');
    if (samples % 20_000 === 0) peak = Math.max(peak, liveHeap());
  }
  assert.equal(samples, COUNT);
  assert.ok(
    lastText.includes(AFTER),
    'the last record was read from disk after the first sample was yielded',
  );
  t.diagnostic(`file ${(size / 1e6).toFixed(1)} MB, heap growth ${((peak - before) / 1e6).toFixed(1)} MB`);
  // Reading everything first would hold the whole file (and its records) at once.
  assert.ok(peak - before < size / 4, `live heap grew ${peak - before} bytes for a ${size}-byte file`);
}

test('a 100k-record JSONL file streams with bounded memory', async (t) => {
  const path = join(await tempFolder(t), 'big.jsonl');
  await writeLarge(
    path,
    (i, last) =>
      JSON.stringify({
        qid: i,
        query: last ? BEFORE : `person number ${i} opens the door and walks to the window slowly`,
        duration: 30,
        vid: `VID${i % 997}`,
        relevant_windows: [[i % 20, (i % 20) + 5.5]],
      }) + '\n',
    '',
    '',
  );
  await streamAndCheck(t, groundingJsonlReader, path, 'jsonl');
});

test('a 100k-element JSON array streams with bounded memory', async (t) => {
  const path = join(await tempFolder(t), 'big.json');
  await writeLarge(
    path,
    (i, last) =>
      (i === 0 ? '\n' : ',\n') +
      JSON.stringify({
        id: `s${i}`,
        video: `clips/${i % 1000}.mp4`,
        conversations: [
          { from: 'human', value: '<video>\nWhat happens in this clip?' },
          {
            from: 'gpt',
            value: last ? BEFORE : `A person does thing number ${i} in a kitchen, then leaves.`,
          },
        ],
      }),
    '[',
    '\n]\n',
  );
  await streamAndCheck(t, llavaReader, path, 'json-array');
});
