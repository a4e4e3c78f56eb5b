// The journal's held-open append descriptor: what happens to the file under it (foreign lines, a
// foreign torn line, the file deleted or replaced, even between our check and our write), batching
// (one write + one fdatasync per batch), and the descriptor's lifetime.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import type { Decision } from '../../../src/core/curation/decision';
import { foldDecisions } from '../../../src/core/curation/decisionFold';
import type { JournalAppender } from '../../../src/core/curation/journalFile';
import { journalPath } from '../../../src/core/curation/journalFile';

let root: string;
let folders = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vc-journal-append-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function datasetFolder(): Promise<string> {
  const folder = join(root, `dataset-${folders++}`);
  await mkdir(folder);
  return folder;
}

function foreign(sampleId: string, rev: number, note = 'from another writer'): string {
  return JSON.stringify({
    sampleId,
    verdict: 'reject',
    note,
    annotator: 'other',
    at: '2025-01-01T00:00:00.000Z',
    rev,
  });
}

function appenderOf(journal: DecisionJournal): JournalAppender {
  return (journal as unknown as { appender: JournalAppender }).appender;
}

/** Counts the appender's write+fdatasync calls, optionally running `before` ahead of each. */
function countAppends(journal: DecisionJournal, beforeEach?: () => Promise<void>): { count: number } {
  const appender = appenderOf(journal);
  const original = appender.append.bind(appender);
  const counter = { count: 0 };
  appender.append = async (bytes: Buffer) => {
    counter.count++;
    if (beforeEach) await beforeEach();
    return original(bytes);
  };
  return counter;
}

const haveProcFd = process.platform === 'linux';

/** Descriptors of this process open on `path` (Linux: /proc/self/fd; elsewhere those checks are skipped). */
async function openDescriptors(path: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)).startsWith(path)) count++;
    } catch {
      // closed while listing
    }
  }
  return count;
}

test('lines another writer appends while our descriptor is open are read before our next line', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  const first = await journal.record({ sampleId: 's', verdict: 'accept' });
  await appendFile(journal.path, `${foreign('s', 2)}\n${foreign('t', 1)}\n`);
  const next = await journal.record({
    sampleId: 's',
    verdict: 'edit',
    edits: { windows: [{ start: 0, end: 1 }] },
  });
  assert.equal(next.rev, 3, 'the foreign line counts');
  assert.deepEqual(
    journal.history('s').map((d) => [d.annotator, d.rev]),
    [
      ['me', 1],
      ['other', 2],
      ['me', 3],
    ],
    'memory keeps file order',
  );
  assert.equal(journal.latest('t')?.annotator, 'other');
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.history('s'), journal.history('s'));
  assert.deepEqual(reopened.latest('s'), next);
  assert.deepEqual(journal.history('s')[0], first);
});

test('a foreign torn line appearing while our descriptor is open is ended before our next line', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  const first = await journal.record({ sampleId: 'a', verdict: 'accept' });
  const torn = foreign('b', 1).slice(0, 40);
  await appendFile(journal.path, torn); // a writer killed mid-line
  const second = await journal.record({ sampleId: 'b', verdict: 'accept' });
  assert.equal(second.rev, 1, 'the torn line is not a decision');
  const text = await readFile(journal.path, 'utf8');
  assert.equal(text, `${JSON.stringify(first)}\n${torn}\n${JSON.stringify(second)}\n`);
  assert.deepEqual(
    journal.warnings.map((w) => [w.code, w.line]),
    [['corrupt-line', 2]],
  );
  // And the fast path resumes after it: the third line is folded without a read, on line 4.
  const third = await journal.record({ sampleId: 'a', verdict: 'reject' });
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.history('a'), [first, third]);
  assert.deepEqual(reopened.latest('b'), second);
  assert.deepEqual(reopened.warnings, journal.warnings);
});

