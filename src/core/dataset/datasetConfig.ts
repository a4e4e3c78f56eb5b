// The optional `video-curator.json` in a dataset folder: where videos live, per-file format overrides.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { problem } from './problems';
import type { Problem } from './problems';
import { ALL_FORMATS } from './sample';
import type { DatasetFormat } from './sample';

export const CONFIG_FILE_NAME = 'video-curator.json';

export interface DatasetConfig {
  /** Folders searched for videos, relative to the dataset folder (or absolute). */
  videoRoots: string[];
  /** Annotation file (relative path, forward slashes) → format, bypassing detection. */
  formats: Record<string, DatasetFormat>;
  /** Relative paths (files or folders) the index skips. */
  exclude: string[];
}

export const EMPTY_CONFIG: DatasetConfig = { videoRoots: [], formats: {}, exclude: [] };

export async function loadDatasetConfig(
  folder: string,
): Promise<{ config: DatasetConfig; problems: Problem[] }> {
  const file = join(folder, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { config: EMPTY_CONFIG, problems: [] };
    return {
      config: EMPTY_CONFIG,
      problems: [configProblem(file, `cannot read: ${(error as Error).message}`)],
    };
  }
  return parseDatasetConfig(text, file);
}

export function parseDatasetConfig(
  text: string,
  file: string,
): { config: DatasetConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      config: EMPTY_CONFIG,
      problems: [configProblem(file, `not valid JSON: ${(error as Error).message}`)],
    };
  }
  if (!isObject(raw))
    return { config: EMPTY_CONFIG, problems: [configProblem(file, 'must be a JSON object')] };
  const config: DatasetConfig = { videoRoots: [], formats: {}, exclude: [] };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'videoRoots' || key === 'exclude') {
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) config[key] = value;
      else problems.push(configProblem(file, `"${key}" must be an array of strings`));
    } else if (key === 'formats') {
      if (!isObject(value)) {
        problems.push(configProblem(file, '"formats" must map file paths to format names'));
        continue;
      }
      for (const [path, format] of Object.entries(value)) {
        if (typeof format === 'string' && (ALL_FORMATS as readonly string[]).includes(format)) {
          // Defined, not assigned: a file named "__proto__" stays a key, not a prototype change.
          Object.defineProperty(config.formats, path.replace(/\\/g, '/'), {
            value: format as DatasetFormat,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          problems.push(
            configProblem(
              file,
              `unknown format ${JSON.stringify(format)} for "${path}"`,
              ALL_FORMATS.join(', '),
            ),
          );
        }
      }
    } else if (key !== '$schema') {
      problems.push({ ...configProblem(file, `unknown setting "${key}" (ignored)`), severity: 'warning' });
    }
  }
  return { config, problems };
}

function configProblem(file: string, message: string, allowed?: string): Problem {
  return problem('invalid-config', `${CONFIG_FILE_NAME}: ${message}`, {
    location: { file, line: 1, column: 1 },
    fix: allowed
      ? `Use one of: ${allowed}.`
      : 'Expected {"videoRoots": ["videos"], "formats": {"anno.json": "llava"}, "exclude": ["tmp"]}.',
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
