// The curation decisions of one dataset: an append-only journal beside the data
// (<dataset>/.video-curator/decisions.jsonl), shared by every editor window and CLI run.
import { userInfo } from 'node:os';
import type { Decision, DecisionInput } from './decision';
import { validateDecisionInput } from './decision';
import type { DecisionLog } from './decisionFold';
import { emptyDecisionLog, foldDecisions, undoStack } from './decisionFold';
import type { JournalFileState, JournalPosition, JournalWarning } from './journalFile';
import { JournalAppender, JOURNAL_START, journalPath, readJournalFrom, statJournal } from './journalFile';
import { appendAll } from '../collections';

export interface DecisionJournalOptions {
  /** Who is deciding; defaults to the OS user name. */
  annotator?: string;
}

/** How long a journal keeps its append descriptor open without a decision. */
const IDLE_CLOSE_MS = 10_000;
/** An unterminated tail counts as torn (not a write in progress) once it stayed this long unchanged. */
const SETTLE_MS = 25;

interface PendingDecision {
  input: DecisionInput;
  undoOf?: number;
}

interface OpenBatch {
  inputs: DecisionInput[];
  done: Promise<Decision[]>;
}

export class DecisionJournal {
  private log: DecisionLog = emptyDecisionLog();
  private position: JournalPosition = JOURNAL_START;
  private tailBytes = 0;
  /** When the current unterminated tail (file end `end`) was first seen, to tell torn from in flight. */
  private tailSeen: { fileId: string | undefined; end: number; at: number } | undefined;
  private tornTail: JournalWarning | undefined;
  private readonly appender: JournalAppender;
  private idleTimer: NodeJS.Timeout | undefined;
  // Reads and appends run one at a time, in call order, so concurrent record() calls keep order
  // and a refresh never folds the same bytes twice.
  private queue: Promise<unknown> = Promise.resolve();
  // record() calls made while the batch is still queued join it: one write + one fdatasync for all.
  private openBatch: OpenBatch | undefined;

  private constructor(
    readonly path: string,
    readonly annotator: string,
  ) {
    this.appender = new JournalAppender(path);
  }

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

  /**
   * Appends a decision; resolves once it is on disk (fdatasync'd). Throws for invalid input. Calls
   * made before the previous ones reached the disk are written together (one write, one sync).
   */
  async record(input: DecisionInput): Promise<Decision> {
    const valid = validateDecisionInput(input);
    const [decision] = await this.enqueueDecisions([valid]);
    return decision;
  }

  /**
   * Appends several decisions (a multi-select verdict) in one write() and one fdatasync, in order;
   * resolves once all are on disk. Invalid input rejects the whole call before anything is written.
   */
  async recordMany(inputs: readonly DecisionInput[]): Promise<Decision[]> {
    const valid = inputs.map((input) => validateDecisionInput(input));
    if (valid.length === 0) return [];
    return this.enqueueDecisions(valid);
  }

  /**
   * Steps the sample back to the decision before its newest one (or to 'pending' from the first) by
   * appending that state; history keeps everything. Undefined when there is nothing left to undo.
   */
  async undo(sampleId: string): Promise<Decision | undefined> {
    if (typeof sampleId !== 'string' || sampleId.length === 0) {
      throw new Error('Invalid undo: sampleId must be a non-empty string');
    }
    const [decision] = await this.serialised(() =>
      this.appendDecisions(() => {
        const stack = undoStack(this.log.history.get(sampleId) ?? []);
        const undone = stack.pop();
        if (!undone) return [];
        const restored = stack.at(-1);
        const input: DecisionInput = restored
          ? validateDecisionInput(restored)
          : { sampleId, verdict: 'pending' as const };
        return [{ input, undoOf: undone.rev }];
      }),
    );
    return decision;
  }

  /** Closes the append descriptor (it is also closed after a while without decisions). */
  close(): Promise<void> {
    return this.serialised(async () => this.releaseAppender());
  }

  private enqueueDecisions(inputs: DecisionInput[]): Promise<Decision[]> {
    let batch = this.openBatch;
    if (!batch) {
      const opened: OpenBatch = { inputs: [], done: Promise.resolve([]) };
      opened.done = this.serialised(() => {
        if (this.openBatch === opened) this.openBatch = undefined;
        return this.appendDecisions(() => opened.inputs.map((input) => ({ input })));
      });
      this.openBatch = batch = opened;
    }
    const from = batch.inputs.length;
    appendAll(batch.inputs, inputs);
    return batch.done.then((decisions) => decisions.slice(from, from + inputs.length));
  }

