// Shared pieces for the property-based tests: run settings (seed printed on failure, runs scaled by
// FUZZ_RUNS), byte/text generators that hit parser edge cases, and the "every problem is located
// inside the file" check.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import type { Problem } from '../../../src/core/dataset/problems';
import type { SourceLocation } from '../../../src/core/dataset/sample';

/**
 * The default seed is fixed, so CI replays the same cases on every run (a failure there is a
 * regression, not luck). `FUZZ_SEED=random` explores new cases (printing the seed),
 * `FUZZ_SEED=<n>` replays one, `FUZZ_RUNS=10` multiplies every test's runs by 10 (a long soak).
 */
const DEFAULT_SEED = 20261123;

export function runs(base: number): fc.Parameters<unknown> {
  const scale = Number(process.env.FUZZ_RUNS ?? '1');
  const wanted = process.env.FUZZ_SEED;
  const seed =
    wanted === undefined
      ? DEFAULT_SEED
      : wanted === 'random'
        ? Date.now() ^ (Math.random() * 0x7fffffff)
        : Number(wanted);
  return { numRuns: Math.max(1, Math.round(base * scale)), seed };
}

/** fc.assert that names the seed (and how to replay it) in the failure, as fast-check's own report does. */
export async function check<T>(
  property: fc.IAsyncProperty<T> | fc.IProperty<T>,
  base: number,
): Promise<void> {
  const params = runs(base);
  try {
    await fc.assert(property as fc.IAsyncProperty<T>, params as fc.Parameters<T>);
  } catch (error) {
    (error as Error).message = `[replay with FUZZ_SEED=${params.seed}] ${(error as Error).message}`;
    throw error;
  }
}

const SPECIAL_TEXT = [
  '\uFEFF',
  '\u0000',
  '\r',
  '\n',
  '\r\n',
  '\u2028',
  '\u2029',
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '\t',
  '##',
  '__proto__',
  'constructor',
  'toString',
  '1e400',
  '-0',
  'NaN',
  '\uD800',
  '\uDFFF',
  '😀',
  'é',
];

/** Text made of JSON/CSV punctuation, line breaks, BOMs, NULs, lone surrogates and prototype names. */
export const nastyText: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...SPECIAL_TEXT), fc.string({ unit: 'binary', maxLength: 8 })), {
    maxLength: 60,
  })
  .map((parts) => parts.join(''));

/** Random bytes, including invalid UTF-8 sequences and a BOM now and then. */
export const nastyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc
    .tuple(
      fc.constantFrom(Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf])),
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 20 }),
          fc.constantFrom(
            Buffer.from([0xc3]), // truncated 2-byte sequence
            Buffer.from([0xff, 0xfe]),
            Buffer.from([0xed, 0xa0, 0x80]), // encoded surrogate
            Buffer.from([0xf4, 0x90, 0x80, 0x80]), // beyond U+10FFFF
            Buffer.from('{"'),
            Buffer.from('\n'),
            Buffer.from('\r'),
          ),
        ),
        { maxLength: 30 },
      ),
    )
    .map(([bom, parts]) => Buffer.concat([bom, ...parts.map((p) => Buffer.from(p))])),
);

/** Deeply nested arrays/objects (deep enough to overflow a naive recursive walk). */
export const deepNesting: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => {
    const close = open === '[' ? ']' : '}';
    return open.repeat(depth) + '1' + (closed ? close.repeat(depth) : '');
  });

export interface FileBounds {
  path: string;
  /** Lines as the readers may count them: split on \r\n, \n or lone \r, and on \n only. */
  anyBreak: string[];
  newlineOnly: string[];
  /** The whole document parsed, when it is one JSON value. */
  document?: unknown;
}

export async function boundsOf(path: string): Promise<FileBounds> {
  let text = (await readFile(path)).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    document = undefined;
  }
  return { path, anyBreak: text.split(/\r\n|\n|\r/), newlineOnly: text.split('\n'), document };
}

function lineWidth(bounds: FileBounds, line: number): number {
  return Math.max(bounds.anyBreak[line - 1]?.length ?? -1, bounds.newlineOnly[line - 1]?.length ?? -1);
}

/** Asserts the location names `bounds.path` and lies inside it (1-based, end exclusive). */
export function assertInside(location: SourceLocation | undefined, bounds: FileBounds, what: string): void {
  assert.ok(location, `${what}: no location`);
  assert.equal(location.file, bounds.path, `${what}: wrong file`);
  const lines = Math.max(bounds.anyBreak.length, bounds.newlineOnly.length);
  const at = (line: number, column: number, label: string) => {
    assert.ok(
      Number.isInteger(line) && line >= 1 && line <= lines,
      `${what}: ${label} line ${line} of ${lines}`,
    );
    const width = lineWidth(bounds, line);
    assert.ok(
      Number.isInteger(column) && column >= 1 && column <= width + 1,
      `${what}: ${label} column ${column} beyond line ${line} (${width} chars)`,
    );
  };
  at(location.line, location.column, 'start');
  if (location.endLine !== undefined && location.endColumn !== undefined) {
    at(location.endLine, location.endColumn, 'end');
    assert.ok(
      location.endLine > location.line ||
        (location.endLine === location.line && location.endColumn >= location.column),
      `${what}: ends (${location.endLine}:${location.endColumn}) before it starts (${location.line}:${location.column})`,
    );
  }
  if (location.pointer !== undefined) {
    assert.match(location.pointer, /^(\/([^~]|~[01])*)*$/, `${what}: malformed JSON pointer`);
    if (bounds.document !== undefined) {
      assert.ok(
        resolvePointer(bounds.document, location.pointer),
        `${what}: ${location.pointer} not in the document`,
      );
    }
  }
}

function resolvePointer(document: unknown, pointer: string): boolean {
  let value = document;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return false;
    value = (value as Record<string, unknown>)[segment];
  }
  return true;
}

/** Every problem located inside one of `files` (by path). */
export function assertProblemsLocated(
  problems: readonly Problem[],
  files: ReadonlyMap<string, FileBounds>,
): void {
  for (const p of problems) {
    const file = p.location?.file;
    assert.ok(file, `problem without a location: ${JSON.stringify(p)}`);
    const bounds = files.get(file);
    assert.ok(bounds, `problem located in an unexpected file ${file}: ${p.message}`);
    assertInside(p.location, bounds, `${p.code} "${p.message.slice(0, 80)}"`);
  }
}
