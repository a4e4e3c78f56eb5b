// UTR dialogues from tracks: question-answer pairs that query time from space (where → when),
// space from time (when → where), text → time, ordering and counts, answered from the trajectories.
// Boxes in turns are normalised to the frame: [x0, y0, x1, y1] as fractions of width and height,
// two decimals (LLaVA-style grounding); times are seconds from the clip start, to 0.1 s.
// Weak evidence asks nothing: short or low-confidence tracks, descriptions that name two things,
// orderings closer than `minGap`, counts a weak track could change.
import { createHash } from 'node:crypto';
import type { Box, DialogueEvidence, FrameRef, GeneratedDialogue, Track, TrackResult } from './analysisTypes';
import {
  capitalise,
  COUNT_MOVING,
  COUNT_SHOTS,
  COUNT_TEXTS,
  DESCRIPTION,
  indefinite,
  ORDERING,
  SPACE_TO_TIME,
  TEXT_TO_TIME,
  TIME_TO_SPACE,
} from './dialogueTemplates';
import type { DialogueTemplate, Mover } from './dialogueTemplates';
import { normaliseText } from './tracker';
import { seededRandom } from './seededRandom';
import { pushTo } from '../collections';

export interface DialogueClip {
  duration: number;
  /** The frames the tracks were made from. */
  frames: FrameRef[];
  /** The first frame of each new shot (hard cuts); absent when shots were not detected. */
  shots?: FrameRef[];
}

export interface DialogueOptions {
  /** Picks templates and targets; the same seed gives the same dialogues. */
  seed: string;
  /** Most dialogues to return, spread over the kinds (default: all). */
  max?: number;
  /** Tracks below this confidence ask nothing (default 0.3). */
  minConfidence?: number;
  /** Tracks with fewer observations ask nothing (default 3). */
  minObservations?: number;
  /** Two appearances closer than this (seconds) are not ordered (default 0.5). */
  minGap?: number;
  /** Centre displacement (fraction of the frame) below which a track "stays" (default 0.1). */
  minMove?: number;
  /** Shortest time-to-space window, seconds (default 1). */
  minWindow?: number;
  /** A VLM caption of the whole video: adds a description turn. */
  caption?: string;
}

const DEFAULTS = { minConfidence: 0.3, minObservations: 3, minGap: 0.5, minMove: 0.1, minWindow: 1 };

/** Kinds in the order dialogues are listed and picked. */
const KINDS: GeneratedDialogue['kind'][] = [
  'space-to-time',
  'time-to-space',
  'text-to-time',
  'ordering',
  'counting',
  'description',
];

/** A VLM caption is not checked against the tracks: it is trusted this much. */
const CAPTION_CONFIDENCE = 0.5;

type Settings = typeof DEFAULTS & { seed: string };

interface Context {
  result: TrackResult;
  clip: DialogueClip;
  settings: Settings;
  random: () => number;
  eligible: Track[];
}

type Candidate = Omit<GeneratedDialogue, 'id'>;

export function generateDialogues(
  tracks: TrackResult,
  clip: DialogueClip,
  options: DialogueOptions,
): GeneratedDialogue[] {
  const settings: Settings = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    seed: options.seed,
  };
  const random = seededRandom(options.seed);
  const eligible = tracks.tracks.filter(
    (t) => t.confidence >= settings.minConfidence && t.observations.length >= settings.minObservations,
  );
  const context: Context = { result: tracks, clip, settings, random, eligible };
  const candidates = [
    ...spaceToTime(context),
    ...timeToSpace(context),
    ...textToTime(context),
    ...ordering(context),
    ...counting(context),
    ...(options.caption?.trim() ? [description(context, options.caption.trim())] : []),
  ];
  const unique = new Map<string, GeneratedDialogue>();
  for (const c of candidates) {
    const id = `${c.kind}-${createHash('sha1').update(JSON.stringify(c.turns)).digest('hex').slice(0, 10)}`;
    if (!unique.has(id)) unique.set(id, { id, ...c });
  }
  return pick([...unique.values()], options.max, random);
}

// ---------- Kinds ----------

