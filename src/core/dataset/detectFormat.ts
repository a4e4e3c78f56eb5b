// Decides a file's layout from its first bytes (never its extension) and finds the reader whose
// shape matches; files that are not annotation data get no reader rather than a wrong one.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse/sync';
import { normaliseHeader } from './delimitedRecords';
import type { FileLayout, FileProbe, FormatReader } from './formats/formatReader';
import { FORMAT_READERS, readerFor } from './formats/registry';
import { isObject } from './formats/readerSupport';
import { JsonItemScanner, stripBom } from './recordStream';
import type { JsonItem } from './recordStream';
import type { DatasetFormat } from './sample';

const HEAD_CHARS = 64 * 1024;
// A JSONL file's first line must be seen whole to tell it from a one-line JSON document.
const FIRST_LINE_LIMIT = 4 * 1024 * 1024;
const QA_COLUMN = /question|answer|query|caption|candidates|options/;

// The reader for a probed file: `override` (a format named in config) or the first that detects it.
export function detectFormat(probe: FileProbe, override?: DatasetFormat): FormatReader | undefined {
  if (override !== undefined) {
    const reader = readerFor(override);
    return reader?.layouts.includes(probe.layout) ? reader : undefined;
  }
  return FORMAT_READERS.find((reader) => reader.layouts.includes(probe.layout) && reader.detect(probe));
}

// Undefined for empty and binary files.
export async function probeFile(path: string): Promise<FileProbe | undefined> {
  const prefix = await readPrefix(path);
  const { text } = prefix;
  if (looksBinary(text)) return undefined;
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  const head = text.slice(0, HEAD_CHARS);
  if (text[start] === '[') return jsonProbe(path, head, 'json-array', prefix.firstItem);
  if (text[start] === '{') return braceProbe(path, prefix);
  return delimitedProbe(path, head) ?? textProbe(path, head);
}

// Binary formats (video, archives, databases) show a NUL on their first line, within the first bytes.
// A NUL further on is damage inside a text file (say a torn write padded with zeros): that record
// gets its own problem and the rest of the file is still read.
const BINARY_SNIFF_CHARS = 1024;
function looksBinary(text: string): boolean {
  const at = text.indexOf('\u0000');
  if (at < 0 || at >= BINARY_SNIFF_CHARS) return false;
  const lineEnd = text.search(/[\r\n]/);
  return lineEnd < 0 || at < lineEnd;
}

interface Prefix {
  // BOM stripped.
  text: string;
  eof: boolean;
  // For JSON text: the first array element or object member, when it ends within the prefix.
  firstItem?: JsonItem;
}

// Reads the head, and further (up to a limit) while a JSON file's first record or first line is
// still open, so detection sees one whole record without ever holding a large file.
async function readPrefix(path: string): Promise<Prefix> {
  const handle = await open(path, 'r');
  try {
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.alloc(HEAD_CHARS);
    const scanner = new JsonItemScanner();
    let text = '';
    let firstItem: JsonItem | undefined;
    let scanned = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      const chunk = bytesRead === 0 ? decoder.end() : decoder.write(buffer.subarray(0, bytesRead));
      text = stripBom(text + chunk);
      const json = /^\s*[[{]/.test(text);
      if (json && !firstItem) {
        firstItem = scanner.push(text.slice(scanned))[0];
        scanned = text.length;
      }
      if (bytesRead === 0) return { text, eof: true, firstItem };
      if (text.length >= FIRST_LINE_LIMIT) break;
      if (text.length >= HEAD_CHARS && (!json || (firstItem && !needsWholeFirstLine(text)))) break;
    }
    return { text, eof: false, firstItem };
  } finally {
    await handle.close();
  }
}

function needsWholeFirstLine(text: string): boolean {
  if (!text.trimStart().startsWith('{')) return false;
  const newline = text.indexOf('\n');
  return newline < 0 || text.slice(newline + 1, newline + 4096).trim() === '';
}

function jsonProbe(
  path: string,
  head: string,
  layout: 'json-array' | 'json-object',
  item: JsonItem | undefined,
): FileProbe {
  if (!item || item.error !== undefined) return { path, layout, head };
  if (layout === 'json-array') return { path, layout, head, firstRecord: item.value };
  return {
    path,
    layout,
    head,
    firstKey: String(item.key),
    firstRecord: { key: item.key, value: item.value },
  };
}

// "{" starts both JSON Lines and a JSON document. A first line that parses alone and is followed by
// more text can only be JSONL; a file that is one parsable line is either, so it is JSONL when a
// reader knows the line as a record and a JSON object otherwise.
function braceProbe(path: string, { text, eof, firstItem }: Prefix): FileProbe {
  const head = text.slice(0, HEAD_CHARS);
  const newline = text.indexOf('\n');
  const firstLine = newline >= 0 ? text.slice(0, newline) : eof ? text : undefined;
  const record = firstLine === undefined ? undefined : parseOrUndefined(firstLine);
  if (!isObject(record)) return jsonProbe(path, head, 'json-object', firstItem);
  const asLines: FileProbe = { path, layout: 'jsonl', head, firstRecord: record };
  const onlyLine = eof && (newline < 0 || text.slice(newline + 1).trim() === '');
  if (!onlyLine || detectFormat(asLines)) return asLines;
  return jsonProbe(path, head, 'json-object', firstItem);
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// A header naming question/answer-like columns makes a table; other comma lines are prose.
function delimitedProbe(path: string, head: string): FileProbe | undefined {
  const firstLine = head.split(/\r?\n/, 1)[0];
  const layout: FileLayout | undefined = firstLine.includes('\t')
    ? 'tsv'
    : firstLine.includes(',')
      ? 'csv'
      : undefined;
  if (!layout) return undefined;
  const delimiter = layout === 'tsv' ? '\t' : ',';
  const rows = parseRows(firstLine, delimiter);
  const header = rows?.[0] ? normaliseHeader(rows[0]) : undefined;
  if (!header || header.length < 2 || !header.some((cell) => QA_COLUMN.test(cell))) return undefined;
  const firstRow = parseRows(head.slice(0, head.lastIndexOf('\n') + 1), delimiter)?.[1];
  const firstRecord = firstRow
    ? Object.fromEntries(header.map((name, i) => [name, firstRow[i] ?? '']))
    : undefined;
  return { path, layout, head, header, firstRecord };
}

function parseRows(text: string, delimiter: string): string[][] | undefined {
  try {
    return parse(text, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      to: 2,
    });
  } catch {
    return undefined;
  }
}

function textProbe(path: string, head: string): FileProbe {
  const firstLine = head.split(/\r?\n/).find((line) => line.trim() !== '');
  return { path, layout: 'text-lines', head, firstRecord: firstLine };
}
