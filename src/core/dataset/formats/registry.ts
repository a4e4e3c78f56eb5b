// The readers in the order detection tries them: formats with the most specific shapes first, so a
// record that could pass for two formats lands on the one that says more about it.
import type { DatasetFormat } from '../sample';
import { activityNetCaptionsReader } from './activityNetCaptions';
import { charadesStaReader } from './charadesSta';
import type { FormatReader } from './formatReader';
import { groundingJsonlReader } from './groundingJsonl';
import { llavaReader } from './llava';
import { llavaMessagesReader } from './llavaMessages';
import { msrVttReader } from './msrVtt';
import { multipleChoiceReader } from './multipleChoice';

export const FORMAT_READERS: readonly FormatReader[] = [
  llavaReader,
  llavaMessagesReader,
  groundingJsonlReader,
  multipleChoiceReader,
  activityNetCaptionsReader,
  msrVttReader,
  charadesStaReader,
];

// The reader for a format named in config; undefined for video-folder (the index builds those).
export function readerFor(format: DatasetFormat): FormatReader | undefined {
  return FORMAT_READERS.find((reader) => reader.format === format);
}