function spaceToTime(context: Context): Candidate[] {
  const { eligible, random } = context;
  return eligible
    .filter((t) => t.source !== 'ocr')
    .flatMap((track) => {
      // A reference frame away from the ends, so the question is not about the answer's frames.
      const inner = track.observations.length > 2 ? track.observations.slice(1, -1) : track.observations;
      const reference = inner[Math.floor(random() * inner.length)];
      const template = choose(SPACE_TO_TIME, random);
      if (!uniqueAt(context, track, reference.frame, reference.box)) return [];
      const first = track.observations[0];
      const last = track.observations[track.observations.length - 1];
      return [
        dialogue(
          'space-to-time',
          template,
          {
            box: formatBox(reference.box, context.result),
            time: formatTime(reference.frame.time),
            first: formatTime(track.firstSeen),
            last: formatTime(track.lastSeen),
            path: pathPhrase(first.box, last.box, context),
          },
          {
            tracks: [track.id],
            frames: frameSet([reference.frame, first.frame, last.frame]),
            span: span(track),
          },
          track.confidence,
        ),
      ];
    });
}

function timeToSpace(context: Context): Candidate[] {
  const { eligible, random, settings } = context;
  const moving = (t: Track) => t.source !== 'ocr';
  return eligible.filter(moving).flatMap((track) => {
    const obs = track.observations;
    const starts = obs.filter((o) => o.frame.time + settings.minWindow <= track.lastSeen);
    if (starts.length === 0) return [];
    const start = starts[Math.floor(random() * starts.length)];
    const ends = obs.filter((o) => o.frame.time >= start.frame.time + settings.minWindow);
    const end = ends[Math.floor(random() * ends.length)];
    const template = choose(TIME_TO_SPACE, random);
    const [from, to] = [start.frame.time, end.frame.time];
    const movers: { track: Track; mover: Mover; frames: FrameRef[] }[] = [];
    for (const other of context.result.tracks.filter(moving)) {
      const inside = other.observations.filter((o) => o.frame.time >= from && o.frame.time <= to);
      if (inside.length < 2) continue;
      const a = inside[0];
      const b = inside[inside.length - 1];
      if (displacement(a.box, b.box, context.result) < settings.minMove) continue;
      // Something moves there that we are unsure of: the answer could not be complete.
      if (!eligible.includes(other)) return [];
      movers.push({
        track: other,
        mover: {
          description: capitalise(describe(other, true)),
          from: formatBox(a.box, context.result),
          to: formatBox(b.box, context.result),
          // Seen for only part of the window: say when, so the boxes are not read as the window's ends.
          ...(a.frame.time > from || b.frame.time < to
            ? { during: `between ${formatTime(a.frame.time)} and ${formatTime(b.frame.time)}` }
            : {}),
        },
        frames: [a.frame, b.frame],
      });
    }
    if (!movers.some((m) => m.track === track)) return [];
    return [
      dialogue(
        'time-to-space',
        template,
        { start: formatTime(from), end: formatTime(to), movers: movers.map((m) => m.mover) },
        {
          tracks: movers.map((m) => m.track.id),
          frames: frameSet(movers.flatMap((m) => m.frames)),
          span: [from, to],
        },
        Math.min(...movers.map((m) => m.track.confidence)),
      ),
    ];
  });
}

function textToTime(context: Context): Candidate[] {
  const { random } = context;
  const groups = new Map<string, Track[]>();
  for (const t of context.result.tracks) {
    if (t.source !== 'ocr' || !t.text) continue;
    const key = normaliseText(t.text);
    pushTo(groups, key, t);
  }
  return [...groups.values()].flatMap((group) => {
    // Every sighting of the text must be sure, or the answer misses or invents a span.
    if (!group.every((t) => context.eligible.includes(t))) return [];
    const ordered = [...group].sort((a, b) => a.firstSeen - b.firstSeen);
    const template = choose(TEXT_TO_TIME, random);
    return [
      dialogue(
        'text-to-time',
        template,
        {
          text: ordered[0].text!,
          intervals: ordered.map((t) => `from ${formatTime(t.firstSeen)} to ${formatTime(t.lastSeen)}`),
        },
        {
          tracks: ordered.map((t) => t.id),
          frames: frameSet(ordered.flatMap((t) => ends(t))),
          span: [ordered[0].firstSeen, Math.max(...ordered.map((t) => t.lastSeen))],
        },
        Math.min(...ordered.map((t) => t.confidence)),
      ),
    ];
  });
}

