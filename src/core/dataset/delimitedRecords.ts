// CSV/TSV rows as header-keyed records with their line numbers; csv-parse handles quoting, multi-line
// cells, CRLF and the BOM, and we count lines ourselves because its counter drifts on CRLF inside quotes.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import type { SourceLocation } from './sample';

export type DelimitedLayout = 'csv' | 'tsv';

export interface DelimitedRecord {
  // Cells keyed by the header cell, lower-cased and trimmed; absent when `error` is set.
  row?: Record<string, string>;
  error?: string;
  location: SourceLocation;
}

export function delimiterOf(layout: DelimitedLayout): string {
  return layout === 'tsv' ? '\t' : ',';
}

export function normaliseHeader(cells: string[]): string[] {
  return cells.map((cell) => cell.trim().toLowerCase());
}

export async function* readDelimitedRecords(
  path: string,
  layout: DelimitedLayout,
): AsyncGenerator<DelimitedRecord> {
  const input = createReadStream(path, { encoding: 'utf8' });
  const parser = input.pipe(
    parse({
      bom: true,
      delimiter: delimiterOf(layout),
      info: true,
      raw: true,
      relax_column_count: true,
      relax_quotes: true, // stray quotes inside unquoted cells are common in hand-made QA sheets
      skip_empty_lines: true,
    }),
  );
  const lines = new LineCounter();
  let header: string[] | undefined;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const span = lines.advance(raw);
      const location: SourceLocation = {
        file: path,
        line: span.start,
        column: 1,
        endLine: span.end,
        endColumn: span.endColumn,
      };
      if (!header) {
        header = normaliseHeader(record);
        continue;
      }
      if (record.length < header.length) {
        yield {
          error: `row has ${record.length} cells, the header names ${header.length}`,
          location,
        };
        continue;
      }
      // fromEntries defines own properties, so a column named "__proto__" is kept as data.
      const row: Record<string, string> = Object.fromEntries(
        header.map((name, i) => [name, record[i].replace(/\r\n/g, '\n')]),
      );
      yield { row, location };
    }
  } catch (error) {
    const at = lines.next();
    yield {
      error: `${(error as Error).message} (the rest of the file cannot be read)`,
      location: { file: path, line: at, column: 1 },
    };
  } finally {
    input.destroy();
  }
}

// Tracks line numbers across the raw text of consecutive records (CRLF, LF or CR).
class LineCounter {
  private line = 1;
  private pendingCr = false;

  advance(raw: string): { start: number; end: number; endColumn: number } {
    let start: number | undefined;
    let column = 1;
    let end = this.line;
    let endColumn = 1;
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i];
      if (ch === '\n' || ch === '\r') {
        const continuesCrLf = ch === '\n' && this.pendingCr;
        this.pendingCr = ch === '\r';
        if (!continuesCrLf) {
          this.line++;
          column = 1;
        }
        continue;
      }
      this.pendingCr = false;
      start ??= this.line;
      column++;
      end = this.line;
      endColumn = column;
    }
    // A record of line breaks only (no cell text) sits where the counter now is.
    if (start === undefined) return { start: this.line, end: this.line, endColumn: 1 };
    return { start, end, endColumn };
  }

  next(): number {
    return this.line;
  }
}
