// readLines splits by hand for speed; it must split exactly as node:readline (crlfDelay: Infinity)
// does, including CRLF pairs and lone CRs that straddle the reader's 64 KiB chunks.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import fc from 'fast-check';
import { readLines } from '../../../src/core/dataset/recordStream';
import { tempFolder } from '../../helpers/tempFolder';

async function viaReadline(path: string): Promise<string[]> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const lines: string[] = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) lines.push(line);
  if (lines.length && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
  return lines;
}

async function viaReadLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  let expected = 1;
  for await (const { text, line } of readLines(path)) {
    assert.equal(line, expected++);
    lines.push(text);
  }
  return lines;
}

const CHUNK = 1 << 16;

test('readLines splits like readline, at chunk edges too', async (t) => {
  const folder = await tempFolder(t);
  const path = join(folder, 'lines.txt');
  const piece = fc.constantFrom('\n', '\r', '\r\n', '\n\n', 'a', 'é', '€', '😀', ' ', '{"k":1}', '\ufeff');
  await fc.assert(
    fc.asyncProperty(
      fc.array(piece, { maxLength: 40 }),
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      async (pieces, shift, bom) => {
        // Padding puts the interesting text right around the first chunk boundary.
        const pad = shift === 0 ? '' : 'x'.repeat(CHUNK - shift);
        const text = `${bom ? '\ufeff' : ''}${pad}${pieces.join('')}`;
        await writeFile(path, text);
        assert.deepEqual(await viaReadLines(path), await viaReadline(path));
      },
    ),
    { numRuns: 300 },
  );
});

test('readLines reads a CRLF split across a chunk boundary as one break', async (t) => {
  const folder = await tempFolder(t);
  const path = join(folder, 'crlf.txt');
  // 'x' * (CHUNK - 1) then '\r' ends the first 64 KiB chunk; '\n' begins the next.
  await writeFile(path, `${'x'.repeat(CHUNK - 1)}\r\nsecond\rthird\r`);
  const lines = await viaReadLines(path);
  assert.deepEqual(
    lines.map((l) => (l.length > 20 ? `x*${l.length}` : l)),
    [`x*${CHUNK - 1}`, 'second', 'third'],
  );
});

test('a line many chunks long is one line, read once', async (t) => {
  const folder = await tempFolder(t);
  const path = join(folder, 'long.txt');
  // 80 chunks of one line (read as pieces, joined once), then a CRLF across a chunk edge.
  const long = 'y'.repeat(80 * CHUNK - 1);
  await writeFile(path, `first\n${long}\r\nlast`);
  const lines = await viaReadLines(path);
  assert.deepEqual(
    lines.map((l) => l.length),
    [5, long.length, 4],
  );
  assert.deepEqual(lines, await viaReadline(path));
});
