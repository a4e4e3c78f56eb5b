// The extension host's decision write path (board protocol → BoardSession → DecisionJournal, run by
// editorWriter.ts in its own process) SIGKILLed mid-burst, and two such "editors" plus the CLI's
// `decide` writing one dataset's journal at once. Kill points are random (seeded; set
// EDITOR_CRASH_SEED to replay); the assertions hold for every schedule.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toDecision } from '../../../src/core/curation/decision';
import type { Decision } from '../../../src/core/curation/decision';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { journalPath } from '../../../src/core/curation/journalFile';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { demoAnnotations } from '../../../src/core/demo/demoDataset';
import { runCli } from '../../helpers/runCli';
import { mulberry32 } from '../../../src/core/analysis/seededRandom';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vc-editor-crash-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A dataset of the demo's annotation files (no videos needed to curate). */
async function dataset(name: string): Promise<{ folder: string; ids: string[] }> {
  const folder = join(root, name);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  for (const [file, text] of Object.entries(demoAnnotations())) await writeFile(join(folder, file), text);
  const index = await indexDataset(folder);
  assert.ok(index.samples.length >= 10, `${index.samples.length} samples`);
  return { folder, ids: index.samples.map((s) => s.id) };
}

interface Ack {
  writer: string;
  i: number;
  sampleId: string;
  rev: number;
  verdict: string;
}

/** editorWriter.ts as a child process, its acknowledgements parsed as whole lines arrive. */
class EditorProcess {
  readonly acks: Ack[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ready = false;
  done = false;
  private readonly child: ChildProcessWithoutNullStreams;
  private pending = '';
  private stderr = '';
  private waiters: Array<() => void> = [];

  constructor(folder: string, writer: string, seed: number) {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(__dirname, 'editorWriter.ts'),
        ...['--folder', folder, '--writer', writer, '--seed', String(seed)],
      ],
      { stdio: 'pipe' },
    );
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
        if (!condition()) reject(new Error(`editor ended early; stderr:\n${this.stderr}`));
      });
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
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
      const [tag, writer, i, sampleId, rev, verdict] = line.split(' ');
      assert.equal(tag, 'ack', `unexpected output from the editor: ${line}`);
      this.acks.push({ writer, i: Number(i), sampleId, rev: Number(rev), verdict });
    }
  }
}

/** The journal's raw lines, each parsed or not, checked below the journal's own reader. */
async function rawLines(folder: string): Promise<{ text: string; decision?: Decision }[]> {
  const text = await readFile(journalPath(folder), 'utf8');
  const lines = text.split('\n');
  assert.equal(lines.at(-1), '', 'the journal ends with a newline');
  lines.pop();
  return lines.map((line) => {
    try {
      const decision = toDecision(JSON.parse(line));
      return typeof decision === 'string' ? { text: line } : { text: line, decision };
    } catch {
      return { text: line };
    }
  });
}

function assertAcked(journal: DecisionJournal, acks: readonly Ack[]): void {
  for (const ack of acks) {
    const found = journal
      .history(ack.sampleId)
      .find((d) => d.annotator === ack.writer && d.rev === ack.rev && d.verdict === ack.verdict);
    assert.ok(
      found,
      `acknowledged ${ack.writer} action ${ack.i} (${ack.sampleId} rev ${ack.rev}) is missing`,
    );
  }
}

