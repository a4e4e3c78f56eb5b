// Moment-retrieval records, one query each: Moment-DETR/QVHighlights JSONL {qid, query, duration, vid,
// relevant_windows, video_file?} and the VideoChat-Flash/TimeSuite list [{video, caption, timestamp}].
import type { Problem } from '../problems';
import { checkWindows, invalidField, missingField } from '../sampleChecks';
import type { SourceLocation, TimeWindow } from '../sample';
import { groundingTurns } from '../turnTemplates';
import type { FileProbe, FormatReader, ReadResult } from './formatReader';
import {
  canonicalJson,
  isObject,
  labelOf,
  normaliseText,
  numberField,
  parseWindow,
  problemResult,
  readJsonObjects,
  recordIdOf,
  sampleResult,
  textField,
} from './readerSupport';
import type { JsonObject } from './readerSupport';

const QUERY_KEYS = ['query', 'caption', 'sentence'];
const VIDEO_KEYS = ['video_file', 'video', 'vid', 'video_id'];

export const groundingJsonlReader: FormatReader = {
  format: 'grounding-jsonl',
  layouts: ['jsonl', 'json-array'],
  detect: (probe: FileProbe) => {
    const record = probe.firstRecord;
    if (!isObject(record) || !textField(record, ...QUERY_KEYS)) return false;
    return Array.isArray(record.relevant_windows) || Array.isArray(record.timestamp);
  },
  read: (path, layout) =>
    readJsonObjects(path, layout, (record, location) => [groundingSample(record, location)]),
};

function groundingSample(record: JsonObject, location: SourceLocation): ReadResult {
  const query = textField(record, ...QUERY_KEYS);
  if (!query) return problemResult(missingField('query', location, 'the sentence to ground'));
  const windows = windowsOf(record, location);
  if (!Array.isArray(windows)) return problemResult(windows);
  const videoRef = textField(record, ...VIDEO_KEYS);
  const duration = numberField(record, 'duration');
  const problems: Problem[] = checkWindows(windows, duration, location);
  const id = recordIdOf(record);
  const sentence = normaliseText(query);
  return sampleResult(
    {
      format: 'grounding-jsonl',
      source: location,
      recordId: id?.text,
      videoRef,
      turns: groundingTurns(sentence, windows),
      query: sentence,
      windows,
      duration,
      identity: id ? id.text : canonicalJson(record),
      label: labelOf(id, videoRef, 'query'),
    },
    problems,
  );
}

function windowsOf(record: JsonObject, location: SourceLocation): TimeWindow[] | Problem {
  if (Array.isArray(record.relevant_windows)) {
    const windows: TimeWindow[] = [];
    for (const [i, value] of record.relevant_windows.entries()) {
      const window = parseWindow(value);
      if (!window)
        return invalidField(`relevant_windows[${i}]`, 'is not a [start, end] pair of seconds', location);
      windows.push(window);
    }
    return windows;
  }
  if (record.timestamp !== undefined) {
    const window = parseWindow(record.timestamp);
    return window ? [window] : invalidField('timestamp', 'is not a [start, end] pair of seconds', location);
  }
  return missingField('relevant_windows', location, 'an array of [start, end] in seconds');
}
