// No child process goes through a shell, and no user string (a video path, a dataset folder) can
// become a command or an option: a static scan of the sources, and the media pipeline run on names
// full of shell metacharacters and leading dashes.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeDataset } from '../../../src/core/analysis/analyzeDataset';
import { createDatasetAnalyzer } from '../../../src/core/analysis/datasetAnalyzer';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { createInferenceService } from '../../../src/core/inference/inferenceService';
import type { InferenceService } from '../../../src/core/inference/inferenceService';
import { MediaCache } from '../../../src/core/media/mediaCache';
import { MediaService } from '../../../src/core/media/mediaService';
import { probeVideo } from '../../../src/core/media/probeVideo';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';

const REPO = join(__dirname, '../../..');

/**
 * Runtime modules allowed to import node:child_process, and what they start. Each passes an argument array to
 * execFile/spawn/fork (never exec, never `shell`); a new entry needs the same review.
 */
const CHILD_PROCESS_ALLOWED: Record<string, string> = {
  'src/core/media/ffprobeRun.ts': 'execFile(ffprobe, [...args, "-i", path])',
  'src/core/media/binaryVersion.ts': 'execFile(binary, ["-version"])',
  'src/core/inference/gpuInstall.ts': "execFile(process.execPath, [onnxruntime's install script])",
  'src/core/inference/inferenceRuntime.ts': 'fork(workerPath, [])',
  'src/core/demo/demoDataset.ts': 'execFile(ffmpeg, args)',
};
/** fluent-ffmpeg spawns ffmpeg with an argument array; only this wrapper may use it. */
const FLUENT_ALLOWED = ['src/core/media/ffmpegProcess.ts'];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...(await sourceFiles(path)));
    } else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

// Comments out, so a comment that names `exec(` or `shell: true` neither fails nor hides anything.
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

