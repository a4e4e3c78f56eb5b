// Journal lines → the latest decision per sample plus full history. File order decides "latest", so
// the result does not depend on clocks or on revisions two writers may have computed at once.
import type { Decision } from './decision';
import { toDecision } from './decision';
import type { JournalLine, JournalWarning } from './journalFile';

export interface DecisionLog {
  readonly latest: Map<string, Decision>;
  /** Every decision per sample, oldest first. */
  readonly history: Map<string, Decision[]>;
  /** Lines that were skipped, in file order. */
  readonly warnings: JournalWarning[];
}

export function emptyDecisionLog(): DecisionLog {
  return { latest: new Map(), history: new Map(), warnings: [] };
}

/** Folds `lines` into `log` (a fresh one by default) and returns it. Never throws for bad lines. */
export function foldDecisions(
  lines: Iterable<JournalLine>,
  file: string,
  log: DecisionLog = emptyDecisionLog(),
): DecisionLog {
  for (const { line, text, invalidUtf8 } of lines) {
    if (invalidUtf8) {
      log.warnings.push(corrupt(file, line, 'is not valid UTF-8'));
      continue;
    }
    if (text.trim() === '') continue; // blank lines are harmless (two writers may both end a torn line)
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      const salvaged = salvageGluedDecision(text);
      if (salvaged) {
        log.warnings.push(
          corrupt(
            file,
            line,
            `starts with ${salvaged.tornBytes} characters of a torn line; the decision after them was kept`,
          ),
        );
        add(log, salvaged.decision);
      } else {
        log.warnings.push(corrupt(file, line, `is not valid JSON: ${preview(text)}`));
      }
      continue;
    }
    const decision = toDecision(value);
    if (typeof decision === 'string') {
      log.warnings.push({
        code: 'invalid-decision',
        file,
        line,
        message: `Skipped a decision line: ${decision}. Fix or delete the line; other decisions are unaffected.`,
      });
      continue;
    }
    add(log, decision);
  }
  return log;
}

function add(log: DecisionLog, decision: Decision): void {
  log.latest.set(decision.sampleId, decision);
  const history = log.history.get(decision.sampleId);
  if (history) history.push(decision);
  else log.history.set(decision.sampleId, [decision]);
}

// Every line a journal writes is JSON.stringify of a Decision, which starts with this; inside a JSON
// string the quotes would be escaped, so in such a line it occurs only at the start.
const DECISION_START = '{"sampleId":';

/**
 * A writer checks that the file ends in '\n' before appending, but another writer can be killed
 * mid-line between that check and the write, gluing our whole line onto its torn one. The glued
 * line is then `<torn bytes>{"sampleId":...}`: the decision after the last DECISION_START is whole.
 */
function salvageGluedDecision(text: string): { decision: Decision; tornBytes: number } | undefined {
  const at = text.lastIndexOf(DECISION_START);
  if (at <= 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(at));
  } catch {
    return undefined;
  }
  const decision = toDecision(value);
  return typeof decision === 'string' ? undefined : { decision, tornBytes: at };
}

/**
 * The decisions an undo can still step back over, oldest first: each undo line cancels the newest
 * decision not yet undone, so repeated undos walk back one decision at a time.
 */
export function undoStack(history: readonly Decision[]): Decision[] {
  const stack: Decision[] = [];
  for (const decision of history) {
    if (decision.undoOf !== undefined) stack.pop();
    else stack.push(decision);
  }
  return stack;
}

function corrupt(file: string, line: number, what: string): JournalWarning {
  return {
    code: 'corrupt-line',
    file,
    line,
    message: `Skipped a line that ${what} (torn by a crash, or a bad hand edit). Other decisions are unaffected; delete the line to silence this.`,
  };
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
