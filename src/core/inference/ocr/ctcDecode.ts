// Greedy CTC decoding of the PP-OCR recogniser's output, as PaddleOCR's CTCLabelDecode: the most
// likely class per time step, repeats collapsed, blanks removed; the score is the mean probability of
// the characters kept.

export interface DecodedText {
  text: string;
  /** Mean probability of the kept characters; 0 when nothing was read. */
  score: number;
}

/**
 * The recogniser's classes from a PaddleOCR dictionary file (one character per line): class 0 is the
 * CTC blank, then the file's characters, then a space (PaddleOCR's use_space_char, on for PP-OCRv4).
 */
export function loadDictionary(fileText: string): string[] {
  const lines = fileText.split(/\r?\n/);
  // A trailing newline leaves one empty last entry that is not a character.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return ['', ...lines, ' '];
}

/**
 * Decodes `count` sequences of `steps` x `classes` probabilities (row-major, as the recogniser's
 * softmax output [count, steps, classes]).
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  count: number,
  steps: number,
  classes: number,
  dictionary: readonly string[],
): DecodedText[] {
  if (probs.length !== count * steps * classes) {
    throw new Error(`CTC output has ${probs.length} values, expected ${count} x ${steps} x ${classes}`);
  }
  if (dictionary.length !== classes) {
    throw new Error(
      `the recogniser has ${classes} classes but the dictionary gives ${dictionary.length} ` +
        '(blank + characters + space): the model and ppocr_keys file do not belong together',
    );
  }
  const results: DecodedText[] = [];
  for (let n = 0; n < count; n++) {
    let text = '';
    let sum = 0;
    let kept = 0;
    let previous = -1;
    for (let t = 0; t < steps; t++) {
      const base = (n * steps + t) * classes;
      let best = 0;
      let bestProb = probs[base];
      for (let c = 1; c < classes; c++) {
        const p = probs[base + c];
        if (p > bestProb) {
          bestProb = p;
          best = c;
        }
      }
      if (best !== 0 && best !== previous) {
        text += dictionary[best];
        sum += bestProb;
        kept++;
      }
      previous = best;
    }
    results.push({ text, score: kept ? sum / kept : 0 });
  }
  return results;
}
