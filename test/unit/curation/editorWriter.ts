// The extension host's write path, run as its own process so tests can SIGKILL it: what the board
// panel does with a webview message (src/vscode/boardPanel.ts): the raw message is checked by the
// board protocol, handed to BoardSession, which records through the same DecisionJournal the Curator
// opens (src/vscode/curator.ts). Only the vscode wrappers (webview, output channel) are left out.
//
// Prints "ready" once the dataset is indexed and the journal open; starts on a "go" line on stdin and
// stops after the action in progress on a "stop" line (or after --count actions). After each action
// returns (its lines are fsync'd) it prints "ack <writer> <i> <sampleId> <rev> <verdict>" for each
// decision of this writer that the journal holds now and did not before: verdicts on one or two
// rows, and now and then an undo.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BoardSession } from '../../../src/core/board/boardSession';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { validateWebviewMessage } from '../../../src/protocol/board';
import { mulberry32 } from '../../../src/core/analysis/seededRandom';

const { values } = parseArgs({
  options: {
    folder: { type: 'string' },
    writer: { type: 'string' },
    count: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
  },
});
if (!values.folder || !values.writer) throw new Error('editorWriter: --folder and --writer are required');
const folder = values.folder;
const writer = values.writer;
const count = Number(values.count);
const random = mulberry32(Number(values.seed));
const verdicts = ['accept', 'reject', 'pending'] as const;

async function main(): Promise<void> {
  const index = await indexDataset(folder);
  if (index.samples.length === 0) throw new Error(`no samples in ${folder}`);
  // The Curator opens the journal with the OS user as annotator; each test writer names itself.
  const journal = await DecisionJournal.open(folder, { annotator: writer });
  const session = new BoardSession(index, journal, (path) => `file://${path}`, undefined);
  let stopping = false;
  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) =>
    lines.on('line', (line) => {
      if (line === 'go') resolve();
      if (line === 'stop') stopping = true;
    }),
  );
  process.stdout.write('ready\n');
  await go;
  for (let i = 0; i < count && !stopping; i++) {
    const ids = [index.samples[Math.floor(random() * index.samples.length)].id];
    if (random() < 0.2) ids.push(index.samples[Math.floor(random() * index.samples.length)].id);
    const raw =
      i > 0 && random() < 0.15
        ? { type: 'undo' }
        : { type: 'verdict', sampleIds: [...new Set(ids)], verdict: verdicts[i % verdicts.length] };
    const message = validateWebviewMessage(raw);
    if (!message) throw new Error(`the board protocol refused ${JSON.stringify(raw)}`);
    const ours = (id: string) => journal.history(id).filter((d) => d.annotator === writer);
    const before = new Map(index.samples.map((s) => [s.id, ours(s.id).length]));
    const replies = await session.handle(message);
    if (replies.some((r) => r.type === 'notice' && r.level === 'error')) {
      throw new Error(`the board answered with an error: ${JSON.stringify(replies)}`);
    }
    // Ack what this action wrote: our decisions the journal holds now and did not before.
    for (const sample of index.samples) {
      for (const decision of ours(sample.id).slice(before.get(sample.id))) {
        process.stdout.write(`ack ${writer} ${i} ${sample.id} ${decision.rev} ${decision.verdict}\n`);
      }
    }
  }
  lines.close();
  process.stdout.write('done\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