test('a line glued onto a torn one (a kill racing our write) is still read as its decision', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  const kept = await journal.record({ sampleId: 'a', verdict: 'accept' });
  // Another writer, killed mid-line, lands between our check of the file's end and our write.
  const torn = foreign('x', 1, `{"sampleId": quoted ${'z'.repeat(50)}`).slice(0, 90);
  const counter = countAppends(journal, () => appendFile(journal.path, torn));
  const glued = await journal.record({ sampleId: 'a', verdict: 'reject', note: 'glued' });
  assert.equal(counter.count, 1);
  const text = await readFile(journal.path, 'utf8');
  assert.equal(text, `${JSON.stringify(kept)}\n${torn}${JSON.stringify(glued)}\n`, 'the race happened');
  assert.deepEqual(journal.latest('a'), glued);
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.history('a'), [kept, glued]);
  assert.equal(reopened.latest('x'), undefined);
  assert.deepEqual(
    reopened.warnings.map((w) => [w.code, w.line]),
    [['corrupt-line', 2]],
  );
  assert.match(
    reopened.warnings[0].message,
    /starts with 90 characters of a torn line; the decision after them was kept/,
  );
  // Only whole decisions are salvaged: a glued tail that is itself torn stays a corrupt line.
  const log = foldDecisions([{ line: 1, text: `${torn}${JSON.stringify(glued).slice(0, -2)}` }], 'j');
  assert.equal(log.latest.size, 0);
  assert.match(log.warnings[0].message, /is not valid JSON/);
});

test('the journal deleted under an open descriptor is created again, and the decision lands in it', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  await journal.record({ sampleId: 'a', verdict: 'accept' });
  await rm(join(folder, '.video-curator'), { recursive: true });
  const next = await journal.record({ sampleId: 'b', verdict: 'reject' });
  assert.equal(await readFile(journal.path, 'utf8'), `${JSON.stringify(next)}\n`);
  assert.deepEqual([...journal.all().keys()], ['b'], 'memory follows the file: a is gone with it');
  if (haveProcFd)
    assert.equal(await openDescriptors(journal.path), 1, 'the descriptor on the deleted file was closed');
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.latest('b'), next);
  await journal.close();
});

test('the journal replaced under an open descriptor (a checkout) gets the next decision', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  await journal.record({ sampleId: 'a', verdict: 'accept' });
  await journal.record({ sampleId: 'a', verdict: 'reject' });
  const replacement = join(folder, 'checkout.jsonl');
  await writeFile(replacement, `${foreign('a', 1)}\n`);
  await rename(replacement, journal.path);
  const next = await journal.record({ sampleId: 'a', verdict: 'pending' });
  assert.equal(next.rev, 2, 'revisions count the replacement, not the file it replaced');
  assert.equal(await readFile(journal.path, 'utf8'), `${foreign('a', 1)}\n${JSON.stringify(next)}\n`);
  assert.deepEqual(
    journal.history('a').map((d) => d.annotator),
    ['other', 'me'],
  );
  if (haveProcFd) assert.equal(await openDescriptors(journal.path), 1);
  await journal.close();
});

test('the journal replaced between our check and our write: the lines are written again to the new file', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  await journal.record({ sampleId: 'a', verdict: 'accept' });
  let replaced = false;
  const counter = countAppends(journal, async () => {
    if (replaced) return;
    replaced = true;
    const replacement = join(folder, 'checkout.jsonl');
    await writeFile(replacement, `${foreign('a', 1)}\n${foreign('a', 2)}\n`);
    await rename(replacement, journal.path);
  });
  const next = await journal.record({ sampleId: 'a', verdict: 'pending' });
  assert.equal(counter.count, 2, 'written to the old file, noticed, written again');
  assert.equal(next.rev, 3, 'the retry counted the new file’s lines');
  assert.equal(
    await readFile(journal.path, 'utf8'),
    `${foreign('a', 1)}\n${foreign('a', 2)}\n${JSON.stringify(next)}\n`,
  );
  assert.deepEqual((await DecisionJournal.open(folder)).latest('a'), next);
  await journal.close();
});

