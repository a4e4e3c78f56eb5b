import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { foldDecisions, undoStack } from '../../../src/core/curation/decisionFold';
import { formatJournalWarning, journalPath } from '../../../src/core/curation/journalFile';
import { summarizeReview } from '../../../src/core/curation/reviewSummary';
import type { Decision } from '../../../src/core/curation/decision';

let root: string;
let folders = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vc-journal-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function datasetFolder(): Promise<string> {
  const folder = join(root, `dataset-${folders++}`);
  await mkdir(folder);
  return folder;
}

function line(decision: Partial<Decision>): string {
  return JSON.stringify({ annotator: 'ann', at: '2025-01-01T00:00:00.000Z', rev: 1, ...decision });
}

async function writeJournal(folder: string, text: string): Promise<void> {
  await mkdir(join(folder, '.video-curator'), { recursive: true });
  await writeFile(journalPath(folder), text);
}

test('the latest decision wins, history keeps every one, and both survive reopening', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'alice' });
  assert.equal(journal.path, join(folder, '.video-curator', 'decisions.jsonl'));
  assert.equal(journal.latest('a'), undefined);

  const first = await journal.record({ sampleId: 'a', verdict: 'reject', note: 'blurry' });
  const second = await journal.record({
    sampleId: 'a',
    verdict: 'edit',
    edits: { turns: [{ role: 'gpt', text: 'A dog runs.' }], windows: [{ start: 1, end: 2.5 }] },
    acceptedDialogues: ['d1'],
  });
  await journal.record({ sampleId: 'b', verdict: 'accept' });

  assert.equal(first.rev, 1);
  assert.equal(second.rev, 2);
  assert.equal(second.annotator, 'alice');
  assert.ok(Math.abs(Date.parse(second.at) - Date.now()) < 60_000);
  assert.deepEqual(journal.latest('a'), second);
  assert.deepEqual(journal.history('a'), [first, second]);
  assert.deepEqual([...journal.all().keys()], ['a', 'b']);

  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.latest('a'), second);
  assert.deepEqual(reopened.history('a'), [first, second]);
  assert.deepEqual(reopened.warnings, []);

  // On disk: one JSON object per line, each ending in '\n', exactly what record() returned.
  const text = await readFile(journal.path, 'utf8');
  assert.ok(text.endsWith('\n'));
  assert.deepEqual(JSON.parse(text.split('\n')[1]), second);
  assert.equal(text.split('\n').length, 4);
});

test('undo walks back one decision at a time, ending at pending, and keeps history', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'bob' });
  assert.equal(await journal.undo('x'), undefined, 'nothing to undo');

  await journal.record({ sampleId: 'x', verdict: 'accept', note: 'one' });
  await journal.record({ sampleId: 'x', verdict: 'reject', note: 'two' });
  await journal.record({ sampleId: 'x', verdict: 'edit', edits: { windows: [{ start: 0, end: 3 }] } });

  const back1 = await journal.undo('x');
  assert.deepEqual(
    { verdict: back1?.verdict, note: back1?.note, rev: back1?.rev, undoOf: back1?.undoOf },
    { verdict: 'reject', note: 'two', rev: 4, undoOf: 3 },
  );
  const back2 = await journal.undo('x');
  assert.deepEqual([back2?.verdict, back2?.note, back2?.undoOf], ['accept', 'one', 2]);
  const back3 = await journal.undo('x');
  assert.deepEqual(
    [back3?.verdict, back3?.note, back3?.edits, back3?.undoOf],
    ['pending', undefined, undefined, 1],
  );
  assert.equal(await journal.undo('x'), undefined, 'everything undone');

  assert.equal(journal.latest('x')?.verdict, 'pending');
  assert.deepEqual(
    journal.history('x').map((d) => d.rev),
    [1, 2, 3, 4, 5, 6],
  );
  // A new decision after undos is undoable back to pending, not to the undone ones.
  await journal.record({ sampleId: 'x', verdict: 'reject' });
  assert.equal((await journal.undo('x'))?.verdict, 'pending');

  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.history('x'), journal.history('x'));
});

