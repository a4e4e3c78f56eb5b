// Streaming readers that hand out one record at a time with its exact source position,
// so a 100k-record file indexes in bounded memory and every problem can point at file:line:col.
import { createReadStream } from 'node:fs';

export interface TextLine {
  text: string;
  /** 1-based. */
  line: number;
}

/**
 * Lines of a text file, BOM stripped. A line ends at LF, CRLF or a lone CR (as node:readline splits
 * with crlfDelay: Infinity); a last line without a line break is still a line. Split by hand on
 * whole chunks rather than through readline, whose per-line events cost more than the parsing.
 */
export async function* readLines(path: string): AsyncGenerator<TextLine> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  const breaks = /\r\n|\n|\r/g;
  let line = 0;
  // The current line's text so far, in pieces: joined once when its break arrives, so a line of
  // many chunks costs its length, not its length times its chunk count.
  let pieces: string[] = [];
  // The last chunk ended in CR, which ended a line: an LF opening this chunk belongs to that break.
  let afterCr = false;
  const emit = (tail: string): TextLine => {
    const raw = pieces.length ? pieces.join('') + tail : tail;
    pieces = [];
    line++;
    return { text: line === 1 ? stripBom(raw) : raw, line };
  };
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      let start = afterCr && chunk.startsWith('\n') ? 1 : 0;
      afterCr = false;
      breaks.lastIndex = start;
      const lines: TextLine[] = [];
      for (let found = breaks.exec(chunk); found; found = breaks.exec(chunk)) {
        lines.push(emit(chunk.slice(start, found.index)));
        start = breaks.lastIndex;
        if (found[0] === '\r' && start === chunk.length) afterCr = true;
      }
      if (start < chunk.length) pieces.push(chunk.slice(start));
      yield* lines;
    }
    // A last line without a line break is still a line.
    if (pieces.length) yield emit('');
  } finally {
    input.destroy();
  }
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export interface Position {
  line: number;
  column: number;
}

/** One element of a top-level JSON array, or one member of a top-level JSON object. */
export interface JsonItem {
  /** Array index, or object key. */
  key: number | string;
  /** The parsed value; absent when `error` is set. */
  value?: unknown;
  error?: string;
  start: Position;
  /** Position just after the value's last character. */
  end: Position;
}

export type JsonContainer = 'array' | 'object';

/**
 * Streams the items of a top-level JSON array or object. Each item is parsed on its own, so a
 * malformed item is reported (with its position) and the scan goes on to the next one.
 * Structural errors that make further items unreadable end the stream with one error item.
 */
export async function* readJsonItems(
  path: string,
  onContainer?: (container: JsonContainer) => void,
): AsyncGenerator<JsonItem> {
  const scanner = new JsonItemScanner();
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  try {
    let first = true;
    for await (const chunk of input as AsyncIterable<string>) {
      const items = scanner.push(first ? stripBom(chunk) : chunk);
      first = false;
      if (scanner.container && onContainer) {
        onContainer(scanner.container);
        onContainer = undefined;
      }
      yield* items;
    }
    yield* scanner.finish();
  } finally {
    input.destroy();
  }
}

type ScanState =
  | 'start' // before the top-level container
  | 'beforeItem' // inside the container, expecting a key (object) or value (array) or the close
  | 'inKey' // reading an object key string
  | 'afterKey' // expecting ':'
  | 'beforeValue' // expecting the value
  | 'inValue' // reading a value (possibly nested)
  | 'afterItem' // expecting ',' or the close
  | 'done';

/** Incremental scanner over text chunks; exported for tests. */
export class JsonItemScanner {
  container: JsonContainer | undefined;
  private state: ScanState = 'start';
  private line = 1;
  private column = 1;
  private depth = 0; // nesting inside the current value
  private inString = false;
  private escaped = false;
  private parts: string[] = [];
  private keyParts: string[] = [];
  private index = 0;
  private key: string | number = 0;
  private start: Position = { line: 1, column: 1 };
  private scalar = false; // current value is a bare literal (number, true, null...)
  private failed = false;

