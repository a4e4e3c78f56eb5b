// Charades-STA's original text format, one query per line: "VID start end##sentence".
import { problem } from '../problems';
import { readLines } from '../recordStream';
import { checkWindows } from '../sampleChecks';
import type { SourceLocation } from '../sample';
import { formatSeconds, groundingTurns } from '../turnTemplates';
import type { FileProbe, FormatReader, ReadResult } from './formatReader';
import { normaliseText, problemResult, sampleResult } from './readerSupport';

// `s`: a sentence may hold U+2028/U+2029, which readline does not treat as line ends but `.` would.
const LINE = /^(\S+)\s+(\S+)\s+(\S+?)\s*##(.*)$/s;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export const charadesStaReader: FormatReader = {
  format: 'charades-sta',
  layouts: ['text-lines'],
  detect: (probe: FileProbe) => {
    const first = probe.head.split(/\r?\n/).find((line) => line.trim() !== '');
    const match = first === undefined ? null : LINE.exec(first.trim());
    return match !== null && NUMBER.test(match[2]) && NUMBER.test(match[3]);
  },
  read: readCharadesSta,
};

async function* readCharadesSta(path: string): AsyncGenerator<ReadResult> {
  for await (const { text, line } of readLines(path)) {
    const first = text.search(/\S/);
    if (first < 0) continue;
    const location: SourceLocation = {
      file: path,
      line,
      column: first + 1,
      endLine: line,
      endColumn: text.trimEnd().length + 1,
    };
    yield lineResult(text.trim(), location);
  }
}

function lineResult(text: string, location: SourceLocation): ReadResult {
  const match = LINE.exec(text);
  if (!match) {
    return problemResult(
      problem('unparsable-record', 'This line is not "VIDEO_ID start end##sentence".', {
        location,
        fix: 'Write the line as e.g. "3MSZA 24.3 30.4##person turns a light on.", or remove it.',
      }),
    );
  }
  const [, video, startText, endText, rawSentence] = match;
  const sentence = normaliseText(rawSentence);
  if (!NUMBER.test(startText) || !NUMBER.test(endText)) {
    return problemResult(
      problem('invalid-record', `The times "${startText} ${endText}" are not numbers of seconds.`, {
        location,
        fix: 'Write the start and end in seconds, e.g. "24.3 30.4".',
      }),
    );
  }
  if (sentence === '') {
    return problemResult(
      problem('invalid-record', 'The line has no sentence after "##".', {
        location,
        fix: 'Write the query sentence after "##", or remove the line.',
      }),
    );
  }
  const window = { start: Number(startText), end: Number(endText) };
  return sampleResult(
    {
      format: 'charades-sta',
      source: location,
      videoRef: video,
      turns: groundingTurns(sentence, [window]),
      query: sentence,
      windows: [window],
      identity: `${video} ${formatSeconds(window.start)} ${formatSeconds(window.end)}##${sentence}`,
      label: video,
    },
    checkWindows([window], undefined, location),
  );
}
