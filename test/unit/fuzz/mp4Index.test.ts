// The in-process MP4 reader on damaged files: whatever the bytes, it answers (a probe, or a reason
// to ask ffprobe) and never throws; when it does answer, the timeline is well formed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { readMp4Index } from '../../../src/core/media/mp4Index';
import { ffmpeg, noFfmpeg } from '../../helpers/mediaFixtures';
import { check } from './fuzzKit';

describe('MP4 index reader on damaged bytes', { skip: noFfmpeg }, () => {
  test('bit flips, overwritten runs and cuts give a probe or a reason, never an exception', async () => {
    const dir = join(tmpdir(), 'vc-fuzz-mp4');
    mkdirSync(dir, { recursive: true });
    const source = join(dir, 'faststart.mp4');
    if (!existsSync(source))
      execFileSync(ffmpeg!, [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=96x64:r=25:d=2',
        '-f',
        'lavfi',
        '-i',
        'sine=d=2',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-c:a',
        'aac',
        '-movflags',
        '+faststart',
        source,
      ]);
    const original = readFileSync(source);
    // Most of the reader's decisions are in the first few kB (ftyp + moov with faststart).
    const head = Math.min(original.length, 8192);
    const damage = fc.record({
      flips: fc.array(fc.record({ at: fc.nat({ max: head - 1 }), bit: fc.nat({ max: 7 }) }), {
        maxLength: 6,
      }),
      runs: fc.array(
        fc.record({ at: fc.nat({ max: head - 1 }), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        {
          maxLength: 3,
        },
      ),
      cut: fc.option(fc.nat({ max: original.length }), { nil: undefined }),
    });
    const target = join(dir, 'damaged.mp4');
    await check(
      fc.asyncProperty(damage, async ({ flips, runs, cut }) => {
        const bytes = Buffer.from(original);
        for (const { at, bit } of flips) bytes[at] ^= 1 << bit;
        for (const { at, bytes: run } of runs) bytes.set(run.subarray(0, bytes.length - at), at);
        writeFileSync(target, cut === undefined ? bytes : bytes.subarray(0, cut));
        const read = await readMp4Index(target);
        if (!('probe' in read)) {
          assert.ok(read.ffprobe.length > 0, 'a reason');
          return;
        }
        const { times, keyframes } = read.timeline;
        assert.ok(
          times.length > 0 && times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1])),
        );
        assert.equal(keyframes[0], 0);
        assert.ok(keyframes.every((k, i) => k < times.length && (i === 0 || k > keyframes[i - 1])));
        assert.ok(read.probe.width > 0 && read.probe.height > 0 && read.probe.duration > 0);
      }),
      300,
    );
  });
});
