// One function per output format: a curated sample in, the record that format stores out.
import { basename, extname, relative, sep } from 'node:path';
import type { CuratedSample } from './curatedSample';

export interface LlavaRecord {
  id: string;
  video: string;
  conversations: { from: string; value: string }[];
}

/** LLaVA-style record; the video path is relative to the output folder so the export can move. */
export function llavaRecord(curated: CuratedSample, outDir: string): LlavaRecord {
  const { sample } = curated;
  const video = sample.video ? relative(outDir, sample.video).split(sep).join('/') : (sample.videoRef ?? '');
  const conversations = curated.turns.map((t) => ({ from: t.role, value: t.text }));
  if (!conversations.some((c) => c.value.includes('<video>'))) {
    const firstHuman = conversations.find((c) => c.from === 'human');
    if (firstHuman) firstHuman.value = `<video>\n${firstHuman.value}`;
    else conversations.unshift({ from: 'human', value: '<video>\nDescribe the video.' });
  }
  return { id: sample.id, video, conversations };
}

/** Charades-STA keeps one decimal, as the original files do. */
export function charadesStaLine(curated: CuratedSample): string {
  const window = curated.windows?.[0] ?? { start: 0, end: 0 };
  return `${videoId(curated)} ${seconds(window.start)} ${seconds(window.end)}##${curated.query ?? ''}`;
}

export function groundingRecord(curated: CuratedSample): Record<string, unknown> {
  const { sample } = curated;
  const record: Record<string, unknown> = {
    qid: sample.recordId ?? sample.id,
    query: curated.query ?? '',
    duration: sample.duration,
    vid: videoId(curated),
    relevant_windows: (curated.windows ?? []).map((w) => [w.start, w.end]),
  };
  if (sample.videoRef && extname(sample.videoRef)) record.video_file = sample.videoRef;
  return record;
}

/** Dense captions regrouped per video, in order of first appearance. */
export function activityNetDocument(samples: CuratedSample[]): Record<string, unknown> {
  const videos: Record<string, { duration?: number; timestamps: number[][]; sentences: string[] }> = {};
  for (const curated of samples) {
    const entry = (videos[videoId(curated)] ??= {
      duration: curated.sample.duration,
      timestamps: [],
      sentences: [],
    });
    const window = curated.windows?.[0];
    entry.timestamps.push(window ? [window.start, window.end] : []);
    entry.sentences.push(curated.query ?? '');
  }
  return videos;
}

function videoId(curated: CuratedSample): string {
  const ref = curated.sample.videoRef ?? curated.sample.id;
  return basename(ref, extname(ref));
}

function seconds(value: number): string {
  return Number.isInteger(value * 10) ? value.toFixed(1) : String(value);
}
