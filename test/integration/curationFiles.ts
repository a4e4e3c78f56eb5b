// Reads what the extension leaves on disk in a dataset folder, for the real-VS Code tests: the
// decisions journal, the analysis results and the LLaVA export with its report. Read straight from
// the files (not through src/core) so the tests check the formats a person or a trainer reads.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One line of `.video-curator/decisions.jsonl`, as far as the tests look. */
export interface JournalLine {
  sampleId: string;
  verdict: 'accept' | 'reject' | 'edit' | 'pending';
  rev: number;
  edits?: { turns?: { role: string; text: string }[]; windows?: { start: number; end: number }[] };
  acceptedDialogues?: string[];
  undoOf?: number;
}

export interface LlavaLine {
  id: string;
  video: string;
  conversations: { from: string; value: string }[];
}

type ReviewState = JournalLine['verdict'] | 'unreviewed';

export interface ExportReportFile {
  settings: { format: string; includePending: boolean };
  outputs: { path: string; format: string; samples: number }[];
  exported: number;
  byVerdict: Record<ReviewState, number>;
  missingDialogues: { sampleId: string; dialogueId: string }[];
  warnings: string[];
}

export interface DialogueTurn {
  role: 'human' | 'gpt';
  text: string;
}

export const journalPath = (dataset: string): string => join(dataset, '.video-curator', 'decisions.jsonl');
export const exportPath = (dataset: string): string =>
  join(dataset, '.video-curator', 'export', 'curated.jsonl');

/** Every line of the journal, in file order; none when it does not exist yet. */
export function readJournal(dataset: string): JournalLine[] {
  return readJsonl<JournalLine>(journalPath(dataset));
}

/** Each sample's latest verdict (the last line for it; the tests never undo, so no undo lines). */
export function latestVerdicts(lines: readonly JournalLine[]): Map<string, JournalLine> {
  const latest = new Map<string, JournalLine>();
  for (const line of lines) {
    assertNoUndo(line);
    const previous = latest.get(line.sampleId);
    if (!previous || line.rev >= previous.rev) latest.set(line.sampleId, line);
  }
  return latest;
}

export function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The turns of a generated dialogue, from the analysis results the extension wrote. */
export function generatedDialogue(dataset: string, dialogueId: string): DialogueTurn[] | undefined {
  const results = JSON.parse(readFileSync(join(dataset, '.video-curator', 'results.json'), 'utf8')) as {
    clips: { dialogues?: { id: string; turns: DialogueTurn[] }[] }[];
  };
  for (const clip of results.clips)
    for (const dialogue of clip.dialogues ?? []) if (dialogue.id === dialogueId) return dialogue.turns;
  return undefined;
}

function assertNoUndo(line: JournalLine): void {
  if (line.undoOf !== undefined)
    throw new Error(`unexpected undo line in the journal (rev ${line.rev} of ${line.sampleId})`);
}