test('undoStack cancels the newest decision not yet undone', () => {
  const d = (rev: number, undoOf?: number): Decision => ({
    sampleId: 's',
    verdict: 'accept',
    annotator: 'a',
    at: '2025-01-01T00:00:00Z',
    rev,
    ...(undoOf ? { undoOf } : {}),
  });
  assert.deepEqual(
    undoStack([d(1), d(2), d(3, 2), d(4)]).map((x) => x.rev),
    [1, 4],
  );
  assert.deepEqual(undoStack([d(1), d(2, 1)]), []);
});

test('revisions count the lines of every writer on the folder', async () => {
  const folder = await datasetFolder();
  const one = await DecisionJournal.open(folder, { annotator: 'one' });
  const two = await DecisionJournal.open(folder, { annotator: 'two' });
  assert.equal((await one.record({ sampleId: 's', verdict: 'accept' })).rev, 1);
  assert.equal((await two.record({ sampleId: 's', verdict: 'reject' })).rev, 2, 'two saw one’s line');
  assert.equal((await one.record({ sampleId: 's', verdict: 'pending' })).rev, 3, 'one saw two’s line');
  assert.equal((await two.undo('s'))?.verdict, 'reject', 'undo sees the other writer’s decision');
  assert.deepEqual(
    one.history('s').map((d) => [d.annotator, d.rev]),
    [
      ['one', 1],
      ['two', 2],
      ['one', 3],
    ],
  );
  await one.refresh();
  assert.deepEqual(one.latest('s'), two.latest('s'));
});

test('concurrent record() calls in one process are appended in call order', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder);
  const results = await Promise.all(
    Array.from({ length: 25 }, (_, i) => journal.record({ sampleId: 'c', verdict: 'accept', note: `n${i}` })),
  );
  assert.deepEqual(
    results.map((d) => d.rev),
    results.map((_, i) => i + 1),
  );
  assert.deepEqual(
    journal.history('c').map((d) => d.note),
    results.map((_, i) => `n${i}`),
  );
  // A rejected call does not stop the ones queued behind it.
  const bad = journal.record({ sampleId: '', verdict: 'accept' });
  const good = journal.record({ sampleId: 'c', verdict: 'reject' });
  await assert.rejects(bad, /sampleId must be a non-empty string/);
  assert.equal((await good).rev, 26);
});

test('a torn last line is skipped with a warning, and the next record starts on a fresh line', async () => {
  const folder = await datasetFolder();
  const good = line({ sampleId: 'a', verdict: 'accept' });
  const torn = line({ sampleId: 'b', verdict: 'reject' }).slice(0, 30);
  await writeJournal(folder, `${good}\n${torn}`);

  const journal = await DecisionJournal.open(folder);
  assert.equal(journal.latest('a')?.verdict, 'accept');
  assert.equal(journal.latest('b'), undefined);
  assert.equal(journal.warnings.length, 1);
  const [warning] = journal.warnings;
  assert.equal(warning.code, 'torn-tail');
  assert.equal(warning.line, 2);
  assert.match(
    formatJournalWarning(warning),
    new RegExp(`^${escape(journal.path)}:2: .*incomplete last line`),
  );

  const next = await journal.record({ sampleId: 'b', verdict: 'accept', note: 'after the crash' });
  assert.equal(next.rev, 1, 'the torn line is not a decision');
  assert.deepEqual(journal.latest('b'), next);
  assert.deepEqual(
    journal.warnings.map((w) => [w.code, w.line]),
    [['corrupt-line', 2]],
  );

  const text = await readFile(journal.path, 'utf8');
  assert.equal(text, `${good}\n${torn}\n${JSON.stringify(next)}\n`);
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.latest('b'), next);
  assert.deepEqual(
    reopened.warnings.map((w) => [w.code, w.line]),
    [['corrupt-line', 2]],
  );
});

