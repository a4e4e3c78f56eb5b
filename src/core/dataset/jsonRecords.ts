// One stream of JSON records for every JSON layout, each with the exact place it came from, so readers
// never care whether a dataset is an array, an object keyed by video, or JSON Lines.
import { readJsonItems, readLines } from './recordStream';
import type { SourceLocation } from './sample';

export type JsonLayout = 'json-array' | 'json-object' | 'jsonl';

export interface JsonRecord {
  // Array index, object key, or (for JSONL) the 0-based index among non-blank lines.
  key: number | string;
  // The parsed value; absent when `error` is set.
  value?: unknown;
  error?: string;
  location: SourceLocation;
}

export async function* readJsonRecords(path: string, layout: JsonLayout): AsyncGenerator<JsonRecord> {
  if (layout === 'jsonl') {
    yield* readJsonLines(path);
    return;
  }
  for await (const item of readJsonItems(path)) {
    const location: SourceLocation = {
      file: path,
      line: item.start.line,
      column: item.start.column,
      endLine: item.end.line,
      endColumn: item.end.column,
      pointer: jsonPointer(item.key),
    };
    yield item.error === undefined
      ? { key: item.key, value: item.value, location }
      : { key: item.key, error: item.error, location };
  }
}

async function* readJsonLines(path: string): AsyncGenerator<JsonRecord> {
  let index = 0;
  for await (const { text, line } of readLines(path)) {
    const first = text.search(/\S/);
    if (first < 0) continue; // blank lines separate nothing in JSONL; skipping them is what loaders do
    const location: SourceLocation = {
      file: path,
      line,
      column: first + 1,
      endLine: line,
      endColumn: text.trimEnd().length + 1,
    };
    const key = index++;
    try {
      yield { key, value: JSON.parse(text), location };
    } catch (error) {
      yield { key, error: describeParseError(error), location };
    }
  }
}

// V8 reports "... at position N" within the line; turn that into a column the user can jump to.
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  if (!position) return message;
  return `${message.replace(/\s*(in JSON )?at position \d+.*$/, '')} (column ${Number(position[1]) + 1})`;
}

// RFC 6901 pointer from path segments.
export function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
