// Corrupted videos: truncated at several offsets, seeded bit flips, other files under a video's name.
// Each gives a per-clip MediaError with a code and the path (or decodes, when ffmpeg legitimately
// recovers from flipped bits), within the timeout, and leaves no ffmpeg/ffprobe child behind.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeDataset } from '../../../src/core/analysis/analyzeDataset';
import { createDatasetAnalyzer } from '../../../src/core/analysis/datasetAnalyzer';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { createInferenceService } from '../../../src/core/inference/inferenceService';
import { MediaCache } from '../../../src/core/media/mediaCache';
import { MediaError } from '../../../src/core/media/mediaError';
import { MediaService } from '../../../src/core/media/mediaService';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';
import { tempFolder } from '../../helpers/tempFolder';
import { mulberry32 } from '../../../src/core/analysis/seededRandom';

const TIMEOUT_MS = 20_000;

/** ffmpeg/ffprobe processes whose parent is this test process, from /proc (zombies included). */
function childMediaProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const ppid = Number(/^PPid:\s*(\d+)/m.exec(status)?.[1]);
      const name = /^Name:\s*(.*)$/m.exec(status)?.[1] ?? '';
      if (ppid === process.pid && /ffmpeg|ffprobe/.test(name)) found.push(`${pid} ${name}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

// Deterministic PRNG, so a failing flip pattern can be replayed from the seed.
const random = mulberry32;

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

interface Outcome {
  name: string;
  ok: boolean;
  code?: string;
  ms: number;
}

describe(
  'corrupted videos give per-clip errors, finish in time and leave no process',
  { skip: noFfmpeg },
  () => {
    test('truncations, bit flips, text/PNG/empty files named .mp4, an mp4 named .webm', async (t) => {
      const dir = await tempFolder(t, 'vc-corrupt-');
      const good = barcodeClip({ seconds: 2, fps: 10, width: 96, height: 64 });
      // faststart: moov first, so truncation leaves a readable header and cuts the frames instead.
      const faststart = barcodeClip({
        seconds: 2,
        fps: 10,
        width: 96,
        height: 64,
        outputOptions: ['-movflags', '+faststart'],
      });
      const bytes = await readFile(good);
      const fast = await readFile(faststart);
      const files: Record<string, Buffer> = {
        'text.mp4': Buffer.from('this is not a video\n'),
        'image.mp4': PNG,
        'zero.mp4': Buffer.alloc(0),
      };
      for (const fraction of [0.01, 0.1, 0.5, 0.9, 0.99]) {
        files[`cut-${fraction}.mp4`] = bytes.subarray(0, Math.floor(bytes.length * fraction));
        files[`fast-cut-${fraction}.mp4`] = fast.subarray(0, Math.floor(fast.length * fraction));
      }
      const seeds = [1, 2, 3, 4, 5, 6];
      for (const seed of seeds) {
        const next = random(seed);
        const flipped = Buffer.from(fast);
        // Flip 1..40 bits in the middle 80% (header and index intact or not, as chance has it).
        for (let i = 0, n = 1 + Math.floor(next() * 40); i < n; i++) {
          const at = Math.floor(fast.length * (0.1 + 0.8 * next()));
          flipped[at] ^= 1 << Math.floor(next() * 8);
        }
        files[`flip-${seed}.mp4`] = flipped;
      }
      for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
      await copyFile(good, join(dir, 'renamed.webm'));

      const cache = new MediaCache(join(dir, '.cache'));
      const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, cache, concurrency: 2 });
      const outcomes: Outcome[] = [];
      for (const name of [...Object.keys(files), 'renamed.webm']) {
        const path = join(dir, name);
        const started = Date.now();
        try {
          const { frames } = await media.sample(
            path,
            { kind: 'window', start: 0, end: 2, max: 8 },
            {
              size: { width: 32, height: 32, fit: 'stretch' },
              timeoutMs: TIMEOUT_MS,
            },
          );
          assert.ok(frames.length > 0, `${name}: decoded, so it has frames`);
          outcomes.push({ name, ok: true, ms: Date.now() - started });
        } catch (error) {
          assert.ok(error instanceof MediaError, `${name}: expected a MediaError, got ${String(error)}`);
          assert.ok(error.code, `${name}: error without a code`);
          assert.notEqual(error.code, 'timeout', `${name}: hung until the timeout`);
          assert.ok(error.message.includes(path), `${name}: the message names the file: ${error.message}`);
          outcomes.push({ name, ok: false, code: error.code, ms: Date.now() - started });
        }
        assert.ok(Date.now() - started < TIMEOUT_MS + 5_000, `${name}: took ${Date.now() - started} ms`);
        assert.deepEqual(childMediaProcesses(), [], `${name}: a child process was left behind`);
      }
      const by = (name: string) => outcomes.find((o) => o.name === name)!;
      assert.equal(by('zero.mp4').code, 'empty');
      for (const name of ['text.mp4', 'cut-0.01.mp4', 'cut-0.5.mp4', 'fast-cut-0.01.mp4'])
        assert.equal(by(name).ok, false, `${name} cannot be a readable video: ${JSON.stringify(by(name))}`);
      // A clip cut short (inside its header, or after a complete index that lists frames it no
      // longer holds) is said to be corrupt, never "audio only".
      for (const name of ['fast-cut-0.1.mp4', 'fast-cut-0.5.mp4', 'fast-cut-0.9.mp4']) {
        const outcome = by(name);
        assert.equal(outcome.ok, false, `${name} decoded though half its frames are gone`);
        assert.equal(outcome.code, 'corrupt', `${name}: ${JSON.stringify(outcome)}`);
      }
      // A PNG is a one-frame image to ffmpeg (png_pipe): decoding or refusing it are both sound.
      // ffmpeg reads by content, not extension: an mp4 named .webm is still the same clip.
      assert.equal(by('renamed.webm').ok, true);
      t.diagnostic(JSON.stringify(outcomes.map(({ name, ok, code }) => (ok ? name : `${name}:${code}`))));
    });

    test('a dataset of good and corrupted clips: good ones analysed, bad ones failures, nothing hangs', async (t) => {
      const dir = await tempFolder(t, 'vc-corrupt-ds-');
      const good = barcodeClip({ seconds: 2, fps: 10, width: 96, height: 64 });
      const bytes = await readFile(good);
      await copyFile(good, join(dir, 'good1.mp4'));
      await copyFile(good, join(dir, 'good2.webm'));
      await writeFile(join(dir, 'cut.mp4'), bytes.subarray(0, bytes.length >> 1));
      await writeFile(join(dir, 'text.mp4'), 'not a video');
      await writeFile(join(dir, 'empty.mp4'), '');
      const names = ['good1.mp4', 'good2.webm', 'cut.mp4', 'text.mp4', 'empty.mp4'];
      await writeFile(
        join(dir, 'sta.txt'),
        names.map((n, i) => `${n} 0.0 1.0##event ${i}.`).join('\n') + '\n',
      );
      const index = await indexDataset(dir);
      assert.equal(index.samples.filter((s) => s.video).length, 5);
      const cache = new MediaCache(join(dir, '.video-curator', 'cache'));
      const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, cache, concurrency: 2 });
      const inference = await createInferenceService({ device: 'cpu', globalStorage: join(dir, '.models') });
      t.after(() => inference.runtime.dispose());
      const status = await inference.runtime.status();
      const started = Date.now();
      const results = await analyzeDataset(index, createDatasetAnalyzer({ media, cache, inference, status }));
      assert.ok(Date.now() - started < 120_000);
      assert.deepEqual(results.clips.map((c) => c.video.split('/').pop()).sort(), [
        'good1.mp4',
        'good2.webm',
      ]);
      assert.deepEqual(results.failures.map((f) => [f.video.split('/').pop(), f.code]).sort(), [
        ['cut.mp4', 'corrupt'],
        ['empty.mp4', 'empty'],
        ['text.mp4', 'corrupt'],
      ]);
      for (const f of results.failures) assert.ok(f.message.length > 0);
      assert.deepEqual(childMediaProcesses(), []);
    });
  },
);
