import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { binaryVersion, parseVersionBanner } from '../../../src/core/media/binaryVersion';
import { tempFolder } from '../../helpers/tempFolder';

const unixOnly = process.platform === 'win32' && 'fake binaries are shell scripts';

// Heads of real banners: Debian 12's packaged ffmpeg and the static build inside @ffmpeg-installer.
const DEBIAN = `ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers
built with gcc 12 (Debian 12.2.0-14+deb12u1)
configuration: --prefix=/usr --extra-version=0+deb12u1 --toolchain=hardened --enable-gpl --enable-libx264 --enable-shared
libavutil      57. 28.100 / 57. 28.100
libavcodec     59. 37.100 / 59. 37.100
libavformat    59. 27.100 / 59. 27.100
`;
const STATIC = `ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018 the FFmpeg developers
built with gcc 6.3.0 (Debian 6.3.0-18+deb9u1) 20170516
configuration: --enable-gpl --enable-version3 --enable-static --disable-debug
libavutil      56. 24.101 / 56. 24.101
libavfilter     7. 46.101 /  7. 46.101
libswscale      5.  4.100 /  5.  4.100
`;

test('parses the Debian banner', () => {
  const parsed = parseVersionBanner(DEBIAN);
  assert.equal(parsed?.version, '5.1.9-0+deb12u1');
  assert.match(parsed?.configuration ?? '', /^--prefix=\/usr .*--enable-shared$/);
  assert.deepEqual(parsed?.libraries, {
    libavutil: '57.28.100',
    libavcodec: '59.37.100',
    libavformat: '59.27.100',
  });
});

test('parses the static git-build banner, and ffprobe banners', () => {
  const parsed = parseVersionBanner(STATIC);
  assert.equal(parsed?.version, 'N-47683-g0e8eb07980-static');
  assert.deepEqual(parsed?.libraries, {
    libavutil: '56.24.101',
    libavfilter: '7.46.101',
    libswscale: '5.4.100',
  });
  assert.equal(
    parseVersionBanner(STATIC.replace('ffmpeg version', 'ffprobe version'))?.version,
    'N-47683-g0e8eb07980-static',
  );
});

test('text that is not a banner parses to undefined', () => {
  assert.equal(parseVersionBanner('Usage: ffmpeg [options]\n'), undefined);
  assert.equal(parseVersionBanner(''), undefined);
});

async function script(t: TestContext, body: string): Promise<string> {
  const path = join(await tempFolder(t), 'ffmpeg');
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

test('runs the binary and parses what it prints', { skip: unixOnly }, async (t) => {
  const path = await script(t, `cat <<'BANNER'\n${STATIC}BANNER`);
  const version = await binaryVersion(path);
  assert.equal(version.version, 'N-47683-g0e8eb07980-static');
  assert.equal(version.libraries?.libswscale, '5.4.100');
});

test('a failing binary rejects naming the path, exit code and stderr', { skip: unixOnly }, async (t) => {
  const path = await script(
    t,
    'echo "error while loading shared libraries: libavdevice.so.59" >&2\nexit 127',
  );
  await assert.rejects(binaryVersion(path), (error: Error) => {
    assert.ok(error.message.startsWith(`${path} -version failed: exited with code 127`), error.message);
    assert.match(error.message, /libavdevice\.so\.59/);
    return true;
  });
});

test('a binary that prints no banner, or does not exist, rejects', { skip: unixOnly }, async (t) => {
  const path = await script(t, 'echo hello');
  await assert.rejects(binaryVersion(path), /printed no ffmpeg version banner: hello/);
  const missing = join(await tempFolder(t), 'ffmpeg');
  await assert.rejects(binaryVersion(missing), (error: Error) =>
    error.message.startsWith(`${missing} -version failed`),
  );
});

test('a hung binary times out, and an abort rejects with AbortError', { skip: unixOnly }, async (t) => {
  // exec, so the kill reaches sleep itself and the pipes close at once.
  const path = await script(t, 'exec sleep 30');
  const started = Date.now();
  await assert.rejects(binaryVersion(path, { timeoutMs: 200 }), /timed out or was killed \(SIGTERM\)/);
  const controller = new AbortController();
  const pending = binaryVersion(path, { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  assert.ok(Date.now() - started < 10_000);
});