describe('no shell: static scan of src/, webview/src and scripts/', () => {
  test('child processes only from the allow-list, never exec/execSync or shell: true', async () => {
    const files = (
      await Promise.all(
        ['src', 'webview/src', 'scripts'].map((d) => sourceFiles(join(REPO, d)).catch(() => [])),
      )
    ).flat();
    assert.ok(files.length > 50, `scanned ${files.length} files`);
    const findings: string[] = [];
    for (const file of files) {
      const rel = relative(REPO, file).split('\\').join('/');
      const text = code(await readFile(file, 'utf8'));
      const usesChildProcess = /['"](node:)?child_process['"]/.test(text);
      // Runtime code (src/, webview/src) needs an allow-list entry; dev scripts only the checks below.
      if (usesChildProcess && !rel.startsWith('scripts/') && !(rel in CHILD_PROCESS_ALLOWED))
        findings.push(`${rel}: imports child_process but is not on the allow-list`);
      if (/['"]fluent-ffmpeg['"]/.test(text) && !FLUENT_ALLOWED.includes(rel))
        findings.push(`${rel}: uses fluent-ffmpeg outside ${FLUENT_ALLOWED.join(', ')}`);
      if (/\bexecSync\b|\bexec\s*\}|\{\s*exec\b|(?<![.\w])exec\s*\(/.test(text))
        findings.push(`${rel}: exec/execSync run a command line through a shell`);
      if (/\bshell\s*:\s*(?!false\b)/.test(text)) findings.push(`${rel}: a shell option other than false`);
      if (usesChildProcess && /\b(execFile|spawn|spawnSync|execFileSync)\s*\(\s*['"`][^'"`]*\s/.test(text))
        findings.push(`${rel}: a command given as one string with spaces`);
    }
    assert.deepEqual(findings, []);
    for (const allowed of Object.keys(CHILD_PROCESS_ALLOWED))
      assert.ok(
        files.some((f) => relative(REPO, f).split('\\').join('/') === allowed),
        `${allowed} is gone: update the allow-list`,
      );
  });

  test('the scan would catch a shell', () => {
    const bad = [
      "import { exec } from 'node:child_process'; exec(`ffmpeg -i ${p}`);",
      "const { execSync } = require('child_process');",
      "spawn('ffmpeg', args, { shell: true })",
      "spawn(cmd, args, { shell: '/bin/sh' })",
    ];
    for (const text of bad) {
      const hit =
        /\bexecSync\b|\bexec\s*\}|\{\s*exec\b|(?<![.\w])exec\s*\(/.test(code(text)) ||
        /\bshell\s*:\s*(?!false\b)/.test(code(text));
      assert.ok(hit, text);
    }
    assert.equal(/(?<![.\w])exec\s*\(/.test(code('const m = /x/.exec(line); // exec(')), false);
  });
});

// File and folder names a shell (or ffmpeg's option parser) would act on.
const HOSTILE_FOLDER = 'ds $(touch pwned) `touch pwned` ; \'q\' "dq" -y';
const HOSTILE_CLIPS = [
  '-i.mp4',
  '-y.mp4',
  '$(touch pwned).mp4',
  '`touch pwned`.mp4',
  'a;touch pwned;b.mp4',
  'x & touch pwned | y.mp4',
  '\'single\' "double".mp4',
  'new\nline.mp4',
  'ünï cödé 動画 😀.mp4',
  'concat:a.mp4',
  'file:b.mp4',
];

describe(
  'hostile file names go through probe, sampling and analysis as plain paths',
  { skip: noFfmpeg },
  () => {
    let root: string;
    let folder: string;
    let inference: InferenceService | undefined;
    before(async () => {
      const { mkdtemp } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      root = await mkdtemp(join(tmpdir(), 'vc-noshell-'));
      folder = join(root, HOSTILE_FOLDER);
      await mkdir(folder);
      const clip = barcodeClip({ seconds: 1, fps: 10, width: 96, height: 64 });
      for (const name of HOSTILE_CLIPS) await copyFile(clip, join(folder, name));
    });
    after(async () => {
      await inference?.runtime.dispose();
      const { rm } = await import('node:fs/promises');
      if (root) await rm(root, { recursive: true, force: true });
    });

    const pwned = async (): Promise<string[]> => {
      const found: string[] = [];
      for (const dir of [REPO, root, folder, process.cwd()]) {
        for (const name of await readdir(dir)) if (name === 'pwned') found.push(join(dir, name));
      }
      return found;
    };

    test('probe and frame sampling read each file by its exact name; no command runs', async () => {
      const cache = new MediaCache(join(root, 'cache'));
      const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, cache, concurrency: 2 });
      for (const name of HOSTILE_CLIPS) {
        const path = join(folder, name);
        const probe = await probeVideo(ffprobe!, path);
        assert.equal(probe.width, 96, name);
        const { frames } = await media.sample(
          path,
          { kind: 'window', start: 0, end: 1, max: 3 },
          {
            size: { width: 32, height: 32, fit: 'stretch' },
          },
        );
        assert.equal(frames.length, 3, name);
      }
      assert.deepEqual(await pwned(), []);
    });

    test('a relative name that looks like an ffmpeg protocol is still a file', async () => {
      // `pipe:1.mp4` relative to the working folder would be ffmpeg's stdout pipe if passed as is.
      const dir = join(root, 'protocols');
      await mkdir(dir, { recursive: true });
      for (const name of ['pipe:1.mp4', 'concat:x.mp4'])
        await copyFile(join(folder, '-i.mp4'), join(dir, name));
      const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, concurrency: 1 });
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        for (const name of ['pipe:1.mp4', 'concat:x.mp4']) {
          const probe = await probeVideo(ffprobe!, name);
          assert.equal(probe.width, 96, name);
          const { frames } = await media.sample(
            name,
            { kind: 'window', start: 0, end: 1, max: 2 },
            { size: { width: 16, height: 16, fit: 'stretch' } },
          );
          assert.equal(frames.length, 2, name);
        }
      } finally {
        process.chdir(cwd);
      }
    });

    test('the analysis of a dataset in a hostile folder runs every clip; no command runs', async () => {
      const lines = ['-i.mp4', '$(touch pwned).mp4', 'a;touch pwned;b.mp4', 'ünï cödé 動画 😀.mp4'].map(
        (name, i) =>
          JSON.stringify({
            id: `r${i}`,
            video: name,
            conversations: [
              { from: 'human', value: '<video>\nWhat happens?' },
              { from: 'gpt', value: 'A box moves.' },
            ],
          }),
      );
      await writeFile(join(folder, 'data.jsonl'), lines.join('\n') + '\n');
      const index = await indexDataset(folder);
      assert.equal(index.samples.length, lines.length);
      assert.ok(
        index.samples.every((s) => s.video),
        'every hostile name resolves to its file',
      );
      const cache = new MediaCache(join(root, 'cache2'));
      const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe!, cache, concurrency: 2 });
      inference = await createInferenceService({ device: 'cpu', globalStorage: join(root, 'models') });
      const status = await inference.runtime.status();
      const results = await analyzeDataset(index, createDatasetAnalyzer({ media, cache, inference, status }));
      assert.deepEqual(results.failures, []);
      assert.equal(results.clips.length, lines.length);
      assert.deepEqual(await pwned(), []);
      assert.ok((await stat(folder)).isDirectory());
    });
  },
);
