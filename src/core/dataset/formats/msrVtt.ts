// The official MSR-VTT annotation: {info, videos: [{video_id, ...}], sentences: [{caption, video_id,
// sen_id}]}, one caption sample per sentence. The sentences member is parsed as one value, so memory
// follows its size (about 20 MB for the full train/val file), not the whole file's.
import { readJsonRecords } from '../jsonRecords';
import { checkTurns, missingField } from '../sampleChecks';
import type { SourceLocation } from '../sample';
import { captionTurns } from '../turnTemplates';
import type { FileLayout, FileProbe, FormatReader, ReadResult } from './formatReader';
import {
  canonicalJson,
  isObject,
  labelOf,
  notAnObjectResult,
  problemResult,
  recordIdOf,
  sampleResult,
  subLocation,
  textField,
  unparsableResult,
} from './readerSupport';

const TOP_KEYS = ['info', 'videos', 'sentences'];

export const msrVttReader: FormatReader = {
  format: 'msrvtt',
  layouts: ['json-object'],
  detect: (probe: FileProbe) => {
    if (!TOP_KEYS.includes(probe.firstKey ?? '')) return false;
    return /"sen_id"\s*:/.test(probe.head) || /"video_id"\s*:\s*"video\d+"/.test(probe.head);
  },
  read: readMsrVtt,
};

async function* readMsrVtt(path: string, layout: FileLayout): AsyncGenerator<ReadResult> {
  if (layout !== 'json-object') throw new Error(`MSR-VTT is a JSON object, not ${layout}`);
  let sawSentences = false;
  for await (const member of readJsonRecords(path, layout)) {
    if (member.error !== undefined) yield unparsableResult(member.location, member.error);
    else if (member.key === 'sentences') {
      sawSentences = true;
      if (!Array.isArray(member.value))
        yield problemResult(missingField('sentences', member.location, 'an array'));
      else yield* sentenceSamples(member.value, member.location);
    }
  }
  if (!sawSentences) {
    yield problemResult(
      missingField('sentences', { file: path, line: 1, column: 1 }, 'the list of captions'),
    );
  }
}

function* sentenceSamples(sentences: unknown[], location: SourceLocation): Generator<ReadResult> {
  for (const [i, sentence] of sentences.entries()) {
    const at = subLocation(location, i);
    if (!isObject(sentence)) {
      yield notAnObjectResult(at);
      continue;
    }
    const caption = textField(sentence, 'caption');
    if (!caption) {
      yield problemResult(missingField('caption', at, 'the sentence text'));
      continue;
    }
    const videoRef = textField(sentence, 'video_id');
    const id = recordIdOf(sentence, ['sen_id', 'id']);
    const turns = captionTurns(caption.trim());
    yield sampleResult(
      {
        format: 'msrvtt',
        source: at,
        recordId: id?.text,
        videoRef,
        turns,
        identity: id ? id.text : `${videoRef ?? ''}#${canonicalJson(sentence)}`,
        label: labelOf(undefined, videoRef, 'caption'),
      },
      checkTurns(turns, at),
    );
  }
}