  push(chunk: string): JsonItem[] {
    const out: JsonItem[] = [];
    // Not on 'done': text after the end must fail the same whichever chunk it arrives in.
    if (this.failed) return out;
    let valueFrom = this.state === 'inValue' ? 0 : -1;
    let keyFrom = this.state === 'inKey' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i];
      switch (this.state) {
        case 'start':
          if (isSpace(ch)) break;
          if (ch === '[') this.container = 'array';
          else if (ch === '{') this.container = 'object';
          else return this.fail(out, `expected '[' or '{' at the top level, found '${ch}'`);
          this.state = 'beforeItem';
          break;
        case 'beforeItem':
        case 'beforeValue':
          if (isSpace(ch)) break;
          if (this.state === 'beforeItem' && ch === (this.container === 'array' ? ']' : '}')) {
            this.state = 'done';
            break;
          }
          if (this.state === 'beforeItem' && this.container === 'object') {
            if (ch !== '"') return this.fail(out, `expected a property name, found '${ch}'`);
            this.state = 'inKey';
            this.keyParts = [];
            keyFrom = i;
            this.inString = true;
            this.escaped = false;
            this.advance(ch);
            continue; // the opening quote must not be seen again as a closing one
          }
          // A value begins.
          if (this.container === 'array' && this.state === 'beforeItem') this.key = this.index;
          this.state = 'inValue';
          this.start = { line: this.line, column: this.column };
          this.parts = [];
          valueFrom = i;
          this.depth = 0;
          this.scalar = false;
          if (ch === '{' || ch === '[') this.depth = 1;
          else if (ch === '"') this.inString = true;
          else this.scalar = true;
          this.escaped = false;
          this.advance(ch);
          continue;
        case 'inKey':
          if (this.escaped) this.escaped = false;
          else if (ch === '\\') this.escaped = true;
          else if (ch === '"') {
            this.keyParts.push(chunk.slice(keyFrom, i + 1));
            keyFrom = -1;
            this.inString = false;
            try {
              this.key = JSON.parse(this.keyParts.join('')) as string;
            } catch {
              return this.fail(out, 'malformed property name');
            }
            this.state = 'afterKey';
          }
          break;
        case 'afterKey':
          if (isSpace(ch)) break;
          if (ch !== ':') return this.fail(out, `expected ':' after property "${String(this.key)}"`);
          this.state = 'beforeValue';
          break;
        case 'inValue': {
          if (this.scalar) {
            if (ch === ',' || ch === ']' || ch === '}' || isSpace(ch)) {
              this.parts.push(chunk.slice(valueFrom, i));
              valueFrom = -1;
              out.push(this.emit(this.position()));
              this.state = 'afterItem';
              i--; // re-read the delimiter in afterItem (column not advanced below)
              continue;
            }
            break;
          }
          if (!this.escaped) {
            // Fast-forward over characters that only move the column (most of a record's text),
            // stopping at anything the state machine or the line count must see.
            let j = i;
            if (this.inString) {
              while (j < chunk.length && !isStringStop(chunk.charCodeAt(j))) j++;
            } else {
              while (j < chunk.length && !isValueStop(chunk.charCodeAt(j))) j++;
            }
            if (j > i) {
              this.column += j - i;
              i = j - 1; // the loop's i++ lands on the stop character
              continue;
            }
          }
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (ch === '\\') this.escaped = true;
            else if (ch === '"') {
              this.inString = false;
              if (this.depth === 0) {
                this.parts.push(chunk.slice(valueFrom, i + 1));
                valueFrom = -1;
                this.advance(ch);
                out.push(this.emit(this.position()));
                this.state = 'afterItem';
                continue;
              }
            }
            break;
          }
          if (ch === '"') this.inString = true;
          else if (ch === '{' || ch === '[') this.depth++;
          else if (ch === '}' || ch === ']') {
            this.depth--;
            if (this.depth === 0) {
              this.parts.push(chunk.slice(valueFrom, i + 1));
              valueFrom = -1;
              this.advance(ch);
              out.push(this.emit(this.position()));
              this.state = 'afterItem';
              continue;
            }
          }
          break;
        }
        case 'afterItem':
          if (isSpace(ch)) break;
          if (ch === ',') {
            if (this.container === 'array') this.index++;
            this.state = 'beforeItem';
          } else if (ch === (this.container === 'array' ? ']' : '}')) {
            this.state = 'done';
          } else {
            return this.fail(out, `expected ',' or the end of the ${this.container}, found '${ch}'`);
          }
          break;
        case 'done':
          if (!isSpace(ch)) return this.fail(out, `unexpected '${ch}' after the end of the document`);
          break;
      }
      this.advance(ch);
    }
    if (valueFrom >= 0) this.parts.push(chunk.slice(valueFrom));
    if (keyFrom >= 0) this.keyParts.push(chunk.slice(keyFrom));
    return out;
  }

  finish(): JsonItem[] {
    if (this.failed || this.state === 'done') return [];
    const out: JsonItem[] = [];
    if (this.state === 'inValue' && this.scalar) {
      out.push(this.emit(this.position()));
    }
    const what = this.state === 'start' ? 'the file is empty' : 'the file ends before the JSON is complete';
    const at = this.position();
    out.push({ key: this.key, error: `${what} (truncated file?)`, start: at, end: at });
    this.failed = true;
    return out;
  }

  private emit(end: Position): JsonItem {
    const text = this.parts.join('');
    this.parts = [];
    try {
      return { key: this.key, value: JSON.parse(text), start: this.start, end };
    } catch (error) {
      return { key: this.key, error: (error as Error).message, start: this.start, end };
    }
  }

  private fail(out: JsonItem[], message: string): JsonItem[] {
    const at = this.position();
    out.push({ key: this.key, error: message, start: at, end: at });
    this.failed = true;
    return out;
  }

  private position(): Position {
    return { line: this.line, column: this.column };
  }

  private advance(ch: string): void {
    if (ch === '\n') {
      this.line++;
      this.column = 1;
    } else if (ch !== '\r') {
      this.column++;
    }
  }
}

// Inside a string: the closing quote, an escape, and line breaks (for the position; invalid there).
function isStringStop(code: number): boolean {
  return code === 0x22 || code === 0x5c || code === 0x0a || code === 0x0d;
}

// Outside strings, within a value: quotes, brackets and braces, and line breaks.
function isValueStop(code: number): boolean {
  return (
    code === 0x22 ||
    code === 0x7b ||
    code === 0x7d ||
    code === 0x5b ||
    code === 0x5d ||
    code === 0x0a ||
    code === 0x0d
  );
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t';
}
