// Dense captions keyed by video: {"v_x": {duration, timestamps: [[s, e]...], sentences: [...]}}, one
// sample per sentence. TACoS ships the same shape with frame numbers plus fps and num_frames.
import type { Problem } from '../problems';
import { checkWindows, invalidField, missingField } from '../sampleChecks';
import type { SourceLocation, TimeWindow } from '../sample';
import { groundingTurns } from '../turnTemplates';
import type { FileProbe, FormatReader, ReadResult } from './formatReader';
import {
  isObject,
  normaliseText,
  numberField,
  parseWindow,
  problemResult,
  readJsonObjects,
  sampleResult,
  subLocation,
  videoStem,
} from './readerSupport';
import type { JsonObject } from './readerSupport';

export const activityNetCaptionsReader: FormatReader = {
  format: 'activitynet-captions',
  layouts: ['json-object'],
  detect: (probe: FileProbe) => {
    const member = probe.firstRecord;
    if (!isObject(member) || !isObject(member.value)) return false;
    return Array.isArray(member.value.timestamps) && Array.isArray(member.value.sentences);
  },
  read: (path, layout) =>
    readJsonObjects(path, layout, (record, location, key) => videoSamples(String(key), record, location)),
};

function* videoSamples(video: string, record: JsonObject, location: SourceLocation): Generator<ReadResult> {
  const { timestamps, sentences } = record;
  const fps = numberField(record, 'fps');
  const broken = shapeProblem(record, fps, location);
  if (broken) {
    yield problemResult(broken);
    return;
  }
  if (!Array.isArray(sentences) || !Array.isArray(timestamps)) return;
  const scale = fps ?? 1;
  const frames = numberField(record, 'num_frames');
  const duration =
    numberField(record, 'duration') ?? (fps !== undefined && frames !== undefined ? frames / fps : undefined);
  if (timestamps.length !== sentences.length) {
    yield problemResult(
      invalidField(
        'timestamps',
        `has ${timestamps.length} entries for ${sentences.length} sentences; the extra ones are skipped`,
        location,
      ),
    );
  }
  const count = Math.min(timestamps.length, sentences.length);
  for (let i = 0; i < count; i++) {
    const at = subLocation(location, 'sentences', i);
    const sentence = sentences[i];
    const pair = parseWindow(timestamps[i]);
    if (typeof sentence !== 'string' || sentence.trim() === '') {
      yield problemResult(missingField(`sentences[${i}]`, at, 'a non-empty string'));
      continue;
    }
    if (!pair) {
      yield problemResult(invalidField(`timestamps[${i}]`, 'is not a [start, end] pair of numbers', at));
      continue;
    }
    const window: TimeWindow = { start: pair.start / scale, end: pair.end / scale };
    const text = normaliseText(sentence);
    const problems: Problem[] = checkWindows([window], duration, at);
    yield sampleResult(
      {
        format: 'activitynet-captions',
        source: at,
        videoRef: video,
        turns: groundingTurns(text, [window]),
        query: text,
        windows: [window],
        duration,
        identity: `${video}#${i}#${text}`,
        label: videoStem(video),
      },
      problems,
    );
  }
}

function shapeProblem(
  record: JsonObject,
  fps: number | undefined,
  location: SourceLocation,
): Problem | undefined {
  if (!Array.isArray(record.sentences)) return missingField('sentences', location, 'an array of strings');
  if (!Array.isArray(record.timestamps))
    return missingField('timestamps', location, 'an array of [start, end]');
  // Frame-numbered annotations (TACoS) state their fps; seconds are what every other format uses.
  if (fps !== undefined && fps <= 0) return invalidField('fps', `is ${fps}; it must be positive`, location);
  return undefined;
}
