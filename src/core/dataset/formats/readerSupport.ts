// Small pieces every format reader needs: field picking, identity, locations and result wrapping.
import { readJsonRecords, jsonPointer } from '../jsonRecords';
import type { JsonLayout } from '../jsonRecords';
import { problem } from '../problems';
import type { Problem } from '../problems';
import type { SourceLocation, TimeWindow } from '../sample';
import type { FileLayout, ReadResult, SampleDraft } from './formatReader';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isJsonLayout(layout: FileLayout): layout is JsonLayout {
  return layout === 'json-array' || layout === 'json-object' || layout === 'jsonl';
}

// Sorted keys, no whitespace: identical content gives the identical string whatever the key order.
// Walks with an explicit stack: a record nested thousands deep must not overflow the call stack
// (that would end the whole file's reading, not just this record's).
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Literal) out.push(item.text);
    else if (Array.isArray(item)) {
      stack.push(new Literal(']'));
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i]);
        if (i > 0) stack.push(new Literal(','));
      }
      stack.push(new Literal('['));
    } else if (isObject(item)) {
      const keys = Object.keys(item)
        .filter((key) => item[key] !== undefined)
        .sort();
      stack.push(new Literal('}'));
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push(item[keys[i]]);
        stack.push(new Literal(`${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:`));
      }
      stack.push(new Literal('{'));
    } else out.push(JSON.stringify(item) ?? 'null');
  }
  return out.join('');
}

class Literal {
  constructor(readonly text: string) {}
}

// The first of `keys` holding a non-empty string (or a finite number, as text).
export function textField(record: JsonObject, ...keys: string[]): string | undefined {
  return fieldOf(record, keys)?.text;
}

export function fieldOf(
  record: JsonObject,
  keys: readonly string[],
): { key: string; text: string } | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return { key, text: value };
    if (typeof value === 'number' && Number.isFinite(value)) return { key, text: String(value) };
  }
  return undefined;
}

export function numberField(record: JsonObject, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      return Number(value);
  }
  return undefined;
}

// The names records use for their own id, most specific first.
export const ID_KEYS = ['id', 'qid', 'question_id', 'uid', 'sample_id', 'sen_id'] as const;

export function recordIdOf(record: JsonObject, keys: readonly string[] = ID_KEYS) {
  return fieldOf(record, keys);
}

// Human-readable stem: "qid-42" for numeric ids, the id itself otherwise, else the video's name.
export function labelOf(
  id: { key: string; text: string } | undefined,
  videoRef: string | undefined,
  fallback: string,
) {
  if (id) return /^\d+$/.test(id.text) ? `${id.key}-${id.text}` : id.text;
  if (videoRef) return videoStem(videoRef);
  return fallback;
}

export function videoStem(videoRef: string): string {
  const name = videoRef.split(/[\\/]/).pop() ?? videoRef;
  return name.replace(/\.[A-Za-z0-9]{2,4}$/, '') || name;
}

export function normaliseText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function subLocation(location: SourceLocation, ...segments: (string | number)[]): SourceLocation {
  return { ...location, pointer: (location.pointer ?? '') + jsonPointer(...segments) };
}

// A [start, end] pair of finite numbers (numeric strings accepted).
export function parseWindow(value: unknown): TimeWindow | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [start, end] = value.map((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v));
  if (typeof start !== 'number' || typeof end !== 'number') return undefined;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return undefined;
  return { start, end };
}

export function sampleResult(draft: SampleDraft, problems: Problem[]): ReadResult {
  return { kind: 'sample', draft, problems };
}

export function problemResult(found: Problem): ReadResult {
  return { kind: 'problem', problem: found };
}

export function unparsableResult(location: SourceLocation, error: string): ReadResult {
  return problemResult(
    problem('unparsable-record', `This record cannot be parsed: ${error}`, {
      location,
      fix: 'Correct the syntax at this place, or remove the record; the other records are still read.',
    }),
  );
}

export function notAnObjectResult(location: SourceLocation): ReadResult {
  return problemResult(
    problem('invalid-record', 'The record is not a JSON object.', {
      location,
      fix: 'Each record must be an object with the fields of its format; correct or remove it.',
    }),
  );
}

export type RecordBuilder = (
  record: JsonObject,
  location: SourceLocation,
  key: string | number,
) => Iterable<ReadResult>;

// Streams a JSON file and hands each object record to `build`; bad records become problems.
export async function* readJsonObjects(
  path: string,
  layout: FileLayout,
  build: RecordBuilder,
): AsyncGenerator<ReadResult> {
  if (!isJsonLayout(layout)) throw new Error(`a JSON reader cannot read the ${layout} layout`);
  for await (const record of readJsonRecords(path, layout)) {
    if (record.error !== undefined) yield unparsableResult(record.location, record.error);
    else if (!isObject(record.value)) yield notAnObjectResult(record.location);
    else yield* build(record.value, record.location, record.key);
  }
}