function ordering(context: Context): Candidate[] {
  const { eligible, random, settings } = context;
  // Only things a description names exactly once, among all tracks (weak ones too).
  const named = eligible.filter(
    (t) => context.result.tracks.filter((o) => describe(o, false) === describe(t, false)).length === 1,
  );
  const candidates: Candidate[] = [];
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [x, y] = [named[i], named[j]];
      // Motion is seen one frame late (a pair is attributed to its later frame): widen the gap by that.
      const gap = settings.minGap + Math.max(motionLag(x, context.clip), motionLag(y, context.clip));
      if (Math.abs(x.firstSeen - y.firstSeen) < gap) continue;
      const [earlier, later] = x.firstSeen < y.firstSeen ? [x, y] : [y, x];
      const swap = random() < 0.5;
      const [a, b] = swap ? [y, x] : [x, y];
      const template = choose(ORDERING, random);
      candidates.push(
        dialogue(
          'ordering',
          template,
          {
            a: describe(a, false),
            b: describe(b, false),
            earlier: describe(earlier, false),
            earlierTime: formatTime(earlier.firstSeen),
            later: describe(later, false),
            laterTime: formatTime(later.firstSeen),
            aFirst: a === earlier,
          },
          {
            tracks: [earlier.id, later.id],
            frames: frameSet([earlier.observations[0].frame, later.observations[0].frame]),
            span: [earlier.firstSeen, later.firstSeen],
          },
          Math.min(x.confidence, y.confidence),
        ),
      );
    }
  }
  return candidates;
}

function counting(context: Context): Candidate[] {
  const { eligible, random, clip } = context;
  const candidates: Candidate[] = [];
  const motion = context.result.tracks.filter((t) => t.source === 'motion');
  // A weak track might be one more object, or a piece of one already counted: no count then.
  if (motion.length > 0 && motion.every((t) => eligible.includes(t))) {
    candidates.push(
      dialogue(
        'counting',
        choose(COUNT_MOVING, random),
        { count: motion.length },
        { tracks: motion.map((t) => t.id), frames: frameSet(motion.flatMap(ends)), span: [0, clip.duration] },
        Math.min(...motion.map((t) => t.confidence)),
      ),
    );
  }
  const texts = context.result.tracks.filter((t) => t.source === 'ocr' && t.text);
  if (texts.length > 0 && texts.every((t) => eligible.includes(t))) {
    const distinct = new Map<string, string>();
    for (const t of [...texts].sort((a, b) => a.firstSeen - b.firstSeen)) {
      const key = normaliseText(t.text!);
      if (!distinct.has(key)) distinct.set(key, `"${t.text}"`);
    }
    candidates.push(
      dialogue(
        'counting',
        choose(COUNT_TEXTS, random),
        { count: distinct.size, items: [...distinct.values()] },
        { tracks: texts.map((t) => t.id), frames: frameSet(texts.flatMap(ends)), span: [0, clip.duration] },
        Math.min(...texts.map((t) => t.confidence)),
      ),
    );
  }
  if (clip.shots) {
    // Shot cuts come from the shot detector and are taken as given.
    candidates.push(
      dialogue(
        'counting',
        choose(COUNT_SHOTS, random),
        { count: clip.shots.length + 1 },
        { tracks: [], frames: frameSet(clip.shots), span: [0, clip.duration] },
        1,
      ),
    );
  }
  return candidates;
}

function description(context: Context, caption: string): Candidate {
  return dialogue(
    'description',
    choose(DESCRIPTION, context.random),
    { caption },
    { tracks: [], frames: frameSet(context.clip.frames), span: [0, context.clip.duration] },
    CAPTION_CONFIDENCE,
  );
}

// ---------- Helpers ----------

function dialogue<S>(
  kind: GeneratedDialogue['kind'],
  template: DialogueTemplate<S>,
  slots: S,
  evidence: DialogueEvidence,
  confidence: number,
): Candidate {
  return {
    kind,
    turns: [
      { role: 'human', text: `<video>\n${template.question(slots)}` },
      { role: 'gpt', text: template.answer(slots) },
    ],
    evidence,
    confidence,
  };
}

