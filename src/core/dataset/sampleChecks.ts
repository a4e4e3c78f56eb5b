// Checks every reader runs on the samples it builds. They never throw; each issue is a Problem that
// points at the record and says what to do.
import { problem } from './problems';
import type { Problem } from './problems';
import type { MultipleChoice, SourceLocation, TimeWindow, Turn } from './sample';
import { formatSeconds, VIDEO_TOKEN } from './turnTemplates';

// Durations in annotation files are rounded (often to 0.01 s) and frame-quantised, so an end a few
// hundredths past the stated duration is the same instant; 0.05 s is under two frames at 30 fps.
export const END_TOLERANCE_SECONDS = 0.05;

export function missingField(field: string, location: SourceLocation, expected?: string): Problem {
  const what = expected ? `; expected ${expected}` : '';
  return problem('invalid-record', `The record has no usable "${field}"${what}.`, {
    location,
    fix: `Add "${field}" to the record, or remove the record.`,
  });
}

export function invalidField(field: string, detail: string, location: SourceLocation): Problem {
  return problem('invalid-record', `"${field}" ${detail}.`, {
    location,
    fix: `Correct "${field}" in the record, or remove the record.`,
  });
}

export function checkTurns(turns: readonly Turn[], location: SourceLocation): Problem[] {
  if (turns.length === 0) {
    return [
      problem('empty-turns', 'The record has no conversation turns.', {
        location,
        fix: 'Add at least a human question and a gpt answer, or remove the record.',
      }),
    ];
  }
  const empty = turns.findIndex((turn) => turn.text.trim() === '');
  if (empty < 0) return [];
  return [
    problem('empty-turns', `Turn ${empty + 1} (${turns[empty].role}) is empty.`, {
      location,
      fix: 'Write the missing text or delete the empty turn.',
    }),
  ];
}

// Only for formats whose turns come from the file: the `<video>` tokens must match the videos.
export function checkVideoTokens(
  turns: readonly Turn[],
  videoCount: number,
  location: SourceLocation,
): Problem[] {
  const tokens = turns.reduce((sum, turn) => sum + countOccurrences(turn.text, VIDEO_TOKEN), 0);
  if (tokens === videoCount) return [];
  const counts = `${tokens} ${VIDEO_TOKEN} token${tokens === 1 ? '' : 's'} for ${videoCount} video${videoCount === 1 ? '' : 's'}`;
  if (tokens < videoCount) {
    return [
      problem('missing-video-token', `The turns have ${counts}; the model will not see the video.`, {
        location,
        fix: `Put ${VIDEO_TOKEN} at the start of the first human turn (one per video).`,
      }),
    ];
  }
  return [
    problem(
      'duplicate-video-token',
      `The turns have ${counts}; the frames would be inserted twice or fail to load.`,
      {
        location,
        fix: `Keep exactly one ${VIDEO_TOKEN} per video, usually at the start of the first human turn.`,
      },
    ),
  ];
}

export function checkWindows(
  windows: readonly TimeWindow[],
  duration: number | undefined,
  location: SourceLocation,
): Problem[] {
  const problems: Problem[] = [];
  for (const { start, end } of windows) {
    const span = `[${formatSeconds(start)}, ${formatSeconds(end)}]`;
    if (start < 0 || end < 0) {
      problems.push(
        problem('negative-timestamp', `The window ${span} has a negative time.`, {
          location,
          fix: 'Times are seconds from the start of the video; correct or clamp them to 0.',
        }),
      );
    }
    if (start > end) {
      problems.push(
        problem('start-after-end', `The window ${span} starts after it ends.`, {
          location,
          fix: 'Swap the start and end, or correct the one that is wrong.',
        }),
      );
    }
    if (duration !== undefined && Math.max(start, end) > duration + END_TOLERANCE_SECONDS) {
      problems.push(
        problem(
          'end-beyond-duration',
          `The window ${span} ends after the video's ${formatSeconds(duration)} s.`,
          {
            location,
            fix: 'Clip the end to the duration, or check that the duration and the video match.',
          },
        ),
      );
    }
  }
  return problems;
}

// An answer that was given but matches no option; an absent answer is fine (evaluation sets).
export function checkAnswer(answer: unknown, choice: MultipleChoice, location: SourceLocation): Problem[] {
  if (answer === undefined || answer === null || String(answer).trim() === '') return [];
  if (choice.answerIndex !== undefined) return [];
  return [
    problem(
      'invalid-answer',
      `The answer ${JSON.stringify(answer)} is none of the ${choice.options.length} options.`,
      {
        location,
        fix: 'Give the answer as an option letter (A, B...), a 0-based index, or the exact option text.',
      },
    ),
  ];
}

function countOccurrences(text: string, token: string): number {
  let count = 0;
  for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length)) count++;
  return count;
}
