import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { binaryVersion } from '../../../src/core/media/binaryVersion';
import {
  findBinary,
  lookupBinary,
  MediaBinaryError,
  resolveBinary,
  resolveMediaBinaries,
} from '../../../src/core/media/ffmpegPaths';
import { fakeMediaBinary } from '../../helpers/fakeMediaBinary';
import { tempFolder } from '../../helpers/tempFolder';

const unixOnly = process.platform === 'win32' && 'fake binaries are shell scripts';

/** One fake ffmpeg per source, each with its own version, so the winner is unambiguous. */
async function fakes(t: TestContext) {
  const root = await tempFolder(t);
  return {
    root,
    setting: await fakeMediaBinary(join(root, 'setting'), 'ffmpeg', '1.0-setting'),
    env: await fakeMediaBinary(join(root, 'env'), 'ffmpeg', '2.0-env'),
    pathDir: join(root, 'path'),
    onPath: await fakeMediaBinary(join(root, 'path'), 'ffmpeg', '3.0-path'),
    bundled: await fakeMediaBinary(join(root, 'bundled'), 'ffmpeg', '4.0-bundled'),
  };
}

test(
  'resolution order: setting, then env var, then PATH, then the bundled package',
  { skip: unixOnly },
  async (t) => {
    const f = await fakes(t);
    const bundled = () => f.bundled;
    const env = { VIDEO_CURATOR_FFMPEG: f.env, PATH: f.pathDir };

    const cases = [
      {
        options: { explicit: f.setting, env, bundled },
        source: 'setting',
        path: f.setting,
        version: '1.0-setting',
      },
      { options: { env, bundled }, source: 'env', path: f.env, version: '2.0-env' },
      { options: { env: { PATH: f.pathDir }, bundled }, source: 'path', path: f.onPath, version: '3.0-path' },
      { options: { env: { PATH: '' }, bundled }, source: 'bundled', path: f.bundled, version: '4.0-bundled' },
    ] as const;
    for (const c of cases) {
      const found = resolveBinary('ffmpeg', c.options);
      assert.equal(found.source, c.source);
      assert.equal(found.path, c.path);
      assert.equal((await binaryVersion(found.path)).version, c.version);
    }
  },
);

test('PATH is searched in order and skips folders without an executable', { skip: unixOnly }, async (t) => {
  const root = await tempFolder(t);
  await fakeMediaBinary(join(root, 'a'), 'ffmpeg', '0-not-executable', 0o644);
  const second = await fakeMediaBinary(join(root, 'b'), 'ffmpeg', '1-second');
  await fakeMediaBinary(join(root, 'c'), 'ffmpeg', '2-third');
  const path = ['a', 'nowhere', 'b', 'c']
    .map((d) => join(root, d))
    .join(process.platform === 'win32' ? ';' : ':');
  assert.equal(findBinary('ffmpeg', undefined, { PATH: path }), second);
});

test('a bare command name as the setting is looked up on PATH', { skip: unixOnly }, async (t) => {
  const f = await fakes(t);
  const found = resolveBinary('ffmpeg', { explicit: 'ffmpeg', env: { PATH: f.pathDir }, bundled: false });
  assert.deepEqual([found.source, found.path], ['setting', f.onPath]);
});