test('a multi-select verdict and record() calls made at once are one write + one fdatasync', async () => {
  const folder = await datasetFolder();
  const journal = await DecisionJournal.open(folder, { annotator: 'me' });
  const counter = countAppends(journal);
  const many = await journal.recordMany([
    { sampleId: 'a', verdict: 'accept' },
    { sampleId: 'b', verdict: 'accept' },
    { sampleId: 'a', verdict: 'reject' },
  ]);
  assert.equal(counter.count, 1);
  assert.deepEqual(
    many.map((d) => [d.sampleId, d.verdict, d.rev]),
    [
      ['a', 'accept', 1],
      ['b', 'accept', 1],
      ['a', 'reject', 2],
    ],
  );
  // Invalid input refuses the whole call before anything is written.
  await assert.rejects(
    journal.recordMany([
      { sampleId: 'c', verdict: 'accept' },
      { sampleId: '', verdict: 'accept' },
    ]),
    /sampleId/,
  );
  assert.equal(counter.count, 1);
  assert.deepEqual(await journal.recordMany([]), []);

  // Calls made before the first reaches the disk share its write; an undo in between keeps its place.
  counter.count = 0;
  const calls = [
    journal.record({ sampleId: 'c', verdict: 'accept' }),
    journal.record({ sampleId: 'c', verdict: 'reject' }),
    journal.undo('c'),
    journal.record({ sampleId: 'd', verdict: 'accept' }),
    journal.recordMany([
      { sampleId: 'd', verdict: 'reject' },
      { sampleId: 'c', verdict: 'accept', note: 'last' },
    ]),
  ];
  const [c1, c2, undone, d1, rest] = (await Promise.all(calls)) as [
    Decision,
    Decision,
    Decision,
    Decision,
    Decision[],
  ];
  assert.equal(counter.count, 3, 'batch, undo, batch');
  assert.deepEqual(
    [c1, c2, undone, d1, ...rest].map((d) => [d.sampleId, d.verdict, d.rev, d.undoOf]),
    [
      ['c', 'accept', 1, undefined],
      ['c', 'reject', 2, undefined],
      ['c', 'accept', 3, 2],
      ['d', 'accept', 1, undefined],
      ['d', 'reject', 2, undefined],
      ['c', 'accept', 4, undefined],
    ],
  );
  const lines = (await readFile(journal.path, 'utf8')).trimEnd().split('\n');
  assert.deepEqual(
    lines.slice(3).map((l) => JSON.parse(l) as Decision),
    [c1, c2, undone, d1, ...rest],
    'file order is call order',
  );
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.history('c'), journal.history('c'));
  assert.deepEqual(reopened.warnings, []);
  await journal.close();
});

test(
  'one descriptor per journal, opened on the first decision, closed by close() and reopened after',
  { skip: !haveProcFd && 'needs /proc/self/fd' },
  async () => {
    const folder = await datasetFolder();
    const path = journalPath(folder);
    const journal = await DecisionJournal.open(folder, { annotator: 'me' });
    assert.equal(await journal.undo('nothing'), undefined);
    await assert.rejects(readFile(path), { code: 'ENOENT' }, 'reading and an empty undo create nothing');
    assert.equal(await openDescriptors(path), 0);
    for (let i = 0; i < 50; i++) await journal.record({ sampleId: `s${i % 5}`, verdict: 'accept' });
    assert.equal(await openDescriptors(path), 1);
    await journal.close();
    assert.equal(await openDescriptors(path), 0);
    const again = await journal.record({ sampleId: 's0', verdict: 'reject' });
    assert.equal(again.rev, 11);
    assert.equal(await openDescriptors(path), 1);
    await journal.close();
    const reopened = await DecisionJournal.open(folder);
    assert.equal(reopened.history('s0').length, 11);
    assert.deepEqual(reopened.warnings, []);
  },
);