test('corrupt and invalid lines in the middle are skipped with file:line warnings', async () => {
  const folder = await datasetFolder();
  await writeJournal(
    folder,
    [
      `\ufeff${line({ sampleId: 'a', verdict: 'accept' })}`,
      '{"sampleId": "a", "verdict": "rej',
      line({ sampleId: 'a', verdict: 'maybe' as 'accept' }),
      '',
      `${line({ sampleId: 'b', verdict: 'edit', edits: { turns: [{ role: 'robot' as 'gpt', text: 'x' }] } })}`,
      `${line({ sampleId: 'a', verdict: 'reject', rev: 2 })}\r`,
      '[1, 2]',
      '',
    ].join('\n'),
  );
  await appendFile(journalPath(folder), Buffer.from([0xff, 0xfe, 0x0a]));
  await appendFile(journalPath(folder), `${line({ sampleId: 'c', verdict: 'pending' })}\n`);

  const journal = await DecisionJournal.open(folder);
  assert.deepEqual(
    journal.history('a').map((d) => d.verdict),
    ['accept', 'reject'],
  );
  assert.equal(journal.latest('b'), undefined);
  assert.equal(journal.latest('c')?.verdict, 'pending');
  assert.deepEqual(
    journal.warnings.map((w) => [w.code, w.line]),
    [
      ['corrupt-line', 2],
      ['invalid-decision', 3],
      ['invalid-decision', 5],
      ['invalid-decision', 7],
      ['corrupt-line', 8],
    ],
  );
  assert.match(journal.warnings[1].message, /verdict must be one of accept, reject, edit, pending/);
  assert.match(journal.warnings[2].message, /edits\.turns\[0\]\.role/);
  assert.match(journal.warnings[4].message, /not valid UTF-8/);
  for (const w of journal.warnings) assert.equal(w.file, journal.path);
});

test('foldDecisions is a pure fold over numbered lines', () => {
  const log = foldDecisions(
    [
      { line: 1, text: line({ sampleId: 'a', verdict: 'accept', extra: true } as Partial<Decision>) },
      { line: 2, text: '   ' },
      { line: 3, text: line({ sampleId: 'a', verdict: 'reject', rev: 0 }) },
      { line: 4, text: line({ sampleId: 'a', verdict: 'reject', rev: 2, at: 'yesterday' }) },
      { line: 5, text: line({ sampleId: 'a', verdict: 'reject', rev: 2, note: 'ok' }) },
    ],
    'decisions.jsonl',
  );
  assert.deepEqual(log.latest.get('a'), {
    sampleId: 'a',
    verdict: 'reject',
    note: 'ok',
    annotator: 'ann',
    at: '2025-01-01T00:00:00.000Z',
    rev: 2,
  });
  assert.equal(log.history.get('a')?.length, 2);
  assert.ok(!('extra' in (log.history.get('a')?.[0] ?? {})), 'unknown fields are dropped');
  assert.deepEqual(
    log.warnings.map((w) => [w.line, w.message.match(/rev must|at must/)?.[0]]),
    [
      [3, 'rev must'],
      [4, 'at must'],
    ],
  );
});

test('refresh reads only what was appended since the last read', async () => {
  const folder = await datasetFolder();
  const reader = await DecisionJournal.open(folder);
  const writer = await DecisionJournal.open(folder);
  await writer.record({ sampleId: 'a', verdict: 'accept' });
  assert.equal(reader.latest('a'), undefined, 'not read yet');
  await reader.refresh();
  assert.equal(reader.latest('a')?.verdict, 'accept');

  // Scribble over the first line in place (same size): a reader that re-read from the start would
  // now warn about it; an incremental one only sees the new line.
  const handle = await open(reader.path, 'r+');
  await handle.write('#', 0);
  await handle.close();
  await writer.record({ sampleId: 'b', verdict: 'reject' });
  await reader.refresh();
  assert.equal(reader.latest('a')?.verdict, 'accept');
  assert.equal(reader.latest('b')?.verdict, 'reject');
  assert.equal(reader.warnings.length, 0);
  assert.equal((await DecisionJournal.open(folder)).warnings.length, 1);

  // A line caught half-written is not consumed; it is read whole once its '\n' arrives.
  const half = line({ sampleId: 'c', verdict: 'accept' });
  await appendFile(reader.path, half.slice(0, 20));
  await reader.refresh();
  assert.deepEqual(
    reader.warnings.map((w) => [w.code, w.line]),
    [['torn-tail', 3]],
  );
  await appendFile(reader.path, `${half.slice(20)}\n`);
  await reader.refresh();
  assert.equal(reader.latest('c')?.verdict, 'accept');
  assert.deepEqual(reader.warnings, []);
});

