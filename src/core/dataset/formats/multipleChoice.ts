// Multiple-choice video QA in every common spelling: flat records (Video-MME, MLVU, LongVideoBench,
// MVBench, NExT-QA CSV, Video-MME TSV), one line per video with a qa list (LVBench), and
// {video: {dimension: [{question, answer}]}} (TempCompass).
import { readDelimitedRecords } from '../delimitedRecords';
import { problem } from '../problems';
import type { Problem } from '../problems';
import { checkAnswer, missingField } from '../sampleChecks';
import type { SourceLocation } from '../sample';
import { multipleChoiceTurns } from '../turnTemplates';
import { parseChoice, splitInlineOptions } from './choiceParsing';
import type { FileLayout, FileProbe, FormatReader, ReadResult } from './formatReader';
import {
  canonicalJson,
  isObject,
  labelOf,
  numberField,
  problemResult,
  readJsonObjects,
  recordIdOf,
  sampleResult,
  subLocation,
  textField,
} from './readerSupport';
import type { JsonObject } from './readerSupport';

const VIDEO_KEYS = ['video', 'video_path', 'video_name', 'videoID', 'video_id', 'vid'];
const ID_KEYS = ['question_id', 'qid', 'uid', 'id', 'index'];
const OPTION_COLUMNS = ['options', 'candidates', 'a0'];

export const multipleChoiceReader: FormatReader = {
  format: 'multiple-choice',
  layouts: ['json-array', 'jsonl', 'json-object', 'csv', 'tsv'],
  detect: (probe: FileProbe) => {
    if (probe.layout === 'csv' || probe.layout === 'tsv') {
      const header = probe.header ?? [];
      if (!header.includes('question')) return false;
      return OPTION_COLUMNS.some((column) => header.includes(column)) || isQuestion(probe.firstRecord);
    }
    const record = probe.firstRecord;
    if (!isObject(record)) return false;
    if (probe.layout === 'json-object')
      return isObject(record.value) && perVideoQuestions(record.value).length > 0;
    if (Array.isArray(record.qa)) return record.qa.some(isQuestion);
    return isQuestion(record);
  },
  read: readMultipleChoice,
};

async function* readMultipleChoice(path: string, layout: FileLayout): AsyncGenerator<ReadResult> {
  if (layout !== 'csv' && layout !== 'tsv') {
    yield* readJsonObjects(path, layout, (record, location, key) =>
      layout === 'json-object'
        ? perVideoSamples(String(key), record, location)
        : recordSamples(record, location),
    );
    return;
  }
  for await (const { row, error, location } of readDelimitedRecords(path, layout)) {
    if (row) yield questionSample(row, location, {});
    else
      yield problemResult(
        problem('unparsable-record', `This row cannot be read: ${error}`, {
          location,
          fix: 'Check the quoting and the number of cells on this row.',
        }),
      );
  }
}

function isQuestion(value: unknown): boolean {
  if (!isObject(value) || typeof value.question !== 'string') return false;
  return (
    OPTION_COLUMNS.some((key) => key in value) || splitInlineOptions(value.question).options !== undefined
  );
}

// TempCompass: the member's value maps each dimension to a list of questions.
function perVideoQuestions(value: JsonObject): [string, unknown[]][] {
  return Object.entries(value).filter(
    (entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].some(isQuestion),
  );
}

function* perVideoSamples(
  video: string,
  record: JsonObject,
  location: SourceLocation,
): Generator<ReadResult> {
  for (const [dimension, questions] of perVideoQuestions(record)) {
    for (const [i, question] of questions.entries()) {
      const at = subLocation(location, dimension, i);
      if (!isObject(question)) continue;
      yield questionSample(question, at, { videoRef: video, subKey: `${video}/${dimension}/${i}` });
    }
  }
}

function* recordSamples(record: JsonObject, location: SourceLocation): Generator<ReadResult> {
  if (!Array.isArray(record.qa)) {
    yield questionSample(record, location, {});
    return;
  }
  // LVBench: one line per video, its questions in `qa`, its length in minutes.
  const videoRef = textField(record, 'key', ...VIDEO_KEYS);
  const info = isObject(record.video_info) ? record.video_info : {};
  const minutes = numberField(info, 'duration_minutes');
  const duration = minutes !== undefined ? minutes * 60 : numberField(info, 'duration');
  for (const [i, question] of record.qa.entries()) {
    if (isObject(question))
      yield questionSample(question, subLocation(location, 'qa', i), {
        videoRef,
        duration,
        subKey: videoRef,
      });
  }
}

interface Context {
  videoRef?: string;
  duration?: number;
  // Prefix that makes the identity unique when the question sits inside a larger record.
  subKey?: string;
}

function questionSample(record: JsonObject, location: SourceLocation, context: Context): ReadResult {
  const question = textField(record, 'question');
  if (!question) return problemResult(missingField('question', location, 'the question text'));
  const parsed = parseChoice(record, question);
  if (!parsed) {
    return problemResult(
      missingField('options', location, 'options, candidates, a0..a4 columns or "(A) ..." lines'),
    );
  }
  const { choice, answer } = parsed;
  const videoRef = context.videoRef ?? textField(record, ...VIDEO_KEYS);
  const duration = context.duration ?? numberField(record, 'duration');
  const id = recordIdOf(record, ID_KEYS);
  const problems: Problem[] = checkAnswer(answer, choice, location);
  // Question ids are often unique only per video (NExT-QA's qid), so the video is part of the identity.
  const scope = context.subKey ?? videoRef ?? '';
  return sampleResult(
    {
      format: 'multiple-choice',
      source: location,
      recordId: id?.text,
      videoRef,
      turns: multipleChoiceTurns(choice.question, choice.options, choice.answerIndex),
      duration,
      choice,
      identity: id ? `${scope}#${id.text}` : `${scope}#${canonicalJson(record)}`,
      label: labelOf(id, videoRef, 'question'),
    },
    problems,
  );
}
