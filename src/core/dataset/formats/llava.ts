// LLaVA-style records: {id?, video, conversations: [{from, value}], system_prompt?, image?}, plus the
// R1-style {video, problem, solution} that RL recipes (TSPO, Video-R1) ship.
import type { Problem } from '../problems';
import { checkTurns, checkVideoTokens, invalidField, missingField } from '../sampleChecks';
import type { SourceLocation, Turn } from '../sample';
import { turnRole } from '../turnTemplates';
import type { FileProbe, FormatReader, ReadResult } from './formatReader';
import {
  canonicalJson,
  isObject,
  labelOf,
  problemResult,
  readJsonObjects,
  recordIdOf,
  sampleResult,
  textField,
} from './readerSupport';
import type { JsonObject } from './readerSupport';

export const llavaReader: FormatReader = {
  format: 'llava',
  layouts: ['json-array', 'jsonl'],
  detect: (probe: FileProbe) => {
    const record = probe.firstRecord;
    if (!isObject(record)) return false;
    if (Array.isArray(record.conversations)) return true;
    return typeof record.problem === 'string' && record.solution !== undefined && hasVideoField(record);
  },
  read: (path, layout) =>
    readJsonObjects(path, layout, (record, location) => [llavaSample(record, location)]),
};

function llavaSample(record: JsonObject, location: SourceLocation): ReadResult {
  const parsed = Array.isArray(record.conversations)
    ? conversationTurns(record.conversations, location)
    : r1Turns(record, location);
  if ('problem' in parsed) return problemResult(parsed.problem);
  const turns: Turn[] = [];
  const systemPrompt = textField(record, 'system_prompt', 'system');
  if (systemPrompt && !parsed.turns.some((turn) => turn.role === 'system')) {
    turns.push({ role: 'system', text: systemPrompt });
  }
  turns.push(...parsed.turns);
  const videos = videoRefs(record);
  const problems: Problem[] = [...checkTurns(turns, location)];
  if (turns.length > 0) problems.push(...checkVideoTokens(turns, videos.length, location));
  const id = recordIdOf(record);
  return sampleResult(
    {
      format: 'llava',
      source: location,
      recordId: id?.text,
      videoRef: videos[0],
      turns,
      identity: id ? id.text : canonicalJson(record),
      label: labelOf(id, videos[0], 'llava'),
    },
    problems,
  );
}

type TurnsOrProblem = { turns: Turn[] } | { problem: Problem };

function conversationTurns(conversations: unknown[], location: SourceLocation): TurnsOrProblem {
  const turns: Turn[] = [];
  for (const [i, entry] of conversations.entries()) {
    const field = `conversations[${i}]`;
    if (!isObject(entry)) return { problem: invalidField(field, 'is not an object {from, value}', location) };
    const speaker = textField(entry, 'from', 'role');
    if (!speaker) return { problem: missingField(`${field}.from`, location, 'human, gpt or system') };
    const role = turnRole(speaker);
    if (!role)
      return {
        problem: invalidField(`${field}.from`, `is "${speaker}"; expected human, gpt or system`, location),
      };
    const value = entry.value ?? entry.content;
    if (typeof value !== 'string') return { problem: missingField(`${field}.value`, location, 'a string') };
    turns.push({ role, text: value });
  }
  return { turns };
}

function r1Turns(record: JsonObject, location: SourceLocation): TurnsOrProblem {
  if (typeof record.problem !== 'string')
    return { problem: missingField('conversations', location, 'an array of {from, value}') };
  const solution = record.solution;
  if (typeof solution !== 'string') return { problem: missingField('solution', location, 'a string') };
  return {
    turns: [
      { role: 'human', text: record.problem },
      { role: 'gpt', text: solution },
    ],
  };
}

function hasVideoField(record: JsonObject): boolean {
  return videoRefs(record).length > 0;
}

// `video` as a path or a list (several clips), or LLaMA-Factory's `videos`.
function videoRefs(record: JsonObject): string[] {
  const value = record.video ?? record.videos;
  if (typeof value === 'string' && value.trim() !== '') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  return [];
}
