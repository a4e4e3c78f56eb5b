import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fakeMediaBinary } from '../../helpers/fakeMediaBinary';
import { runCli } from '../../helpers/runCli';
import { tempFolder } from '../../helpers/tempFolder';

const unixOnly = process.platform === 'win32' && 'fake binaries are shell scripts';
// Blank out the caller's own settings so only what each test sets counts.
const clean = { VIDEO_CURATOR_FFMPEG: '', VIDEO_CURATOR_FFPROBE: '' };

test(
  'doctor shows each binary with its path, source and version, and exits 0',
  { skip: unixOnly },
  async (t) => {
    const bin = await tempFolder(t);
    const ffmpeg = await fakeMediaBinary(bin, 'ffmpeg', '9.9.9-fake');
    const ffprobe = await fakeMediaBinary(bin, 'ffprobe', '8.8.8-fake');
    const result = await runCli(['doctor'], { ...clean, PATH: bin });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const lines = result.stdout.split('\n');
    const line = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(line('ffmpeg'), new RegExp(`ok\\s+${ffmpeg} \\(from PATH\\), version 9\\.9\\.9-fake$`));
    assert.match(line('ffprobe'), new RegExp(`ok\\s+${ffprobe} \\(from PATH\\), version 8\\.8\\.8-fake$`));
    // No CUDA provider libraries are installed here: auto tries cuda and says why it runs on CPU.
    assert.match(
      line('inference'),
      /ok\s+cpu \(device setting: auto\): auto: tried cuda \(provider library not found\), running on CPU$/,
    );
    assert.match(line('node'), new RegExp(process.version.replace(/\./g, '\\.')));
    assert.doesNotMatch(result.stdout, /what to do/);
  },
);

test('doctor --json prints one object with path, source and version', { skip: unixOnly }, async (t) => {
  const root = await tempFolder(t);
  const ffmpeg = await fakeMediaBinary(join(root, 'env'), 'ffmpeg', '7.0-env');
  const ffprobe = await fakeMediaBinary(join(root, 'path'), 'ffprobe', '7.0-path');
  const result = await runCli(['doctor', '--json'], {
    ...clean,
    VIDEO_CURATOR_FFMPEG: ffmpeg,
    PATH: join(root, 'path'),
  });
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  assert.deepEqual(json.ffmpeg, { path: ffmpeg, source: 'env', version: '7.0-env' });
  assert.deepEqual(json.ffprobe, { path: ffprobe, source: 'path', version: '7.0-path' });
  assert.equal(json.inference.available, true);
  assert.equal(json.inference.provider, 'cpu');
  assert.equal(json.inference.requested, 'auto');
  assert.equal(json.node, process.version);
  assert.equal(json.platform, process.platform);
});

test('doctor exits 1 and says what to do when a binary is misconfigured', { skip: unixOnly }, async (t) => {
  const bin = await tempFolder(t);
  await fakeMediaBinary(bin, 'ffmpeg', '9.9.9-fake');
  await fakeMediaBinary(bin, 'ffprobe', '9.9.9-fake');
  const missing = join(bin, 'no-such-ffprobe');
  const env = { ...clean, PATH: bin, VIDEO_CURATOR_FFPROBE: missing };

  const human = await runCli(['doctor'], env);
  assert.equal(human.code, 1, human.stderr + human.stdout);
  assert.match(human.stdout, /^ffmpeg\s+ok\s/m);
  assert.match(
    human.stdout,
    new RegExp(`^ffprobe\\s+BROKEN\\s+VIDEO_CURATOR_FFPROBE points at ${missing}, which does not exist`, 'm'),
  );
  assert.match(human.stdout, /what to do:\n {2}ffprobe: fix or unset VIDEO_CURATOR_FFPROBE/);

  const json = await runCli(['doctor', '--json'], env);
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  assert.equal(report.ffmpeg.version, '9.9.9-fake');
  assert.match(report.ffprobe.error, /VIDEO_CURATOR_FFPROBE points at/);
  assert.equal(report.ffprobe.path, undefined);
});

test('doctor reports a binary that is found but does not run', { skip: unixOnly }, async (t) => {
  const bin = await tempFolder(t);
  await fakeMediaBinary(bin, 'ffprobe', '9.9.9-fake');
  const broken = await fakeMediaBinary(join(bin, 'broken'), 'ffmpeg', 'x');
  await writeFile(broken, '#!/bin/sh\necho "cannot open shared object file" >&2\nexit 127\n');
  const result = await runCli(['doctor', '--json'], { ...clean, PATH: bin, VIDEO_CURATOR_FFMPEG: broken });
  assert.equal(result.code, 1);
  const report = JSON.parse(result.stdout);
  assert.equal(report.ffmpeg.source, 'env');
  assert.match(report.ffmpeg.error, /exited with code 127: cannot open shared object file/);
});
