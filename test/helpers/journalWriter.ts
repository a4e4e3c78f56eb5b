// A separate process that records decisions in a loop, for the crash and two-writer tests.
// Prints "ready", waits for a line on stdin, then after each record() resolves (the line is fsync'd)
// prints "ack <writer> <i> <sampleId> <rev>". Notes are "<writer>#<i>#" padded with a pattern the
// tests re-derive, so a line with foreign bytes in it cannot pass for a good one.
import { parseArgs } from 'node:util';
import { DecisionJournal } from '../../src/core/curation/decisionJournal';
import type { Verdict } from '../../src/core/curation/decision';
import { mulberry32 } from '../../src/core/analysis/seededRandom';

const { values } = parseArgs({
  options: {
    folder: { type: 'string' },
    writer: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string', default: '1' },
    samples: { type: 'string', default: '20' },
    'long-notes': { type: 'string', default: '0.25' },
  },
});
const folder = required('folder');
const writer = required('writer');
const count = Number(required('count'));
const samples = Number(values.samples);
const longNoteShare = Number(values['long-notes']);
const random = mulberry32(Number(values.seed));
const verdicts: Verdict[] = ['accept', 'reject', 'edit', 'pending'];

async function main(): Promise<void> {
  const journal = await DecisionJournal.open(folder, { annotator: writer });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  process.stdin.destroy();
  for (let i = 0; i < count; i++) {
    const sampleId = `s${Math.floor(random() * samples)}`;
    const verdict = verdicts[i % verdicts.length];
    // Long notes push some lines past 4 KiB (more than one page per write()).
    const noteLength =
      random() < longNoteShare ? 4096 + Math.floor(random() * 12000) : Math.floor(random() * 200);
    const decision = await journal.record({
      sampleId,
      verdict,
      ...(verdict === 'edit' ? { edits: { turns: [{ role: 'gpt', text: `edited by ${writer}` }] } } : {}),
      note: makeNote(writer, i, noteLength),
    });
    process.stdout.write(`ack ${writer} ${i} ${sampleId} ${decision.rev}\n`);
  }
  process.stdout.write('done\n');
}

function makeNote(writer: string, i: number, length: number): string {
  let note = `${writer}#${i}#`;
  for (let k = note.length; k < length; k++) note += String.fromCharCode(97 + ((i + k) % 26));
  return note;
}

function required(name: 'folder' | 'writer' | 'count'): string {
  const value = values[name];
  if (!value) throw new Error(`journalWriter: --${name} is required`);
  return value;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
