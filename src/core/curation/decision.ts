// What an annotator decided about one sample, and the checks shared by the writer (which throws on
// misuse) and the reader (which turns a bad line into a warning).
import type { TimeWindow, Turn, TurnRole } from '../dataset/sample';

export const VERDICTS = ['accept', 'reject', 'edit', 'pending'] as const;
export type Verdict = (typeof VERDICTS)[number];

const TURN_ROLES: readonly TurnRole[] = ['human', 'gpt', 'system'];

/** The corrected conversation and/or timestamps; export uses them in place of the original's. */
export interface DecisionEdits {
  turns?: Turn[];
  windows?: TimeWindow[];
}

/** What a caller records; the journal adds annotator, time and revision. */
export interface DecisionInput {
  sampleId: string;
  verdict: Verdict;
  /** Required with 'edit', refused with any other verdict. */
  edits?: DecisionEdits;
  /** Ids of generated dialogues the annotator kept. */
  acceptedDialogues?: string[];
  note?: string;
}

/** One line of decisions.jsonl. */
export interface Decision extends DecisionInput {
  annotator: string;
  /** ISO 8601 time of the decision. */
  at: string;
  /**
   * Per-sample revision: one more than the highest in the journal when written. Without a lock, two
   * processes deciding the same sample in the same instant can both write it; file order decides.
   */
  rev: number;
  /** Set on lines written by undo: the revision this line reverts. */
  undoOf?: number;
}

/** The first thing wrong with `value` as a decision input, or undefined when it is fine. */
export function checkDecisionInput(value: unknown): string | undefined {
  if (!isObject(value)) return 'a decision must be an object';
  const { sampleId, verdict, edits, acceptedDialogues, note } = value;
  if (typeof sampleId !== 'string' || sampleId.length === 0) return 'sampleId must be a non-empty string';
  if (!VERDICTS.includes(verdict as Verdict)) {
    return `verdict must be one of ${VERDICTS.join(', ')} (got ${JSON.stringify(verdict)})`;
  }
  if (edits !== undefined) {
    if (verdict !== 'edit') return `edits are only allowed with verdict 'edit' (got '${String(verdict)}')`;
    const problem = checkEdits(edits);
    if (problem) return problem;
  } else if (verdict === 'edit') {
    return "verdict 'edit' needs edits (turns and/or windows)";
  }
  if (acceptedDialogues !== undefined) {
    if (!Array.isArray(acceptedDialogues)) return 'acceptedDialogues must be an array of dialogue ids';
    const bad = acceptedDialogues.findIndex((id) => typeof id !== 'string' || id.length === 0);
    if (bad >= 0) return `acceptedDialogues[${bad}] must be a non-empty string`;
  }
  if (note !== undefined && typeof note !== 'string') return 'note must be a string';
  return undefined;
}

/** Throws a clear Error for programmer misuse; returns a copy holding only the known fields. */
export function validateDecisionInput(value: unknown): DecisionInput {
  const problem = checkDecisionInput(value);
  if (problem) throw new Error(`Invalid decision: ${problem}`);
  return pickInput(value as DecisionInput);
}

/** A parsed JSON line as a Decision, or the reason it is not one. Unknown fields are dropped. */
export function toDecision(value: unknown): Decision | string {
  const problem = checkDecisionInput(value);
  if (problem) return problem;
  const { annotator, at, rev, undoOf } = value as Record<string, unknown>;
  if (typeof annotator !== 'string' || annotator.length === 0) return 'annotator must be a non-empty string';
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return 'at must be an ISO date string';
  if (!isRevision(rev)) return 'rev must be a positive integer';
  if (undoOf !== undefined && !isRevision(undoOf)) return 'undoOf must be a positive integer';
  const decision: Decision = { ...pickInput(value as DecisionInput), annotator, at, rev };
  if (undoOf !== undefined) decision.undoOf = undoOf;
  return decision;
}

function checkEdits(edits: unknown): string | undefined {
  if (!isObject(edits)) return 'edits must be an object with turns and/or windows';
  const { turns, windows } = edits;
  if (turns === undefined && windows === undefined) return 'edits must have turns and/or windows';
  if (turns !== undefined) {
    if (!Array.isArray(turns)) return 'edits.turns must be an array';
    for (const [i, turn] of turns.entries()) {
      if (!isObject(turn)) return `edits.turns[${i}] must be an object {role, text}`;
      if (!TURN_ROLES.includes(turn.role as TurnRole)) {
        return `edits.turns[${i}].role must be one of ${TURN_ROLES.join(', ')} (got ${JSON.stringify(turn.role)})`;
      }
      if (typeof turn.text !== 'string') return `edits.turns[${i}].text must be a string`;
    }
  }
  if (windows !== undefined) {
    if (!Array.isArray(windows)) return 'edits.windows must be an array';
    for (const [i, window] of windows.entries()) {
      if (!isObject(window)) return `edits.windows[${i}] must be an object {start, end}`;
      const { start, end } = window;
      if (typeof start !== 'number' || typeof end !== 'number' || !isFinite(start) || !isFinite(end)) {
        return `edits.windows[${i}] must have finite numeric start and end (seconds)`;
      }
      if (start < 0 || end < start) return `edits.windows[${i}] must satisfy 0 <= start <= end`;
    }
  }
  return undefined;
}

// Copies so later mutation by the caller cannot change what was written.
function pickInput(input: DecisionInput): DecisionInput {
  const picked: DecisionInput = { sampleId: input.sampleId, verdict: input.verdict };
  if (input.edits) {
    const edits: DecisionEdits = {};
    if (input.edits.turns) edits.turns = input.edits.turns.map(({ role, text }) => ({ role, text }));
    if (input.edits.windows) edits.windows = input.edits.windows.map(({ start, end }) => ({ start, end }));
    picked.edits = edits;
  }
  if (input.acceptedDialogues) picked.acceptedDialogues = [...input.acceptedDialogues];
  if (input.note !== undefined) picked.note = input.note;
  return picked;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRevision(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}