test('the editor write path killed mid-burst loses no acknowledged decision', async (t) => {
  const seed = Number(process.env.EDITOR_CRASH_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (EDITOR_CRASH_SEED=${seed} replays the kill points)`);
  const random = mulberry32(seed);
  const { folder } = await dataset('editor-killed');
  const rounds = 5;
  const acks: Ack[] = [];
  for (let round = 0; round < rounds; round++) {
    const editor = new EditorProcess(folder, `editor${round}`, seed + round);
    await editor.until(() => editor.ready);
    editor.send('go');
    const afterAcks = 1 + Math.floor(random() * 60);
    await editor.until(() => editor.acks.length >= afterAcks);
    await new Promise((resolve) => setTimeout(resolve, random() * 20));
    editor.kill();
    const { signal } = await editor.exited;
    assert.equal(signal, 'SIGKILL', `round ${round}: ${editor.errors}`);
    acks.push(...editor.acks);
  }

  // "After restart": what the Curator does when the host comes back.
  const journal = await DecisionJournal.open(folder);
  assertAcked(journal, acks);
  const text = await readFile(journalPath(folder), 'utf8');
  const lines = text.split('\n');
  // A kill can tear a line (the last one, or one the next round then ended with a newline).
  const bad = lines.slice(0, -1).filter((line) => {
    try {
      return typeof toDecision(JSON.parse(line)) === 'string';
    } catch {
      return true;
    }
  }).length;
  assert.ok(journal.warnings.length <= rounds, `${journal.warnings.length} warnings after ${rounds} kills`);
  for (const warning of journal.warnings) {
    assert.ok(warning.code === 'corrupt-line' || warning.code === 'torn-tail', warning.message);
  }
  t.diagnostic(`${acks.length} acknowledged decisions over ${rounds} kills; ${bad} torn lines`);
  // And the restarted editor keeps writing on a clean line.
  const next = await journal.record({
    sampleId: acks[0].sampleId,
    verdict: 'reject',
    note: 'after the kills',
  });
  assert.deepEqual((await DecisionJournal.open(folder)).latest(acks[0].sampleId), next);
});

test('two editors and the CLI deciding at once: every decision kept, every line whole', async (t) => {
  const { folder, ids } = await dataset('three-writers');
  const editors = ['editorA', 'editorB'].map((name, k) => new EditorProcess(folder, name, 11 + k));
  await Promise.all(editors.map((e) => e.until(() => e.ready)));
  for (const e of editors) e.send('go');

  // The CLI: one process per decision, four at a time, for as long as it takes to make 16.
  const cliCount = 16;
  const cliDecisions: Decision[] = [];
  let next = 0;
  const cliLane = async (): Promise<void> => {
    while (next < cliCount) {
      const k = next++;
      const verdict = (['accept', 'reject', 'pending'] as const)[k % 3];
      const run = await runCli([
        'decide',
        folder,
        ids[(k * 7) % ids.length],
        verdict,
        '--annotator',
        'cli',
        '--note',
        `cli#${k}`,
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const decision = toDecision(JSON.parse(run.stdout));
      assert.notEqual(typeof decision, 'string', run.stdout);
      cliDecisions.push(decision as Decision);
    }
  };
  await Promise.all([cliLane(), cliLane(), cliLane(), cliLane()]);
  for (const e of editors) e.send('stop');
  const exits = await Promise.all(editors.map((e) => e.exited));
  exits.forEach((exit, k) => assert.equal(exit.code, 0, `editor ${k}: ${editors[k].errors}`));
  assert.ok(editors.every((e) => e.done));

  const lines = await rawLines(folder);
  lines.forEach((line, k) => assert.ok(line.decision, `line ${k + 1} is not a whole decision: ${line.text}`));
  const decisions = lines.map((l) => l.decision!);
  const byWriter = (writer: string) => decisions.filter((d) => d.annotator === writer);
  // Exactly what each writer acknowledged: nothing lost, nothing extra, nothing foreign.
  for (const e of editors) {
    assert.ok(e.acks.length > 20, `${e.acks[0]?.writer} made only ${e.acks.length} decisions`);
    assert.equal(byWriter(e.acks[0].writer).length, e.acks.length, e.acks[0].writer);
  }
  assert.equal(byWriter('cli').length, cliCount);
  assert.equal(decisions.length, editors[0].acks.length + editors[1].acks.length + cliCount);

  const journal = await DecisionJournal.open(folder);
  assert.deepEqual(journal.warnings, []);
  assertAcked(journal, [...editors[0].acks, ...editors[1].acks]);
  for (const d of cliDecisions) {
    assert.ok(
      journal.history(d.sampleId).some((h) => h.annotator === 'cli' && h.note === d.note && h.rev === d.rev),
      `CLI decision ${d.note} is missing`,
    );
  }
  // One writer's decisions on a sample keep rising revisions (each counts everyone's lines first).
  for (const id of ids) {
    for (const writer of ['editorA', 'editorB', 'cli']) {
      const revs = journal
        .history(id)
        .filter((d) => d.annotator === writer)
        .map((d) => d.rev);
      revs.forEach((rev, k) => assert.ok(k === 0 || rev > revs[k - 1], `${id} ${writer}: ${revs}`));
    }
  }
  t.diagnostic(
    `${decisions.length} lines: editorA ${editors[0].acks.length}, editorB ${editors[1].acks.length}, cli ${cliCount}`,
  );
});
