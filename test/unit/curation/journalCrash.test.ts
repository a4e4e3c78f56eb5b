// Real processes against one journal: a writer SIGKILLed at random points, and two writers at once.
// Randomness only moves the kill points (seeded; set JOURNAL_CRASH_SEED to replay); the assertions
// hold for every schedule.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { toDecision } from '../../../src/core/curation/decision';
import type { Decision } from '../../../src/core/curation/decision';
import { journalPath } from '../../../src/core/curation/journalFile';
import { mulberry32 } from '../../../src/core/analysis/seededRandom';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vc-journal-crash-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Ack {
  writer: string;
  i: number;
  sampleId: string;
  rev: number;
}

/** test/helpers/journalWriter.ts as a child process, with its acknowledgements parsed as they arrive. */
class WriterProcess {
  readonly acks: Ack[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ready = false;
  done = false;
  private readonly child: ChildProcessWithoutNullStreams;
  private pending = '';
  private stderr = '';
  private waiters: Array<() => void> = [];

  constructor(folder: string, writer: string, options: { count: number; seed: number; samples: number }) {
    const args = ['--folder', folder, '--writer', writer, '--count', String(options.count)];
    args.push('--seed', String(options.seed), '--samples', String(options.samples));
    this.child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/journalWriter.ts', ...args], {
      stdio: 'pipe',
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => {
      this.pending += chunk;
      // Only whole lines count: a kill can cut an acknowledgement short, and then it was not made.
      for (let nl = this.pending.indexOf('\n'); nl !== -1; nl = this.pending.indexOf('\n')) {
        this.onLine(this.pending.slice(0, nl));
        this.pending = this.pending.slice(nl + 1);
      }
      for (const waiter of [...this.waiters]) waiter();
    });
    this.child.stderr.on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves once `condition` holds; rejects if the process ends before. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve();
      };
      this.waiters.push(check);
      check();
      void this.exited.then(() => {
        if (!condition()) reject(new Error(`writer ended early; stderr:\n${this.stderr}`));
      });
    });
  }

  go(): void {
    this.child.stdin.end('go\n');
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  get errors(): string {
    return this.stderr;
  }

  private onLine(line: string): void {
    if (line === 'ready') this.ready = true;
    else if (line === 'done') this.done = true;
    else {
      const [tag, writer, i, sampleId, rev] = line.split(' ');
      assert.equal(tag, 'ack', `unexpected output from the writer: ${line}`);
      this.acks.push({ writer, i: Number(i), sampleId, rev: Number(rev) });
    }
  }
}

// Same as in journalWriter.ts: the note a writer puts on its i-th decision.
function makeNote(writer: string, i: number, length: number): string {
  let note = `${writer}#${i}#`;
  for (let k = note.length; k < length; k++) note += String.fromCharCode(97 + ((i + k) % 26));
  return note;
}

function noteTag(decision: Decision): { writer: string; i: number } {
  const [writer, i] = (decision.note ?? '').split('#');
  return { writer, i: Number(i) };
}

/** The journal's raw lines, each parsed or marked bad, for checks below the journal's own reader. */
async function rawLines(folder: string): Promise<{ text: string; decision?: Decision }[]> {
  const text = await readFile(journalPath(folder), 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => {
    try {
      const decision = toDecision(JSON.parse(line));
      return typeof decision === 'string' ? { text: line } : { text: line, decision };
    } catch {
      return { text: line };
    }
  });
}

