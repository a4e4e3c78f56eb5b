// The curation decisions of one dataset: an append-only journal beside the data
// (<dataset>/.video-curator/decisions.jsonl), shared by every editor window and CLI run.
import { userInfo } from 'node:os';
import type { Decision, DecisionInput } from './decision';
import { validateDecisionInput } from './decision';
import type { DecisionLog } from './decisionFold';
import { emptyDecisionLog, foldDecisions, undoStack } from './decisionFold';
import type { JournalPosition, JournalWarning } from './journalFile';
import { appendJournalLine, JOURNAL_START, journalPath, readJournalFrom } from './journalFile';

export interface DecisionJournalOptions {
  /** Who is deciding; defaults to the OS user name. */
  annotator?: string;
}

export class DecisionJournal {
  private log: DecisionLog = emptyDecisionLog();
  private position: JournalPosition = JOURNAL_START;
  private tornTail: JournalWarning | undefined;
  // Reads and appends run one at a time, in call order, so concurrent record() calls keep order
  // and a refresh never folds the same bytes twice.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    readonly annotator: string,
  ) {}

  /** Reads the journal of `datasetFolder`; a missing journal is an empty one (created on first record). */
  static async open(datasetFolder: string, options: DecisionJournalOptions = {}): Promise<DecisionJournal> {
    const annotator = options.annotator ?? defaultAnnotator();
    if (typeof annotator !== 'string' || annotator.trim() === '') {
      throw new Error('Invalid annotator: must be a non-empty string');
    }
    const journal = new DecisionJournal(journalPath(datasetFolder), annotator);
    await journal.refresh();
    return journal;
  }

  /** Lines skipped so far (file:line), plus an incomplete last line if there is one now. */
  get warnings(): readonly JournalWarning[] {
    return this.tornTail ? [...this.log.warnings, this.tornTail] : this.log.warnings;
  }

  latest(sampleId: string): Decision | undefined {
    return this.log.latest.get(sampleId);
  }

  /** The latest decision per sample, 'pending' ones included. */
  all(): ReadonlyMap<string, Decision> {
    return this.log.latest;
  }

  /** Every decision on the sample, oldest first. */
  history(sampleId: string): Decision[] {
    return [...(this.log.history.get(sampleId) ?? [])];
  }

  /** Reads what other writers appended since the last read, from the last byte offset. */
  refresh(): Promise<void> {
    return this.serialised(() => this.readNew());
  }

  /** Appends a decision; resolves once it is on disk (fsync'd). Throws for invalid input. */
  async record(input: DecisionInput): Promise<Decision> {
    const valid = validateDecisionInput(input);
    return this.serialised(async () => {
      await this.readNew();
      return this.append(valid);
    });
  }

  /**
   * Steps the sample back to the decision before its newest one (or to 'pending' from the first) by
   * appending that state; history keeps everything. Undefined when there is nothing left to undo.
   */
  async undo(sampleId: string): Promise<Decision | undefined> {
    if (typeof sampleId !== 'string' || sampleId.length === 0) {
      throw new Error('Invalid undo: sampleId must be a non-empty string');
    }
    return this.serialised(async () => {
      await this.readNew();
      const stack = undoStack(this.log.history.get(sampleId) ?? []);
      const undone = stack.pop();
      if (!undone) return undefined;
      const restored = stack.at(-1);
      const state: DecisionInput = restored
        ? validateDecisionInput(restored)
        : { sampleId, verdict: 'pending' as const };
      return this.append(state, undone.rev);
    });
  }

  // Call only inside serialised(), right after readNew(), so rev counts every writer's lines.
  private async append(input: DecisionInput, undoOf?: number): Promise<Decision> {
    const history = this.log.history.get(input.sampleId) ?? [];
    const rev = history.reduce((max, d) => Math.max(max, d.rev), 0) + 1;
    const decision: Decision = { ...input, annotator: this.annotator, at: new Date().toISOString(), rev };
    if (undoOf !== undefined) decision.undoOf = undoOf;
    await appendJournalLine(this.path, JSON.stringify(decision));
    // Read our own line back (with anything others wrote meanwhile) so memory mirrors file order.
    await this.readNew();
    return decision;
  }

  private async readNew(): Promise<void> {
    const read = await readJournalFrom(this.path, this.position);
    if (read.restarted) this.log = emptyDecisionLog();
    foldDecisions(read.lines, this.path, this.log);
    this.position = read.position;
    this.tornTail =
      read.tailBytes > 0
        ? {
            code: 'torn-tail',
            file: this.path,
            line: read.position.lines + 1,
            message: `Skipped an incomplete last line (${read.tailBytes} bytes without a newline): a write torn by a crash, or one still in progress. The next decision recorded will start on a new line.`,
          }
        : undefined;
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined); // one failure must not block later calls
    return result;
  }
}

function defaultAnnotator(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // No passwd entry (some containers): fall back to the environment.
  }
  return process.env.USER || process.env.USERNAME || 'unknown';
}
