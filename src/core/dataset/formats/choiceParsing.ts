// Multiple-choice benchmarks spell options and answers a dozen ways; this turns them into
// {question, options, answerIndex} so every one renders and validates the same.
import type { MultipleChoice } from '../sample';
import { optionLetter } from '../turnTemplates';
import type { JsonObject } from './readerSupport';

const OPTION_LINE = /^\s*(?:\(([A-Z])\)|([A-Z])[.):])\s*(.*)$/;
const ANSWER_KEYS = ['answer', 'correct_choice', 'answer_number', 'answer_index', 'answer_idx'] as const;

export interface ParsedChoice {
  choice: MultipleChoice;
  // The answer as the record gives it, for the invalid-answer message.
  answer: unknown;
}

// Undefined when the record names no options anywhere.
export function parseChoice(record: JsonObject, question: string): ParsedChoice | undefined {
  const inline = splitInlineOptions(question);
  const columns = columnOptions(record);
  const options = listOptions(record.options) ?? listOptions(record.candidates) ?? columns ?? inline.options;
  if (!options || options.length === 0) return undefined;
  const answerKey = ANSWER_KEYS.find(
    (key) => record[key] !== undefined && record[key] !== null && record[key] !== '',
  );
  const answer = answerKey ? record[answerKey] : undefined;
  // NExT-QA's a0..a4 and fields like correct_choice count from 0; a bare "2" elsewhere may be option text.
  const indexFirst = answerKey !== 'answer' || columns !== undefined;
  const answerIndex = answer === undefined ? undefined : resolveAnswer(answer, options, indexFirst);
  return { choice: { question: inline.question, options, answerIndex }, answer };
}

// Splits trailing "(A) x" / "A. x" lines off a question; the question is returned without them.
export function splitInlineOptions(question: string): { question: string; options?: string[] } {
  const lines = question.replace(/\r\n/g, '\n').split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  let first = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = OPTION_LINE.exec(lines[i]);
    if (!match) break;
    first = i;
  }
  const candidate = lines.slice(first).map((line) => OPTION_LINE.exec(line)!);
  const sequential = candidate.length >= 2 && candidate.every((m, i) => (m[1] ?? m[2]) === optionLetter(i));
  if (!sequential || first === 0) return { question: question.trim() };
  const rest = lines.slice(0, first);
  if (rest.length > 1 && /^\s*(options|choices)\s*:?\s*$/i.test(rest[rest.length - 1])) rest.pop();
  return { question: rest.join('\n').trim(), options: candidate.map((m) => m[3].trim()) };
}

// Options as an array, or a Python/JSON list literal in a string; "A. " prefixes are dropped.
export function listOptions(value: unknown): string[] | undefined {
  let items: unknown[] | undefined;
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string' && value.trim().startsWith('[')) items = parsePythonList(value);
  if (!items || items.length === 0) return undefined;
  if (!items.every((item) => typeof item === 'string' || typeof item === 'number')) return undefined;
  return stripLetters(items.map((item) => String(item).trim()));
}

function columnOptions(record: JsonObject): string[] | undefined {
  const options: string[] = [];
  for (let i = 0; i < 26; i++) {
    const value = record[`a${i}`];
    // Only text and numbers are options: String() of an object can run (or fail on) its own toString.
    const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
    if (text === '') break;
    options.push(text);
  }
  return options.length > 0 ? options : undefined;
}

function stripLetters(options: string[]): string[] {
  const matches = options.map((option) => OPTION_LINE.exec(option));
  const lettered = matches.every((m, i) => m !== null && (m[1] ?? m[2]) === optionLetter(i));
  return lettered ? matches.map((m) => m![3].trim()) : options;
}

// 0-based option index for an answer given as index, letter, "A. text" or the option text.
export function resolveAnswer(
  answer: unknown,
  options: readonly string[],
  indexFirst: boolean,
): number | undefined {
  const inRange = (i: number) => (Number.isInteger(i) && i >= 0 && i < options.length ? i : undefined);
  if (typeof answer === 'number') return inRange(answer);
  if (typeof answer !== 'string') return undefined;
  const text = answer.trim();
  if (indexFirst && /^\d+$/.test(text)) return inRange(Number(text));
  const byText = options.findIndex((option) => sameText(option, text));
  if (byText >= 0) return byText;
  const letter = /^\(?([A-Za-z])\)?[.):]?$/.exec(text) ?? /^\(?([A-Z])[.):]\s+\S/.exec(text);
  if (letter) return inRange(letter[1].toUpperCase().charCodeAt(0) - 65);
  if (/^\d+$/.test(text)) return inRange(Number(text));
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().replace(/\.$/, '').toLowerCase();
  return norm(a) === norm(b);
}

// Python's repr of a list of strings: ['a', "it's"], with backslash escapes.
export function parsePythonList(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // not JSON; fall through to the Python literal
  }
  const items: string[] = [];
  let i = text.indexOf('[') + 1;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  skipSpace();
  if (text[i] === ']') return items;
  while (i < text.length) {
    skipSpace();
    const quote = text[i];
    if (quote !== "'" && quote !== '"') return undefined;
    let item = '';
    for (i++; i < text.length && text[i] !== quote; i++) {
      if (text[i] === '\\' && i + 1 < text.length) {
        i++;
        item += ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[text[i]] ?? text[i];
      } else item += text[i];
    }
    if (text[i] !== quote) return undefined;
    items.push(item);
    i++;
    skipSpace();
    if (text[i] === ']') return items;
    if (text[i] !== ',') return undefined;
    i++;
  }
  return undefined;
}