test('a journal that shrank or was replaced is read again from the start', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder);
  await journal.record({ sampleId: 'a', verdict: 'accept' });
  await journal.record({ sampleId: 'b', verdict: 'accept' });
  await writeJournal(folder, `${line({ sampleId: 'z', verdict: 'reject' })}\n`);
  await journal.refresh();
  assert.deepEqual([...journal.all().keys()], ['z']);
  // Replaced by a longer file (a checkout renames a new file into place): the size alone would not tell.
  const replacement = join(folder, 'replacement.jsonl');
  const lines = ['p', 'q', 'r'].map((sampleId) =>
    line({ sampleId, verdict: 'accept', note: 'x'.repeat(200) }),
  );
  await writeFile(replacement, `${lines.join('\n')}\n`);
  await rename(replacement, journal.path);
  await journal.refresh();
  assert.deepEqual([...journal.all().keys()], ['p', 'q', 'r']);
  await rm(journal.path);
  await journal.refresh();
  assert.equal(journal.all().size, 0);
});

test('invalid input is refused with a clear error and nothing is written', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder);
  const cases: [unknown, RegExp][] = [
    [{ sampleId: 'a', verdict: 'ok' }, /verdict must be one of accept, reject, edit, pending \(got "ok"\)/],
    [{ sampleId: '', verdict: 'accept' }, /sampleId must be a non-empty string/],
    [{ sampleId: 7, verdict: 'accept' }, /sampleId must be a non-empty string/],
    [{ sampleId: 'a', verdict: 'edit' }, /verdict 'edit' needs edits/],
    [
      { sampleId: 'a', verdict: 'accept', edits: { windows: [] } },
      /edits are only allowed with verdict 'edit'/,
    ],
    [{ sampleId: 'a', verdict: 'edit', edits: {} }, /edits must have turns and\/or windows/],
    [{ sampleId: 'a', verdict: 'edit', edits: { turns: [{ role: 'user', text: 'x' }] } }, /turns\[0\]\.role/],
    [
      { sampleId: 'a', verdict: 'edit', edits: { turns: [{ role: 'gpt' }] } },
      /turns\[0\]\.text must be a string/,
    ],
    [{ sampleId: 'a', verdict: 'edit', edits: { turns: 'hi' } }, /edits\.turns must be an array/],
    [{ sampleId: 'a', verdict: 'edit', edits: { windows: [{ start: 3, end: 1 }] } }, /0 <= start <= end/],
    [{ sampleId: 'a', verdict: 'edit', edits: { windows: [{ start: NaN, end: 1 }] } }, /finite numeric/],
    [{ sampleId: 'a', verdict: 'accept', acceptedDialogues: ['d', ''] }, /acceptedDialogues\[1\]/],
    [{ sampleId: 'a', verdict: 'accept', note: 5 }, /note must be a string/],
    [null, /must be an object/],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(journal.record(input as never), (error: Error) => {
      assert.match(error.message, /^Invalid decision: /);
      assert.match(error.message, message);
      return true;
    });
  }
  await assert.rejects(journal.undo(''), /sampleId must be a non-empty string/);
  await assert.rejects(DecisionJournal.open(folder, { annotator: ' ' }), /annotator/);
  await assert.rejects(readFile(journal.path), { code: 'ENOENT' });
});

test('the annotator defaults to the OS user, and the caller’s objects are copied', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder);
  const turns = [{ role: 'gpt' as const, text: 'before' }];
  const decision = await journal.record({ sampleId: 'a', verdict: 'edit', edits: { turns } });
  turns[0].text = 'after';
  assert.equal(decision.annotator, userInfo().username);
  assert.equal(journal.latest('a')?.edits?.turns?.[0].text, 'before');
});

test('summarizeReview counts verdicts, unreviewed samples and decisions on unknown ids', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder);
  await journal.record({ sampleId: 'a', verdict: 'accept' });
  await journal.record({ sampleId: 'b', verdict: 'reject' });
  await journal.record({ sampleId: 'c', verdict: 'edit', edits: { windows: [{ start: 0, end: 1 }] } });
  await journal.record({ sampleId: 'd', verdict: 'accept' });
  await journal.undo('d');
  await journal.record({ sampleId: 'gone', verdict: 'accept' });
  await journal.record({ sampleId: 'gone-pending', verdict: 'pending' });
  assert.deepEqual(summarizeReview(['a', 'b', 'c', 'd', 'e', 'a'], journal), {
    total: 5,
    accept: 1,
    reject: 1,
    edit: 1,
    unreviewed: 2,
    pending: 1,
    orphaned: 1,
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
