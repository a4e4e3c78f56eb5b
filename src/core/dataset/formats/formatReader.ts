// The contract every annotation format implements: stream a file into sample drafts and problems.
import type { Problem } from '../problems';
import type { DatasetFormat, Sample, SourceLocation } from '../sample';

/** How the file's text is laid out; found by sniffing content, not by extension. */
export type FileLayout = 'json-array' | 'json-object' | 'jsonl' | 'text-lines' | 'csv' | 'tsv';

/** What detection learned from the head of a file; handed to every reader's `detect`. */
export interface FileProbe {
  path: string;
  layout: FileLayout;
  /** First ~64 KiB of text, BOM stripped. */
  head: string;
  /** First parsed record: array element, JSONL line, or object member `{key, value}`. */
  firstRecord?: unknown;
  /** For object layouts: the first member's key. */
  firstKey?: string;
  /** For csv/tsv: header cells, lower-cased and trimmed. */
  header?: string[];
}

/** A sample before the index assigns its stable id and resolves its video. */
export interface SampleDraft extends Omit<Sample, 'id' | 'video'> {
  /**
   * What identifies the record within its file, hashed into the stable id: the record's own id
   * when it has one, else a canonical rendering of its content (never its position).
   */
  identity: string;
  /** Human-readable stem for the id ("AO8RW", "qid-42"). */
  label: string;
}

export type ReadResult =
  { kind: 'sample'; draft: SampleDraft; problems: Problem[] } | { kind: 'problem'; problem: Problem };

export interface FormatReader {
  format: DatasetFormat;
  layouts: readonly FileLayout[];
  /** True when the probe's content has this format's shape. */
  detect(probe: FileProbe): boolean;
  /** Streams the file. Must not throw for bad records: yield problems and go on. */
  read(path: string, layout: FileLayout): AsyncGenerator<ReadResult>;
}

export type { SourceLocation };
