// A sample as the annotator left it: edits applied, accepted generated dialogues appended.
import type { Decision } from '../curation/decision';
import type { Sample, TimeWindow, Turn } from '../dataset/sample';
import { groundingTurns, queryFromGroundingTurns } from '../dataset/turnTemplates';

/** Finds the turns of a generated dialogue by id; undefined when it no longer exists. */
export type DialogueLookup = (sampleId: string, dialogueId: string) => Turn[] | undefined;

export interface CuratedSample {
  sample: Sample;
  turns: Turn[];
  windows?: TimeWindow[];
  /** The sentence the windows annotate, after edits. */
  query?: string;
  missingDialogues: string[];
}

export function curatedSample(
  sample: Sample,
  decision: Decision | undefined,
  dialogues?: DialogueLookup,
): CuratedSample {
  const edits = decision?.edits;
  const windows = edits?.windows ?? sample.windows;
  let query = sample.query;
  let turns = sample.turns;
  if (edits?.turns) {
    turns = edits.turns;
    if (sample.query !== undefined) query = queryFromGroundingTurns(edits.turns) ?? sample.query;
  } else if (edits?.windows && sample.query !== undefined && edits.windows.length > 0) {
    // The answer turn states the window; keep it in step with the edited timestamps.
    turns = groundingTurns(sample.query, edits.windows);
  }
  const missingDialogues: string[] = [];
  const extra: Turn[] = [];
  for (const dialogueId of decision?.acceptedDialogues ?? []) {
    const dialogue = dialogues?.(sample.id, dialogueId);
    if (!dialogue) missingDialogues.push(dialogueId);
    // One <video> token per conversation: appended turns refer to the same video.
    else extra.push(...dialogue.map((t) => ({ ...t, text: t.text.replace(/<video>\s*/g, '') })));
  }
  return { sample, turns: [...turns, ...extra], windows, query, missingDialogues };
}
