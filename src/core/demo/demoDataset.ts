// A small dataset the project makes itself, so the main job runs anywhere with ffmpeg: clips from
// ffmpeg's lavfi sources with known content, annotated in five formats, with a few real flaws
// (a missing video, a truncated upload, a window past the end) so validation has something to say.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DemoClip {
  file: string;
  seconds: number;
  /** The lavfi filter graph that draws it (320x240, 24 fps). */
  graph: string;
  description: string;
}

const SIZE = '320x240';
const RATE = 24;

export const DEMO_CLIPS: readonly DemoClip[] = [
  {
    file: 'counter.mp4',
    seconds: 6,
    graph: `testsrc=size=${SIZE}:rate=${RATE}`,
    description: 'a test pattern with a running frame counter',
  },
  {
    file: 'moving_box.mp4',
    seconds: 6,
    graph: `color=c=0x1e3a5f:size=${SIZE}:rate=${RATE}[bg];color=c=yellow:size=40x40:rate=${RATE}[box];[bg][box]overlay=x='20+t*45':y=100:shortest=1`,
    description: 'a yellow box moving from left to right over a dark blue background',
  },
  {
    file: 'scenes.mp4',
    seconds: 6,
    graph: `color=c=red:size=${SIZE}:rate=${RATE}:d=2[a];color=c=green:size=${SIZE}:rate=${RATE}:d=2[b];color=c=blue:size=${SIZE}:rate=${RATE}:d=2[c];[a][b][c]concat=n=3:v=1:a=0`,
    description: 'three scenes: red, then green, then blue, two seconds each',
  },
  {
    file: 'still_bars.mp4',
    seconds: 5,
    graph: `smptebars=size=${SIZE}:rate=${RATE}`,
    description: 'static colour bars; a single frame explains everything',
  },
  {
    file: 'text_card.mp4',
    seconds: 6,
    graph: `color=c=0x202020:size=${SIZE}:rate=${RATE},drawtext=${fontOption()}text='HELLO':fontsize=56:fontcolor=white:x=(w-tw)/2:y=(h-th)/2:enable='between(t\\,2\\,4)'`,
    description: 'a dark card on which the word HELLO appears from 2 s to 4 s',
  },
  {
    file: 'zoom.mp4',
    seconds: 4,
    graph: `mandelbrot=size=${SIZE}:rate=${RATE}`,
    description: 'a Mandelbrot zoom',
  },
];

/** drawtext needs a font: a common system one when present, else fontconfig's default. */
function fontOption(): string {
  const candidates = [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/TTF/DejaVuSans.ttf',
    '/System/Library/Fonts/Supplemental/Arial.ttf',
  ];
  const found = candidates.find((path) => existsSync(path));
  return found ? `fontfile=${found}:` : '';
}

export interface DemoOptions {
  ffmpeg: string;
  signal?: AbortSignal;
  onClip?: (clip: DemoClip, made: boolean) => void;
}

/** Creates (or refreshes) the demo dataset in `folder`; clips already there are kept. */
export async function generateDemoDataset(folder: string, options: DemoOptions): Promise<void> {
  const videos = join(folder, 'videos');
  await mkdir(videos, { recursive: true });
  for (const clip of DEMO_CLIPS) {
    options.signal?.throwIfAborted();
    const target = join(videos, clip.file);
    const exists = await stat(target).then(
      (s) => s.size > 0,
      () => false,
    );
    if (!exists) await renderClip(options.ffmpeg, clip, target, options.signal);
    options.onClip?.(clip, !exists);
  }
  // A real-world flaw: an upload cut short, so the MP4 lost its index (moov atom) at the end.
  const whole = await readFile(join(videos, 'counter.mp4'));
  await writeFile(join(videos, BROKEN_CLIP), whole.subarray(0, Math.floor(whole.length / 3)));
  for (const [name, text] of Object.entries(demoAnnotations())) await writeFile(join(folder, name), text);
}

/** A truncated copy of counter.mp4 that the media stage must report, not choke on. */
export const BROKEN_CLIP = 'broken_upload.mp4';

