// Test kit: write a file, detect and read it, and collect what came out.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { detectFormat, probeFile } from '../../../src/core/dataset/detectFormat';
import type {
  FileLayout,
  FileProbe,
  FormatReader,
  SampleDraft,
} from '../../../src/core/dataset/formats/formatReader';
import type { Problem } from '../../../src/core/dataset/problems';
import { tempFolder } from '../../helpers/tempFolder';

export interface ReadOutcome {
  probe?: FileProbe;
  reader?: FormatReader;
  drafts: SampleDraft[];
  /** Problems attached to samples and standalone ones, in reading order. */
  problems: Problem[];
  /** Standalone problems only (records that produced no sample). */
  recordProblems: Problem[];
}

export async function writeTemp(t: TestContext, name: string, content: string | Buffer): Promise<string> {
  const folder = await tempFolder(t, 'vc-formats-');
  const path = join(folder, name);
  await writeFile(path, content);
  return path;
}

export async function readWith(reader: FormatReader, path: string, layout: FileLayout): Promise<ReadOutcome> {
  const outcome: ReadOutcome = { reader, drafts: [], problems: [], recordProblems: [] };
  for await (const result of reader.read(path, layout)) {
    if (result.kind === 'sample') {
      outcome.drafts.push(result.draft);
      outcome.problems.push(...result.problems);
    } else {
      outcome.problems.push(result.problem);
      outcome.recordProblems.push(result.problem);
    }
  }
  return outcome;
}

/** Probes, detects and reads; drafts stay empty when no reader claims the file. */
export async function detectAndRead(path: string): Promise<ReadOutcome> {
  const probe = await probeFile(path);
  const reader = probe && detectFormat(probe);
  if (!probe || !reader) return { probe, reader, drafts: [], problems: [], recordProblems: [] };
  return { ...(await readWith(reader, path, probe.layout)), probe };
}

/** Writes `content` to a temp file named `name`, then detects and reads it. */
export async function readTemp(t: TestContext, name: string, content: string): Promise<ReadOutcome> {
  return detectAndRead(await writeTemp(t, name, content));
}

export function codes(problems: readonly Problem[]): string[] {
  return problems.map((p) => p.code);
}

export function jsonl(records: readonly unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n') + '\n';
}
