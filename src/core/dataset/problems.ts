// Validation never throws: every issue in a dataset becomes a structured Problem.
import type { SourceLocation } from './sample';

export type Severity = 'error' | 'warning' | 'info';

export const PROBLEM_CODES = {
  'unreadable-file': 'error',
  'unrecognized-file': 'info',
  'unparsable-record': 'error',
  'invalid-record': 'error',
  'missing-video': 'error',
  'missing-video-ref': 'error',
  'unreadable-video': 'error',
  'low-tpl': 'warning',
  'window-insensitive': 'warning',
  'empty-turns': 'error',
  'missing-video-token': 'warning',
  'duplicate-video-token': 'error',
  'negative-timestamp': 'error',
  'start-after-end': 'error',
  'end-beyond-duration': 'warning',
  'invalid-answer': 'error',
  'duplicate-id': 'error',
  'duplicate-record': 'warning',
  'invalid-config': 'error',
} as const satisfies Record<string, Severity>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface Problem {
  severity: Severity;
  code: ProblemCode;
  /** What is wrong, in the user's terms. */
  message: string;
  location?: SourceLocation;
  sampleId?: string;
  /** What to do about it. */
  fix?: string;
}

export function problem(
  code: ProblemCode,
  message: string,
  extra: { location?: SourceLocation; sampleId?: string; fix?: string; severity?: Severity } = {},
): Problem {
  const { severity, ...rest } = extra;
  return { severity: severity ?? PROBLEM_CODES[code], code, message, ...rest };
}

/** "file:line:col" for messages and CLI output. */
export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return '';
  return `${location.file}:${location.line}:${location.column}`;
}
