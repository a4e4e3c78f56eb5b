// Which analysis frames OCR reads, coarse to fine: every `step`-th frame first, then the frames
// between two read ones only where either showed text. Most clips show no text, so OCR (the
// costliest expert) reads half as many frames there; where text appears or leaves, every frame
// around it is read, so its time span is as sharp as reading every frame would give.
import type { OcrLine } from '../../protocol/inference';

export interface TextReadings {
  /** Rows of the analysis frames that were read, ascending. */
  rows: number[];
  /** The lines read at each of those rows. */
  lines: OcrLine[][];
}

/**
 * `heads[row]` is the first row of the run of near-identical pictures `row` belongs to: one read
 * serves the whole run. `read` gets unique head rows and returns their lines in the same order.
 */
export async function readTextCoarseToFine(
  heads: readonly number[],
  step: number,
  read: (rows: number[]) => Promise<OcrLine[][]>,
): Promise<TextReadings> {
  const count = heads.length;
  const linesOfHead = new Map<number, OcrLine[]>();
  const readRows = async (rows: number[]): Promise<void> => {
    const wanted = [...new Set(rows.map((row) => heads[row]))].filter((head) => !linesOfHead.has(head));
    if (wanted.length === 0) return;
    const lines = await read(wanted);
    wanted.forEach((head, i) => linesOfHead.set(head, lines[i] ?? []));
  };
  const stride = Math.max(1, Math.floor(step));
  const coarse: number[] = [];
  for (let row = 0; row < count; row += stride) coarse.push(row);
  await readRows(coarse);
  const hasText = (row: number) => (linesOfHead.get(heads[row])?.length ?? 0) > 0;
  const fine: number[] = [];
  for (const row of coarse) {
    const next = row + stride;
    if (!hasText(row) && !(next < count && hasText(next))) continue;
    for (let between = row + 1; between < Math.min(next, count); between++) fine.push(between);
  }
  await readRows(fine);
  const rows = [...coarse, ...fine].sort((a, b) => a - b);
  return { rows, lines: rows.map((row) => linesOfHead.get(heads[row]) ?? []) };
}