function renderClip(ffmpeg: string, clip: DemoClip, target: string, signal?: AbortSignal): Promise<void> {
  const partial = `${target}.partial.mp4`;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    clip.graph,
    '-t',
    String(clip.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(RATE),
    partial,
  ];
  return new Promise((ok, fail) => {
    execFile(ffmpeg, args, { signal, timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error) {
        fail(new Error(`ffmpeg could not make demo clip ${clip.file}: ${stderr.trim() || error.message}`));
        return;
      }
      rename(partial, target).then(ok, fail);
    });
  });
}

/** The annotation files, by name. Kept as data so tests can read the truth they encode. */
export function demoAnnotations(): Record<string, string> {
  const llava = [
    {
      id: 'counter-describe',
      video: 'videos/counter.mp4',
      conversations: [
        { from: 'human', value: '<video>\nWhat is shown in this video?' },
        {
          from: 'gpt',
          value: 'A colourful test pattern with a frame counter that increases over six seconds.',
        },
      ],
    },
    {
      id: 'box-direction',
      video: 'videos/moving_box.mp4',
      conversations: [
        { from: 'human', value: '<video>\nWhich way does the yellow box move?' },
        { from: 'gpt', value: 'It moves from the left edge towards the right.' },
      ],
    },
    {
      id: 'card-order',
      video: 'videos/text_card.mp4',
      conversations: [
        { from: 'human', value: '<video>\nWhat appears on the card, and when?' },
        {
          from: 'gpt',
          value: 'The card is blank, then the word HELLO appears at 2 seconds and is gone by 4 seconds.',
        },
      ],
    },
    {
      id: 'bars-colours',
      video: 'videos/still_bars.mp4',
      conversations: [
        { from: 'human', value: '<video>\nWhat colours appear?' },
        { from: 'gpt', value: 'Vertical colour bars: grey, yellow, cyan, green, magenta, red and blue.' },
      ],
    },
    {
      id: 'cut-upload',
      video: 'videos/broken_upload.mp4',
      conversations: [
        { from: 'human', value: '<video>\nWhat number is shown at the end?' },
        { from: 'gpt', value: 'The counter reaches 143.' },
      ],
    },
    {
      id: 'lost-clip',
      video: 'videos/interview.mp4',
      conversations: [
        { from: 'human', value: '<video>\nWho is speaking?' },
        { from: 'gpt', value: 'A woman in a red coat.' },
      ],
    },
  ];
  const grounding = [
    { qid: 1, query: 'the screen turns green', duration: 6, vid: 'scenes', relevant_windows: [[2, 4]] },
    {
      qid: 2,
      query: 'the yellow box passes the centre',
      duration: 6,
      vid: 'moving_box',
      relevant_windows: [[2.5, 3.5]],
    },
    { qid: 3, query: 'the zoom continues', duration: 4, vid: 'zoom', relevant_windows: [[3, 4.5]] },
    { qid: 4, query: 'the word HELLO is shown', duration: 6, vid: 'text_card', relevant_windows: [[2, 4]] },
  ];
  const captions = {
    moving_box: {
      duration: 6,
      timestamps: [
        [0, 3],
        [3, 6],
      ],
      sentences: ['A yellow box enters on the left.', 'The box keeps moving to the right.'],
    },
  };
  const charades = ['scenes 0.0 2.0##the screen is red.', 'scenes 4.0 6.0##the screen is blue.'];
  const mcq = [
    'video,question,a0,a1,a2,answer',
    'still_bars.mp4,How many times does the picture change?,never,once,twice,0',
    'scenes.mp4,Which colour comes last?,red,green,blue,2',
  ];
  return {
    'conversations.json': `${JSON.stringify(llava, null, 2)}\n`,
    'grounding.jsonl': `${grounding.map((g) => JSON.stringify(g)).join('\n')}\n`,
    'captions.json': `${JSON.stringify(captions, null, 2)}\n`,
    'charades.txt': `${charades.join('\n')}\n`,
    'questions.csv': `${mcq.join('\n')}\n`,
    'video-curator.json': `${JSON.stringify({ videoRoots: ['videos'] }, null, 2)}\n`,
  };
}
