import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readFrameTimeline } from '../../../src/core/media/frameTimeline';
import { MediaError } from '../../../src/core/media/mediaError';
import { probeVideo } from '../../../src/core/media/probeVideo';
import { sampleFrames } from '../../../src/core/media/sampleFrames';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';
import { tempFolder } from '../../helpers/tempFolder';

function childFfmpegs(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)]).toString();
  return out.split('\n').filter((l) => /ffmpeg|ffprobe/.test(l));
}

async function expectMediaError(
  promise: Promise<unknown>,
  code: MediaError['code'],
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MediaError, `expected a MediaError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('bad media gives a per-clip error that says what is wrong', { skip: noFfmpeg }, () => {
  test('missing, empty, folder, random bytes, truncated, audio-only, unknown codec', async (t) => {
    const dir = await tempFolder(t);
    const good = barcodeClip({ seconds: 2 });
    const bytes = await readFile(good);
    await writeFile(join(dir, 'empty.mp4'), '');
    await mkdir(join(dir, 'folder.mp4'));
    const noise = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251));
    await writeFile(join(dir, 'noise.mp4'), noise);
    await writeFile(join(dir, 'noise.mkv'), noise);
    // x264 in MP4 puts the moov atom at the end: cutting the file loses it.
    await writeFile(join(dir, 'truncated.mp4'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    execFileSync(ffmpeg!, [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=1',
      join(dir, 'audio.m4a'),
    ]);
    // Rename the codec's sample entry so no decoder claims it.
    const patched = Buffer.from(bytes);
    const at = patched.indexOf('avc1', patched.indexOf('stsd'));
    assert.ok(at > 0);
    patched.write('qqqq', at);
    await writeFile(join(dir, 'unknown-codec.mp4'), patched);

    const probe = (name: string) => probeVideo(ffprobe!, join(dir, name));
    await expectMediaError(probe('nope.mp4'), 'missing', /nope\.mp4: file not found/);
    await expectMediaError(probe('empty.mp4'), 'empty', /empty \(0 bytes\)/);
    await expectMediaError(probe('folder.mp4'), 'unreadable', /is a folder/);
    await expectMediaError(probe('noise.mp4'), 'corrupt', /no moov atom/);
    await expectMediaError(probe('noise.mkv'), 'corrupt', /not a readable video/);
    await expectMediaError(probe('truncated.mp4'), 'corrupt', /no moov atom/);
    await expectMediaError(probe('audio.m4a'), 'no-video-stream', /holds audio only/);
    await expectMediaError(
      probe('unknown-codec.mp4'),
      'unsupported-codec',
      /codec "qqqq" is unknown to this ffmpeg/,
    );
  });

  test('an unreadable file (permissions) says so', async (t) => {
    const dir = await tempFolder(t);
    const path = join(dir, 'locked.mp4');
    await writeFile(path, await readFile(barcodeClip({ seconds: 2 })));
    await chmod(path, 0o000);
    await chmod(dir, 0o755);
    // Root ignores mode bits, so as root the probe runs as the unprivileged user `nobody`.
    const asRoot = process.getuid?.() === 0;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../../helpers/probeInChild.ts'), ffprobe!, path],
      {
        cwd: join(__dirname, '../../..'),
        encoding: 'utf8',
        ...(asRoot
          ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: dir, TSX_TSCONFIG_PATH: '' } }
          : {}),
      },
    );
    if (asRoot && child.status !== 0 && /EACCES|permission/i.test(child.stderr) && !child.stdout) {
      t.skip(`user nobody cannot run the test helper here: ${child.stderr.split('\n')[0]}`);
      return;
    }
    assert.deepEqual(JSON.parse(child.stdout), {
      code: 'unreadable',
      message: `${path}: permission denied: the file cannot be read`,
    });
  });

  test('cancelling kills ffmpeg and leaves no process behind; a timeout does too', async () => {
    const path = barcodeClip({ seconds: 60, width: 640, height: 480, gop: 250 });
    const probe = await probeVideo(ffprobe!, path);
    const timeline = await readFrameTimeline(ffprobe!, path, probe.streamIndex);
    const video = { path, probe, timeline };
    const size = { width: 224, height: 224, fit: 'letterbox' as const };
    const controller = new AbortController();
    const started = Date.now();
    const run = sampleFrames(
      ffmpeg!,
      video,
      { kind: 'window', start: 0, end: 60, max: 1000 },
      { size, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 150);
    await expectMediaError(run, 'cancelled', /cancelled/);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(childFfmpegs(), []);

    await expectMediaError(
      sampleFrames(
        ffmpeg!,
        video,
        { kind: 'window', start: 0, end: 60, max: 1000 },
        { size, timeoutMs: 200 },
      ),
      'timeout',
      /longer than 0\.2 s/,
    );
    assert.deepEqual(childFfmpegs(), []);
  });
});