/** With `max`: kinds take turns (each kind's dialogues in seeded order). Listed by kind, then time. */
function pick(
  dialogues: GeneratedDialogue[],
  max: number | undefined,
  random: () => number,
): GeneratedDialogue[] {
  const order = (a: GeneratedDialogue, b: GeneratedDialogue) =>
    KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) ||
    (a.evidence.span?.[0] ?? 0) - (b.evidence.span?.[0] ?? 0) ||
    a.id.localeCompare(b.id);
  const sorted = [...dialogues].sort(order);
  if (max === undefined || max >= sorted.length) return sorted;
  const queues = KINDS.map((kind) =>
    shuffle(
      sorted.filter((d) => d.kind === kind),
      random,
    ),
  );
  const picked: GeneratedDialogue[] = [];
  while (picked.length < max) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next && picked.length < max) picked.push(next);
    }
  }
  return picked.sort(order);
}

/** How a track is named: "the yellow object", "the text \"HELLO\"", "the person" (or a/an ...). */
function describe(track: Track, indefiniteArticle: boolean): string {
  if (track.source === 'ocr') return `the text "${track.text ?? ''}"`;
  const noun =
    track.source === 'motion'
      ? track.label
        ? `${track.label} object`
        : 'moving object'
      : (track.label ?? 'object');
  return indefiniteArticle ? indefinite(noun) : `the ${noun}`;
}

/** No other track is seen at that frame overlapping the box: the box names one thing. */
function uniqueAt(context: Context, track: Track, frame: FrameRef, box: Box): boolean {
  return !context.result.tracks.some(
    (t) => t !== track && t.observations.some((o) => o.frame.index === frame.index && iou(o.box, box) > 0.1),
  );
}

/** Where a track goes, from its first box to its last, in words. */
function pathPhrase(first: Box, last: Box, context: Context): string {
  const [x0, y0] = centre(first, context.result);
  const [x1, y1] = centre(last, context.result);
  const [from, to] = [region(x0, y0), region(x1, y1)];
  if (Math.hypot(x1 - x0, y1 - y0) < context.settings.minMove) return `stays near the ${from} of the frame`;
  if (from !== to) return `moves from the ${from} to the ${to} of the frame`;
  return `moves ${direction(x1 - x0, y1 - y0)} within the ${from} of the frame`;
}

function direction(dx: number, dy: number): string {
  const horizontal = dx > 0 ? 'right' : 'left';
  const vertical = dy > 0 ? 'down' : 'up';
  if (Math.abs(dx) >= 2 * Math.abs(dy)) return `to the ${horizontal}`;
  if (Math.abs(dy) >= 2 * Math.abs(dx)) return vertical;
  return `${vertical} and to the ${horizontal}`;
}

/** The frame in thirds: "top left", "top", ..., "centre", ..., "bottom right". */
function region(x: number, y: number): string {
  const row = y < 1 / 3 ? 'top' : y > 2 / 3 ? 'bottom' : '';
  const column = x < 1 / 3 ? 'left' : x > 2 / 3 ? 'right' : '';
  return [row, column].filter(Boolean).join(' ') || 'centre';
}

function centre(box: Box, size: TrackResult): [number, number] {
  return [(box[0] + box[2]) / 2 / size.width, (box[1] + box[3]) / 2 / size.height];
}

function displacement(a: Box, b: Box, size: TrackResult): number {
  const [x0, y0] = centre(a, size);
  const [x1, y1] = centre(b, size);
  return Math.hypot(x1 - x0, y1 - y0);
}

/** Motion tracks start at the later frame of a pair: the object was there one frame step earlier. */
function motionLag(track: Track, clip: DialogueClip): number {
  if (track.source !== 'motion') return 0;
  const before = clip.frames.filter((f) => f.time < track.firstSeen);
  return before.length > 0 ? track.firstSeen - before[before.length - 1].time : 0;
}

function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

function ends(track: Track): FrameRef[] {
  return [track.observations[0].frame, track.observations[track.observations.length - 1].frame];
}

function span(track: Track): [number, number] {
  return [track.firstSeen, track.lastSeen];
}

function frameSet(frames: readonly FrameRef[]): FrameRef[] {
  const byIndex = new Map(frames.map((f) => [f.index, f]));
  return [...byIndex.values()].sort((a, b) => a.time - b.time);
}

export function formatTime(seconds: number): string {
  return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
}

/** Normalised to the frame, clamped to [0, 1], two decimals. */
export function formatBox(box: Box, size: { width: number; height: number }): string {
  const scale = [size.width, size.height, size.width, size.height];
  return `[${box.map((v, i) => Math.min(1, Math.max(0, v / scale[i])).toFixed(2)).join(', ')}]`;
}

function choose<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
