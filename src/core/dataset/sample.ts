// The unit of curation: one annotated (or bare) clip, whatever format it came from.

export type DatasetFormat =
  | 'llava' // {video, conversations: [{from, value}]}
  | 'llava-messages' // {messages: [{role, content}], videos: [...]}
  | 'charades-sta' // "VID start end##sentence"
  | 'activitynet-captions' // {video_id: {duration, timestamps, sentences}}
  | 'grounding-jsonl' // {qid, query, duration, vid, relevant_windows}
  | 'multiple-choice' // question + options/candidates + answer
  | 'msrvtt' // {videos: [...], sentences: [{video_id, caption}]}
  | 'video-folder'; // videos with no annotation file

export const ALL_FORMATS: readonly DatasetFormat[] = [
  'llava',
  'llava-messages',
  'charades-sta',
  'activitynet-captions',
  'grounding-jsonl',
  'multiple-choice',
  'msrvtt',
  'video-folder',
];

/** Where a record lives, precise enough for a diagnostic range. Lines and columns are 1-based. */
export interface SourceLocation {
  /** Absolute path of the annotation file (or of the video, for video-folder samples). */
  file: string;
  line: number;
  column: number;
  /** End of the record's text (exclusive), when known. */
  endLine?: number;
  endColumn?: number;
  /** RFC 6901 pointer into a JSON document ("/12", "/v_abc/sentences/2"); absent for line formats. */
  pointer?: string;
}

export type TurnRole = 'human' | 'gpt' | 'system';

export interface Turn {
  role: TurnRole;
  text: string;
}

/** A time span in seconds from the start of the video. */
export interface TimeWindow {
  start: number;
  end: number;
}

export interface MultipleChoice {
  question: string;
  options: string[];
  /** 0-based index into options, when the answer could be matched. */
  answerIndex?: number;
}

export interface Sample {
  /** Stable: the same record gets the same id across runs and reorderings (see sampleId.ts). */
  id: string;
  /** The record's own id field (qid, question_id, id...), when it has one. */
  recordId?: string;
  format: DatasetFormat;
  source: SourceLocation;
  /** The video as the record names it (path, file name or bare id). */
  videoRef?: string;
  /** Absolute path of the resolved video file; absent when it could not be found. */
  video?: string;
  /** The text as conversation turns (formats without turns are rendered into LLaVA-style turns). */
  turns: Turn[];
  /** The sentence the windows annotate (grounding query or caption), for timestamped formats. */
  query?: string;
  /** Annotated moments (seconds), for formats with timestamps. */
  windows?: TimeWindow[];
  /** Video duration (seconds) as the annotation states it. */
  duration?: number;
  choice?: MultipleChoice;
}
