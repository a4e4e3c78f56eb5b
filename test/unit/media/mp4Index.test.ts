// The in-process MP4 reader gives exactly what ffprobe gives (probe fields and every frame's time
// and keyframe flag), and hands every file it does not fully understand to ffprobe, saying why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { MediaService } from '../../../src/core/media/mediaService';
import { readMp4Index } from '../../../src/core/media/mp4Index';
import { probeVideoWithTimeline } from '../../../src/core/media/probeVideo';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';

const realdata = resolve(__dirname, '../../../../shared/realdata');

/** Renders (once) a clip from lavfi sources with the given output options. */
function lavfiClip(name: string, inputs: string[], output: string[], ext = 'mp4'): string {
  const dir = join(tmpdir(), 'vc-mp4-index-fixtures');
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha1')
    .update(JSON.stringify([inputs, output]))
    .digest('hex')
    .slice(0, 10);
  const path = join(dir, `${name}-${key}.${ext}`);
  if (!existsSync(path))
    execFileSync(ffmpeg!, ['-v', 'error', '-y', ...inputs, ...output, path], { stdio: 'ignore' });
  return path;
}

const testsrc = (size = '160x120', seconds = 3) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=s=${size}:r=25:d=${seconds}`,
];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** Reads the file both ways; when the reader answers, its answer must be ffprobe's, field by field. */
async function sameAsFfprobe(path: string): Promise<{ fast: boolean; why?: string }> {
  const read = await readMp4Index(path);
  if (!('probe' in read)) return { fast: false, why: read.ffprobe };
  const reference = await probeVideoWithTimeline(ffprobe!, path);
  assert.deepEqual(read.probe, reference.probe, `${path}: probe`);
  assert.equal(read.timeline.times.length, reference.timeline.times.length, `${path}: frame count`);
  assert.deepEqual(read.timeline, reference.timeline, `${path}: frame times and keyframes`);
  return { fast: true };
}

describe('MP4 index read in process', { skip: noFfmpeg }, () => {
  test('plain H.264 clips read exactly as ffprobe reads them', async () => {
    const clips = {
      'B-frames, edit list for their delay': barcodeClip({ seconds: 4, gop: 12 }),
      'long GOP': barcodeClip({ seconds: 4, gop: 250 }),
      'no B-frames': lavfiClip('nob', testsrc(), [...h264, '-bf', '0']),
      'with an audio track': lavfiClip(
        'audio',
        [...testsrc(), '-f', 'lavfi', '-i', 'sine=d=3'],
        [...h264, '-c:a', 'aac'],
      ),
      'audio first in the file': lavfiClip(
        'audiofirst',
        ['-f', 'lavfi', '-i', 'sine=d=3', ...testsrc()],
        ['-map', '0:a', '-map', '1:v', ...h264, '-c:a', 'aac'],
      ),
      'full range (yuvj420p)': lavfiClip('fullrange', testsrc(), [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuvj420p',
      ]),
      'cropped size (162x122)': lavfiClip('cropped', testsrc('162x122'), h264),
      'high 4:4:4': lavfiClip('yuv444', testsrc(), [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv444p',
      ]),
      'moov first (faststart)': lavfiClip('faststart', testsrc(), [...h264, '-movflags', '+faststart']),
      'NTSC rate 30000/1001': lavfiClip(
        'ntsc',
        ['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=30000/1001:d=3'],
        h264,
      ),
    };
    for (const [what, path] of Object.entries(clips)) {
      const outcome = await sameAsFfprobe(path);
      assert.ok(outcome.fast, `${what}: read in process (not handed to ffprobe: ${outcome.why})`);
    }
  });

  test('files it does not fully understand go to ffprobe, with the reason', async () => {
    const cases: [string, string, RegExp][] = [
      ['rotated', barcodeClip({ seconds: 2, gop: 12, rotate: 90 }), /display matrix/],
      [
        'fragmented',
        lavfiClip('frag', testsrc(), [...h264, '-movflags', 'frag_keyframe+empty_moov']),
        /fragmented/,
      ],
      ['MPEG-4 part 2', lavfiClip('mpeg4', testsrc(), ['-c:v', 'mpeg4']), /codec mp4v/],
      ['Matroska', lavfiClip('mkv', testsrc(), h264, 'mkv'), /not an MP4/],
      [
        'every frame a keyframe (no stss)',
        lavfiClip('intra', testsrc(), [...h264, '-g', '1']),
        /no sync-sample table/,
      ],
      [
        'variable frame durations',
        barcodeClip({
          seconds: 4,
          gop: 12,
          extraFilter: "select='not(eq(n\\,10))'",
          outputOptions: ['-vsync', 'vfr'],
        }),
        /variable frame durations/,
      ],
    ];
    const faststart = lavfiClip('faststart', testsrc(), [...h264, '-movflags', '+faststart']);
    const cut = join(tmpdir(), 'vc-mp4-index-fixtures', 'cut-short.mp4');
    const bytes = readFileSync(faststart);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    cases.push(['cut short', cut, /past the end of the file/]);
    for (const [what, path, why] of cases) {
      const read = await readMp4Index(path);
      assert.ok(!('probe' in read), `${what}: handed to ffprobe`);
      assert.match(read.ffprobe, why, what);
    }
  });

  test('opening a plain MP4 starts no ffprobe; other files still need it', async () => {
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: '/nonexistent/ffprobe' });
    const opened = await media.open(barcodeClip({ seconds: 4, gop: 12 }));
    assert.equal(opened.timeline.times.length, 100);
    await assert.rejects(media.open(barcodeClip({ seconds: 2, gop: 12, rotate: 90 })));
  });

  test(
    'every real MP4 it reads matches ffprobe exactly',
    { skip: existsSync(realdata) ? false : `no ${realdata}` },
    async () => {
      const files: string[] = [];
      const walk = (dir: string): void => {
        for (const name of readdirSync(dir).sort()) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (/\.(mp4|mov|m4v)$/i.test(name)) files.push(path);
        }
      };
      walk(realdata);
      let fast = 0;
      const handedOn: string[] = [];
      for (const path of files) {
        const outcome = await sameAsFfprobe(path);
        if (outcome.fast) fast++;
        else handedOn.push(`${path.slice(realdata.length + 1)}: ${outcome.why}`);
      }
      console.log(
        `# ${fast} of ${files.length} real MP4s read in process; to ffprobe:\n#   ${handedOn.join('\n#   ')}`,
      );
      assert.ok(fast >= files.length / 2, `most real MP4s are plain H.264 (${fast} of ${files.length})`);
    },
  );
});
