// Every sample is shown and exported as LLaVA-style turns; formats that carry no conversation are
// rendered through these templates so the same text always comes out for the same annotation:
//
//   grounding      human: <video>\nWhen does "{sentence}" happen in the video?
//                  gpt:   From {s} to {e} seconds.   (several windows: "From a to b seconds and from c to d seconds.")
//   multiple-choice human: <video>\n{question}\nA. {option}\nB. {option}...\nAnswer with the option's letter.
//                  gpt:   {letter}. {option}          (only when the answer is known)
//   caption        human: <video>\nDescribe the video briefly.
//                  gpt:   {caption}
//
// Seconds are printed with at most three decimals and no trailing zeros (24.3, 30, 4.796).
import type { TimeWindow, Turn, TurnRole } from './sample';

export const VIDEO_TOKEN = '<video>';

export function groundingQuestion(sentence: string): string {
  return `${VIDEO_TOKEN}\nWhen does "${sentence}" happen in the video?`;
}

// The sentence back out of a grounding question (after edits); undefined when the turns do not ask one.
export function queryFromGroundingTurns(turns: readonly Turn[]): string | undefined {
  const question = turns.find((turn) => turn.role === 'human');
  const match =
    question && /^<video>\s*When does "([\s\S]*)" happen in the video\?\s*$/.exec(question.text.trim());
  return match ? match[1] : undefined;
}

export function groundingAnswer(windows: readonly TimeWindow[]): string {
  const spans = windows.map((w) => `${formatSeconds(w.start)} to ${formatSeconds(w.end)} seconds`);
  return `From ${spans.join(' and from ')}.`;
}

export function groundingTurns(sentence: string, windows: readonly TimeWindow[]): Turn[] {
  const turns: Turn[] = [{ role: 'human', text: groundingQuestion(sentence) }];
  if (windows.length > 0) turns.push({ role: 'gpt', text: groundingAnswer(windows) });
  return turns;
}

export function multipleChoiceTurns(
  question: string,
  options: readonly string[],
  answerIndex?: number,
): Turn[] {
  const listed = options.map((option, i) => `${optionLetter(i)}. ${option}`).join('\n');
  const turns: Turn[] = [
    { role: 'human', text: `${VIDEO_TOKEN}\n${question}\n${listed}\nAnswer with the option's letter.` },
  ];
  if (answerIndex !== undefined && answerIndex < options.length) {
    turns.push({ role: 'gpt', text: `${optionLetter(answerIndex)}. ${options[answerIndex]}` });
  }
  return turns;
}

export function captionTurns(caption: string): Turn[] {
  return [
    { role: 'human', text: `${VIDEO_TOKEN}\nDescribe the video briefly.` },
    { role: 'gpt', text: caption },
  ];
}

export function optionLetter(index: number): string {
  return String.fromCharCode(65 + index);
}

// 24.3 not 24.299999999999997, 30 not 30.000.
export function formatSeconds(seconds: number): string {
  const rounded = Number(seconds.toFixed(3));
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

// Speaker names seen in the wild: LLaVA's from (human/gpt), ShareGPT/OpenAI roles (user/assistant).
const ROLES: Record<string, TurnRole> = {
  human: 'human',
  user: 'human',
  gpt: 'gpt',
  assistant: 'gpt',
  system: 'system',
};

export function turnRole(speaker: string): TurnRole | undefined {
  const key = speaker.trim().toLowerCase();
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  return Object.hasOwn(ROLES, key) ? ROLES[key] : undefined;
}