test('a writer killed at random points loses no acknowledged decision and tears at most its last line', async (t) => {
  const seed = Number(process.env.JOURNAL_CRASH_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (JOURNAL_CRASH_SEED=${seed} replays the kill points)`);
  const random = mulberry32(seed);
  const folder = join(root, 'crash');
  const rounds = 6;
  const acks: Ack[] = [];

  for (let round = 0; round < rounds; round++) {
    const writer = new WriterProcess(folder, `r${round}`, {
      count: 1_000_000,
      seed: seed + round,
      samples: 12,
    });
    await writer.until(() => writer.ready);
    writer.go();
    const afterAcks = 1 + Math.floor(random() * 40);
    await writer.until(() => writer.acks.length >= afterAcks);
    await new Promise((resolve) => setTimeout(resolve, random() * 25));
    writer.kill();
    const { signal } = await writer.exited;
    assert.equal(signal, 'SIGKILL', `round ${round} should have been killed, stderr:\n${writer.errors}`);
    acks.push(...writer.acks);
  }

  const journal = await DecisionJournal.open(folder);
  for (const ack of acks) {
    const found = journal.history(ack.sampleId).find((d) => d.rev === ack.rev);
    assert.ok(found, `acknowledged ${ack.writer}#${ack.i} (${ack.sampleId} rev ${ack.rev}) is missing`);
    assert.deepEqual(noteTag(found), { writer: ack.writer, i: ack.i });
  }

  // Each sample's revisions run 1..n: every restarted writer counted what the killed ones left.
  for (const [sampleId] of journal.all()) {
    const revs = journal.history(sampleId).map((d) => d.rev);
    assert.deepEqual(
      revs,
      revs.map((_, k) => k + 1),
      `revisions of ${sampleId}`,
    );
  }

  // Bad lines can only be the torn last write of a killed round: between two rounds, or at the end.
  const lines = await rawLines(folder);
  const bad = lines.flatMap((line, index) => (line.decision ? [] : [index]));
  assert.ok(bad.length <= rounds, `${bad.length} bad lines after ${rounds} kills`);
  for (const index of bad) {
    const before = lines
      .slice(0, index)
      .reverse()
      .find((l) => l.decision)?.decision;
    const afterIt = lines.slice(index + 1).find((l) => l.decision)?.decision;
    if (before && afterIt) {
      assert.notEqual(
        noteTag(before).writer,
        noteTag(afterIt).writer,
        `bad line ${index + 1} inside a round`,
      );
    }
  }
  assert.equal(journal.warnings.length, bad.length, 'every bad line is reported as a warning');
  for (const warning of journal.warnings) {
    assert.ok(warning.code === 'corrupt-line' || warning.code === 'torn-tail', warning.message);
  }
  t.diagnostic(`${acks.length} acknowledged decisions over ${rounds} kills, ${bad.length} torn lines`);

  // The journal stays writable after the last kill, torn tail or not.
  const next = await journal.record({ sampleId: 's0', verdict: 'accept', note: 'after the crashes' });
  const reopened = await DecisionJournal.open(folder);
  assert.deepEqual(reopened.latest('s0'), next);
  assert.ok(reopened.warnings.every((w) => w.code === 'corrupt-line'));
});

test('two processes appending at once never interleave bytes within a line', async () => {
  const folder = join(root, 'two-writers');
  const count = 1500;
  const writers = ['A', 'B'].map(
    (name, k) => new WriterProcess(folder, name, { count, seed: 7 + k, samples: 20 }),
  );
  await Promise.all(writers.map((w) => w.until(() => w.ready)));
  for (const w of writers) w.go();
  const exits = await Promise.all(writers.map((w) => w.exited));
  exits.forEach((exit, k) => assert.equal(exit.code, 0, `writer ${k} failed:\n${writers[k].errors}`));
  for (const w of writers) assert.ok(w.done && w.acks.length === count);

  const lines = await rawLines(folder);
  assert.equal(lines.length, 2 * count, 'one line per decision, no blank or split lines');
  const lastIndex = new Map<string, number>();
  let longLines = 0;
  const byWriteId = new Map<string, Decision>();
  for (const [index, line] of lines.entries()) {
    assert.ok(line.decision, `line ${index + 1} does not parse: ${line.text.slice(0, 80)}`);
    const { writer, i } = noteTag(line.decision);
    assert.equal(
      line.decision.note,
      makeNote(writer, i, line.decision.note?.length ?? 0),
      `line ${index + 1}`,
    );
    assert.equal(line.decision.annotator, writer, `line ${index + 1}`);
    // One process's appends keep their call order.
    assert.ok(i > (lastIndex.get(writer) ?? -1), `writer ${writer} out of order at line ${index + 1}`);
    lastIndex.set(writer, i);
    byWriteId.set(`${writer}#${i}`, line.decision);
    if (Buffer.byteLength(line.text) > 4096) longLines++;
  }
  assert.ok(longLines > 100, `expected lines over 4 KiB, got ${longLines}`);

  for (const ack of writers.flatMap((w) => w.acks)) {
    const decision = byWriteId.get(`${ack.writer}#${ack.i}`);
    assert.ok(decision, `acknowledged ${ack.writer}#${ack.i} is missing`);
    assert.equal(decision.sampleId, ack.sampleId);
    assert.equal(decision.rev, ack.rev);
  }

  // Revisions count both writers' lines. Without a lock two writers deciding the same sample in the
  // same instant can write the same revision, so: never above the line count, strictly rising per
  // writer, and the highest revisions close to the line counts.
  const journal = await DecisionJournal.open(folder);
  assert.deepEqual(journal.warnings, []);
  let revSum = 0;
  for (const [sampleId] of journal.all()) {
    const history = journal.history(sampleId);
    const maxRev = Math.max(...history.map((d) => d.rev));
    assert.ok(maxRev <= history.length, `${sampleId}: rev ${maxRev} > ${history.length} lines`);
    for (const writer of ['A', 'B']) {
      const own = history.filter((d) => d.annotator === writer).map((d) => d.rev);
      own.forEach((rev, k) => assert.ok(k === 0 || rev > own[k - 1], `${sampleId} ${writer} revs ${own}`));
    }
    revSum += maxRev;
  }
  // Counting only its own lines, a writer would reach about half; ties stay a few percent.
  assert.ok(revSum >= 0.9 * lines.length, `revisions sum to ${revSum} over ${lines.length} lines`);
});
