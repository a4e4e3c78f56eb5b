// The wordings of UTR dialogue turns, several per kind so a seed can vary them. Slots arrive already
// formatted: times as "2.0 s", boxes as "[0.12, 0.40, 0.25, 0.57]" (normalised), descriptions as
// "the yellow object" / "the text \"HELLO\"". Every variant of a kind states the same facts.

export interface DialogueTemplate<S> {
  question: (slots: S) => string;
  answer: (slots: S) => string;
}

export interface SpaceToTimeSlots {
  box: string;
  time: string;
  first: string;
  last: string;
  /** "moves from the left to the right of the frame", "stays near the centre of the frame". */
  path: string;
}

export const SPACE_TO_TIME: DialogueTemplate<SpaceToTimeSlots>[] = [
  {
    question: (s) =>
      `The object at ${s.box} at ${s.time}: when does it appear and disappear, and where does it go?`,
    answer: (s) => `It appears at ${s.first}, leaves at ${s.last}, and ${s.path}.`,
  },
  {
    question: (s) =>
      `Look at the object at ${s.box} at ${s.time}. When is it first and last seen, and how does it move?`,
    answer: (s) => `It is first seen at ${s.first} and last seen at ${s.last}; it ${s.path}.`,
  },
  {
    question: (s) =>
      `At ${s.time} there is an object at ${s.box}. Over what time span is it visible, and where does it go?`,
    answer: (s) => `From ${s.first} to ${s.last}; it ${s.path}.`,
  },
];

export interface Mover {
  /** Indefinite, capitalised: "A yellow object". */
  description: string;
  from: string;
  to: string;
  /** "between 2.5 s and 3.8 s" when it is seen for only part of the window asked about. */
  during?: string;
}

export interface TimeToSpaceSlots {
  start: string;
  end: string;
  movers: Mover[];
}

const moverSentences = (s: TimeToSpaceSlots): string =>
  s.movers
    .map((m) => `${m.description} moves from ${m.from} to ${m.to}${m.during ? ` ${m.during}` : ''}.`)
    .join(' ');

export const TIME_TO_SPACE: DialogueTemplate<TimeToSpaceSlots>[] = [
  {
    question: (s) => `What moves between ${s.start} and ${s.end}, and where?`,
    answer: moverSentences,
  },
  {
    question: (s) => `Between ${s.start} and ${s.end}, what is moving, and from where to where?`,
    answer: moverSentences,
  },
  {
    question: (s) => `Describe the motion from ${s.start} to ${s.end}: what moves, and where does it go?`,
    answer: moverSentences,
  },
];

export interface TextToTimeSlots {
  text: string;
  /** "from 1.0 s to 3.0 s", one per time the text is on screen. */
  intervals: string[];
}

const intervalList = (s: TextToTimeSlots): string => joinAnd(s.intervals);

export const TEXT_TO_TIME: DialogueTemplate<TextToTimeSlots>[] = [
  {
    question: (s) => `When does the text "${s.text}" appear?`,
    answer: (s) => `${capitalise(intervalList(s))}.`,
  },
  {
    question: (s) => `At what times is the text "${s.text}" on screen?`,
    answer: (s) => `It is on screen ${intervalList(s)}.`,
  },
  {
    question: (s) => `During which part of the video can the text "${s.text}" be read?`,
    answer: (s) => `It can be read ${intervalList(s)}.`,
  },
];

export interface OrderingSlots {
  /** The two, in the order the question names them. */
  a: string;
  b: string;
  /** The one that appears first and its time; then the other. */
  earlier: string;
  earlierTime: string;
  later: string;
  laterTime: string;
  /** Whether `a` is the earlier one. */
  aFirst: boolean;
}

export const ORDERING: DialogueTemplate<OrderingSlots>[] = [
  {
    question: (s) => `Which appears first: ${s.a} or ${s.b}?`,
    answer: (s) =>
      `${capitalise(s.earlier)} appears first, at ${s.earlierTime}; ${s.later} appears at ${s.laterTime}.`,
  },
  {
    question: (s) => `Does ${s.a} appear before or after ${s.b}?`,
    answer: (s) =>
      `${capitalise(s.a)} appears ${s.aFirst ? 'before' : 'after'} ${s.b}: ` +
      `${s.earlier} at ${s.earlierTime}, ${s.later} at ${s.laterTime}.`,
  },
  {
    question: (s) => `Of ${s.a} and ${s.b}, which is seen earlier in the video?`,
    answer: (s) => `${capitalise(s.earlier)}, at ${s.earlierTime}; ${s.later} follows at ${s.laterTime}.`,
  },
];

export interface CountSlots {
  count: number;
  /** What was counted, for answers that list it: `"HELLO" and "WORLD"`. */
  items?: string[];
}

export const COUNT_MOVING: DialogueTemplate<CountSlots>[] = [
  {
    question: () => 'How many distinct moving objects appear?',
    answer: (s) => `${capitalise(numberWord(s.count))} moving ${plural(s.count, 'object', 'objects')}.`,
  },
  {
    question: () => 'How many different objects move in the video?',
    answer: (s) =>
      `${s.count === 1 ? 'There is' : 'There are'} ${numberWord(s.count)} moving ${plural(s.count, 'object', 'objects')}.`,
  },
];

export const COUNT_TEXTS: DialogueTemplate<CountSlots>[] = [
  {
    question: () => 'How many different texts appear on screen?',
    answer: (s) => `${capitalise(numberWord(s.count))}: ${joinAnd(s.items ?? [])}.`,
  },
  {
    question: () => 'How many distinct pieces of text are shown in the video?',
    answer: (s) => `${capitalise(numberWord(s.count))} (${joinAnd(s.items ?? [])}).`,
  },
];

export const COUNT_SHOTS: DialogueTemplate<CountSlots>[] = [
  {
    question: () => 'How many shots does the video have?',
    answer: (s) =>
      s.count === 1 ? 'One: it is a single continuous shot.' : `${capitalise(numberWord(s.count))} shots.`,
  },
  {
    question: () => 'How many times does the video cut to a new shot?',
    answer: (s) =>
      s.count === 1
        ? 'Never: it is a single continuous shot.'
        : `${s.count === 2 ? 'Once' : `${capitalise(numberWord(s.count - 1))} times`}, so it has ${numberWord(s.count)} shots.`,
  },
];

export interface DescriptionSlots {
  caption: string;
}

export const DESCRIPTION: DialogueTemplate<DescriptionSlots>[] = [
  { question: () => 'Describe the video.', answer: (s) => s.caption },
  { question: () => 'What happens in this video?', answer: (s) => s.caption },
  { question: () => 'Give a short description of the video.', answer: (s) => s.caption },
];

// ---------- Words ----------

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

export function numberWord(n: number): string {
  return NUMBER_WORDS[n] ?? String(n);
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "a" or "an" before a word, by its first letter. */
export function indefinite(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