test(
  'a setting or env var pointing at nothing usable is an error, never a fall-through',
  { skip: unixOnly },
  async (t) => {
    const f = await fakes(t);
    const notExecutable = await fakeMediaBinary(join(f.root, 'plain'), 'ffprobe', '9', 0o644);
    const folder = join(f.root, 'a-folder');
    await mkdir(folder);
    const env = { PATH: f.pathDir };

    const missing = lookupBinary('ffmpeg', { explicit: join(f.root, 'missing', 'ffmpeg'), env });
    assert.equal(missing.found, false);
    assert.ok(!missing.found && missing.reason === 'bad-setting');
    assert.match(missing.message, /videoCurator\.ffmpegPath/);
    assert.match(missing.message, /missing[\\/]ffmpeg, which does not exist/);

    const badEnv = lookupBinary('ffprobe', { env: { ...env, VIDEO_CURATOR_FFPROBE: notExecutable } });
    assert.ok(!badEnv.found && badEnv.reason === 'bad-env');
    assert.match(
      badEnv.message,
      /VIDEO_CURATOR_FFPROBE points at .*plain[\\/]ffprobe, which is not executable/,
    );

    const dir = lookupBinary('ffmpeg', { env: { ...env, VIDEO_CURATOR_FFMPEG: folder } });
    assert.ok(!dir.found && /is not a file/.test(dir.message));

    // The env var is wrong even though a good ffmpeg sits on PATH: the sync API throws rather than pick it.
    assert.throws(
      () => findBinary('ffmpeg', undefined, { ...env, VIDEO_CURATOR_FFMPEG: join(f.root, 'nope') }),
      (error: unknown) => error instanceof MediaBinaryError && /VIDEO_CURATOR_FFMPEG/.test(error.message),
    );
    // An empty variable counts as unset.
    assert.equal(findBinary('ffmpeg', '', { ...env, VIDEO_CURATOR_FFMPEG: '  ' }), f.onPath);
  },
);

test('nothing found says what was tried and what to do', async () => {
  const lookup = lookupBinary('ffprobe', {
    env: { PATH: '' },
    bundled: () => {
      throw 'Unsupported platform/architecture: plan9-mips'; // the package throws strings like this
    },
  });
  assert.ok(!lookup.found);
  assert.equal(lookup.reason, 'not-found');
  assert.deepEqual(lookup.tried, [
    'PATH (empty)',
    '@ffprobe-installer/ffprobe (Unsupported platform/architecture: plan9-mips)',
  ]);
  assert.match(lookup.message, /apt-get install ffmpeg/);
  assert.match(lookup.message, /VIDEO_CURATOR_FFPROBE/);
  assert.throws(() => resolveBinary('ffprobe', { env: { PATH: '' }, bundled: false }), MediaBinaryError);
});

test(
  'a bundled binary without its x bit (npm blocked the chmod script) is made executable',
  { skip: unixOnly },
  async (t) => {
    const root = await tempFolder(t);
    const path = await fakeMediaBinary(root, 'ffmpeg', '4.0-bundled', 0o644);
    const found = resolveBinary('ffmpeg', { env: { PATH: '' }, bundled: () => path });
    assert.equal(found.source, 'bundled');
    assert.match(found.notes.join(), /chmod u\+x/);
    assert.equal((await stat(path)).mode & 0o777, 0o744);
    assert.equal((await binaryVersion(path)).version, '4.0-bundled');
  },
);

const bundledInstalled = (() => {
  try {
    require.resolve('@ffmpeg-installer/ffmpeg');
    require.resolve('@ffprobe-installer/ffprobe');
    return true;
  } catch {
    return false;
  }
})();

test(
  'with an empty PATH the real bundled packages provide ffmpeg and ffprobe',
  { skip: !bundledInstalled && 'optional @ffmpeg-installer packages not installed' },
  async () => {
    const both = resolveMediaBinaries({ env: { PATH: '' } });
    for (const name of ['ffmpeg', 'ffprobe'] as const) {
      const lookup = both[name];
      assert.ok(lookup.found, lookup.found ? '' : lookup.message);
      assert.equal(lookup.source, 'bundled');
      assert.match(lookup.path, new RegExp(`node_modules[\\\\/]@${name}-installer[\\\\/]`));
      const { version, libraries } = await binaryVersion(lookup.path);
      assert.match(version, /^N-\d+-g[0-9a-f]+-static$/);
      assert.ok(libraries?.libavformat, 'libraries parsed');
    }
  },
);

test('resolveMediaBinaries takes a separate setting for each binary', { skip: unixOnly }, async (t) => {
  const root = await tempFolder(t);
  const ffmpeg = await fakeMediaBinary(join(root, 'x'), 'ffmpeg', '1');
  const ffprobe = await fakeMediaBinary(join(root, 'y'), 'ffprobe', '1');
  const both = resolveMediaBinaries({ ffmpeg, ffprobe, env: { PATH: '' }, bundled: false });
  assert.deepEqual(
    [both.ffmpeg, both.ffprobe].map((b) => b.found && [b.source, b.path]),
    [
      ['setting', ffmpeg],
      ['setting', ffprobe],
    ],
  );
});