  /**
   * Writes the decisions `build` makes from the up-to-date log, as one write() + one fdatasync.
   * Fast path (the file is the one we last read and ends where we last saw it end, on a '\n'): no
   * read before, and our lines are folded without reading them back. Otherwise: read what others
   * appended first (so revisions count every writer's lines), end a torn last line with '\n' in the
   * same write, and read back afterwards (so memory mirrors file order).
   */
  private async appendDecisions(build: () => PendingDecision[]): Promise<Decision[]> {
    this.stopIdleTimer();
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 3)
          throw new Error(`${this.path} kept being replaced while recording a decision; try again`);
        const held = this.appender.current();
        const file = held ?? statJournal(this.path);
        const mirrored = this.mirrors(file);
        let newline = false;
        if (!mirrored) {
          await this.readNew();
          newline = await this.tailNeedsNewline();
        }
        const decisions = this.build(build());
        if (decisions.length === 0) return [];
        const target = held ?? (await this.appender.ready());
        if (target.fileId !== file?.fileId || target.size !== (file?.size ?? 0)) {
          // First write (the descriptor was just opened or the file created), or the file changed
          // since the stat above: look again with the descriptor in place.
          if (!mirrored) continue;
          if (file !== undefined || target.size !== 0) continue;
          // The journal did not exist and we created it empty: nothing to re-check.
        }
        const lines = decisions.map((decision) => JSON.stringify(decision));
        const bytes = Buffer.from(`${newline ? '\n' : ''}${lines.join('\n')}\n`, 'utf8');
        await this.appender.append(bytes);
        const after = statJournal(this.path);
        if (after?.fileId !== target.fileId) {
          // Replaced or deleted between our stat and our write: the lines went to a file that is no
          // longer the journal. Write them again to the one that is (bounded: this is a checkout
          // racing a decision, not a steady state).
          await this.readNew();
          continue;
        }
        if (mirrored && after.size === target.size + bytes.length) {
          // Nobody appended between our stat and our write: our lines are the file's last ones.
          const first = this.position.lines + 1;
          foldDecisions(
            lines.map((text, k) => ({ line: first + k, text })),
            this.path,
            this.log,
          );
          this.position = {
            offset: after.size,
            lines: this.position.lines + lines.length,
            fileId: after.fileId,
          };
        } else {
          await this.readNew();
        }
        return decisions;
      }
    } finally {
      this.startIdleTimer();
    }
  }

  /** True when memory holds exactly the file's bytes (none: no file), all of them complete lines. */
  private mirrors(file: JournalFileState | undefined): boolean {
    if (this.tailBytes !== 0) return false;
    if (file === undefined) return this.position.offset === 0 && this.position.fileId === undefined;
    if (file.size !== this.position.offset) return false;
    return this.position.fileId === file.fileId || (this.position.fileId === undefined && file.size === 0);
  }

  // Revisions count the log (every writer's lines read so far) and the batch's earlier entries.
  private build(pending: PendingDecision[]): Decision[] {
    const revs = new Map<string, number>();
    const at = new Date().toISOString();
    return pending.map(({ input, undoOf }) => {
      let rev = revs.get(input.sampleId);
      if (rev === undefined) {
        rev = (this.log.history.get(input.sampleId) ?? []).reduce((max, d) => Math.max(max, d.rev), 0);
      }
      revs.set(input.sampleId, ++rev);
      const decision: Decision = { ...input, annotator: this.annotator, at, rev };
      if (undoOf !== undefined) decision.undoOf = undoOf;
      return decision;
    });
  }

  // Readers can see another process's write half done, so an unterminated tail only counts as torn
  // once it has stayed the same for a moment; otherwise every race would leave a blank line.
  private async tailNeedsNewline(): Promise<boolean> {
    for (;;) {
      if (this.tailBytes === 0) return false;
      const seen = this.tailSeen;
      if (seen && performance.now() - seen.at >= SETTLE_MS) return true;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await this.readNew();
    }
  }

  private async readNew(): Promise<void> {
    const read = await readJournalFrom(this.path, this.position);
    if (read.restarted) this.log = emptyDecisionLog();
    foldDecisions(read.lines, this.path, this.log);
    this.position = read.position;
    this.tailBytes = read.tailBytes;
    const end = read.position.offset + read.tailBytes;
    if (read.tailBytes === 0) this.tailSeen = undefined;
    else if (this.tailSeen?.end !== end || this.tailSeen.fileId !== read.position.fileId) {
      this.tailSeen = { fileId: read.position.fileId, end, at: performance.now() };
    }
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

  private startIdleTimer(): void {
    if (!this.appender.isOpen) return;
    // unref: an open journal never keeps a CLI run or a test process alive.
    this.idleTimer = setTimeout(() => void this.close().catch(() => undefined), IDLE_CLOSE_MS).unref();
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private releaseAppender(): void {
    this.stopIdleTimer();
    this.appender.close();
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    this.openBatch = undefined; // later record() calls must not jump ahead of this task
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
