// `video-curator decide` SIGKILLed at seeded random points of its life, several at once on one
// dataset: every decision a run acknowledged (exit 0 and its JSON printed, which happens only after
// the fsync) is in the journal, the journal still opens, and the next decision lands on a clean line.
// Set CRASH_DECIDE_SEED to replay a schedule.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mulberry32 } from '../../../src/core/analysis/seededRandom';
import { toDecision } from '../../../src/core/curation/decision';
import type { Decision } from '../../../src/core/curation/decision';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { journalPath } from '../../../src/core/curation/journalFile';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { demoAnnotations } from '../../../src/core/demo/demoDataset';
import { runCli } from '../../helpers/runCli';

const repo = join(__dirname, '..', '..', '..');

let folder: string;
let ids: string[];
before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'vc-crash-decide-'));
  await mkdir(folder, { recursive: true });
  for (const [file, text] of Object.entries(demoAnnotations())) await writeFile(join(folder, file), text);
  ids = (await indexDataset(folder)).samples.map((s) => s.id);
});
after(async () => {
  await rm(folder, { recursive: true, force: true });
});

interface Outcome {
  note: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  acked?: Decision;
}

/** One `decide` run, SIGKILLed `killAfterMs` after it starts (or left alone when undefined). */
function decide(sampleId: string, note: string, killAfterMs?: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'src/cli/main.ts'),
        'decide',
        folder,
        sampleId,
        'reject',
        '--annotator',
        'cli',
        '--note',
        note,
        '--json',
      ],
      { cwd: repo },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let acked: Decision | undefined;
      if (code === 0) {
        const parsed = toDecision(JSON.parse(stdout));
        assert.notEqual(typeof parsed, 'string', stdout);
        acked = parsed as Decision;
      }
      resolve({ note, code, signal, ...(acked ? { acked } : {}) });
    });
  });
}

test('decide killed at random points: every acknowledged decision is kept', async (t) => {
  const seed = Number(process.env.CRASH_DECIDE_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`seed ${seed} (CRASH_DECIDE_SEED=${seed} replays the kill points)`);
  const random = mulberry32(seed);
  // How long a run lives here with four side by side (as below), so kill points spread over
  // start-up, the write and the exit.
  const calibration = await Promise.all(
    [0, 1, 2, 3].map(async (k) => {
      const started = performance.now();
      const run = await decide(ids[k], `calibration#${k}`);
      assert.equal(run.code, 0);
      return { run, ms: performance.now() - started };
    }),
  );
  const lifetime = calibration.map((c) => c.ms).sort((a, b) => a - b)[1];

  const runs = 16;
  const outcomes: Outcome[] = calibration.map((c) => c.run);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < runs) {
      const k = next++;
      // Every third run is left alone; the others die somewhere between start-up and a late exit.
      const killAfter = k % 3 === 0 ? undefined : lifetime * (0.3 + random());
      outcomes.push(await decide(ids[k % ids.length], `run#${k}`, killAfter));
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  const acked = outcomes.filter((o) => o.acked);
  const killed = outcomes.filter((o) => o.signal === 'SIGKILL');
  t.diagnostic(`${acked.length} acknowledged, ${killed.length} killed, lifetime ${lifetime.toFixed(0)} ms`);
  assert.ok(killed.length > 0, 'no run was killed: the kill points missed every run');
  for (const o of outcomes) assert.ok(o.acked || o.signal === 'SIGKILL', `${o.note}: exit ${o.code}`);

  // Every acknowledged decision is there, as printed.
  const journal = await DecisionJournal.open(folder);
  for (const o of acked) {
    const found = journal
      .history(o.acked!.sampleId)
      .find((d) => d.note === o.note && d.rev === o.acked!.rev && d.annotator === 'cli');
    assert.ok(found, `acknowledged ${o.note} (${o.acked!.sampleId} rev ${o.acked!.rev}) is missing`);
  }
  // Only a kill inside the write can leave a torn line; nothing else is wrong with the file.
  for (const warning of journal.warnings)
    assert.ok(['torn-tail', 'corrupt-line'].includes(warning.code), `${warning.code}: ${warning.message}`);

  // And the next decision lands on a clean line, readable by the next process.
  const after = await runCli(['decide', folder, ids[1], 'accept', '--note', 'after the kills', '--json']);
  assert.equal(after.code, 0, after.stderr);
  const text = await readFile(journalPath(folder), 'utf8');
  assert.ok(text.endsWith('\n'));
  const last = toDecision(JSON.parse(text.trimEnd().split('\n').at(-1)!));
  assert.notEqual(typeof last, 'string');
  assert.equal((last as Decision).note, 'after the kills');
});
