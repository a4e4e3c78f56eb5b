// The ShareGPT/OpenAI "messages" variant (LLaMA-Factory): {messages: [{role, content}], videos: [...]},
// and verl's RL form {prompt: [{role, content}], videos, reward_model.ground_truth: [s, e],
// extra_info.duration} whose ground truth becomes the sample's window and rendered answer.
import type { Problem } from '../problems';
import { checkTurns, checkVideoTokens, checkWindows, invalidField, missingField } from '../sampleChecks';
import type { SourceLocation, TimeWindow, Turn } from '../sample';
import { groundingAnswer, turnRole } from '../turnTemplates';
import type { FileProbe, FormatReader, ReadResult } from './formatReader';
import {
  canonicalJson,
  isObject,
  labelOf,
  numberField,
  parseWindow,
  problemResult,
  readJsonObjects,
  recordIdOf,
  sampleResult,
} from './readerSupport';
import type { JsonObject } from './readerSupport';

export const llavaMessagesReader: FormatReader = {
  format: 'llava-messages',
  layouts: ['json-array', 'jsonl'],
  detect: (probe: FileProbe) => {
    const record = probe.firstRecord;
    if (!isObject(record)) return false;
    const messages = record.messages ?? record.prompt;
    return (
      Array.isArray(messages) && messages.length > 0 && messages.every((m) => isObject(m) && 'role' in m)
    );
  },
  read: (path, layout) =>
    readJsonObjects(path, layout, (record, location) => [messagesSample(record, location)]),
};

function messagesSample(record: JsonObject, location: SourceLocation): ReadResult {
  const field = Array.isArray(record.messages) ? 'messages' : 'prompt';
  const messages = record[field];
  if (!Array.isArray(messages))
    return problemResult(missingField('messages', location, 'an array of {role, content}'));
  const turns: Turn[] = [];
  for (const [i, message] of messages.entries()) {
    const at = `${field}[${i}]`;
    if (!isObject(message) || typeof message.role !== 'string') {
      return problemResult(missingField(`${at}.role`, location, 'user, assistant or system'));
    }
    const role = turnRole(message.role);
    if (!role)
      return problemResult(
        invalidField(`${at}.role`, `is "${message.role}"; expected user, assistant or system`, location),
      );
    const text = contentText(message.content);
    if (text === undefined) return problemResult(missingField(`${at}.content`, location, 'a string'));
    turns.push({ role, text });
  }
  const videos = Array.isArray(record.videos)
    ? record.videos.filter((v): v is string => typeof v === 'string')
    : [];
  const truth = groundTruth(record);
  if (truth === null) {
    return problemResult(
      invalidField('reward_model.ground_truth', 'is not a [start, end] pair of seconds', location),
    );
  }
  const duration = isObject(record.extra_info)
    ? numberField(record.extra_info, 'duration')
    : numberField(record, 'duration');
  // RL prompts carry no assistant turn: the ground truth is the answer, so show it as one.
  if (truth && !turns.some((turn) => turn.role === 'gpt'))
    turns.push({ role: 'gpt', text: groundingAnswer([truth]) });
  const problems: Problem[] = checkTurns(turns, location);
  if (turns.length > 0) problems.push(...checkVideoTokens(turns, videos.length, location));
  if (truth) problems.push(...checkWindows([truth], duration, location));
  const id = recordIdOf(record);
  return sampleResult(
    {
      format: 'llava-messages',
      source: location,
      recordId: id?.text,
      videoRef: videos[0],
      turns,
      windows: truth ? [truth] : undefined,
      duration,
      identity: id ? id.text : canonicalJson(record),
      label: labelOf(id, videos[0], 'messages'),
    },
    problems,
  );
}

// A string, or OpenAI-style parts where video/image parts stand for their tokens.
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) => {
      if (!isObject(part)) return '';
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      if (part.type === 'video') return '<video>';
      if (part.type === 'image') return '<image>';
      return '';
    })
    .join('');
}

// The window, undefined when there is none (or it is not temporal), null when it is malformed.
function groundTruth(record: JsonObject): TimeWindow | undefined | null {
  const truth = isObject(record.reward_model) ? record.reward_model.ground_truth : undefined;
  if (!Array.isArray(truth)) return undefined;
  return parseWindow(truth) ?? null;
}
