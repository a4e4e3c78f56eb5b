import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { runCli } from '../../helpers/runCli';
import { FAKE_VIDEO, tempFolder, writeFiles } from '../../helpers/tempFolder';

async function dataset(t: TestContext): Promise<string> {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'train.jsonl':
      [
        {
          id: 'ok',
          video: 'v.mp4',
          conversations: [
            { from: 'human', value: '<video>\nQ?' },
            { from: 'gpt', value: 'A.' },
          ],
        },
        {
          id: 'lost',
          video: 'nowhere.mp4',
          conversations: [
            { from: 'human', value: '<video>\nQ?' },
            { from: 'gpt', value: 'B.' },
          ],
        },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"id": "broken", \n',
    'sta.txt': 'v 0.0 1.0##one.\nv 2.0 1.0##backwards.\n',
    'v.mp4': FAKE_VIDEO,
  });
  return root;
}

test('index --json reports per file its format, samples and problems, and totals', async (t) => {
  const root = await dataset(t);
  const result = await runCli(['index', root, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const json = JSON.parse(result.stdout);
  const files = Object.fromEntries(json.files.map((f: { relativePath: string }) => [f.relativePath, f]));
  assert.equal(files['train.jsonl'].format, 'llava');
  assert.equal(files['train.jsonl'].samples, 2);
  assert.deepEqual(files['train.jsonl'].problems.map((p: { code: string }) => p.code).sort(), [
    'missing-video',
    'unparsable-record',
  ]);
  assert.equal(files['sta.txt'].format, 'charades-sta');
  assert.equal(json.totals.samples, 4);
  assert.equal(json.totals.videosFound, 1);
  assert.equal(json.totals.videosMissing, 1);
  assert.equal(json.totals.problemsByCode['start-after-end'], 1);
});

test('validate exits 1 on errors and points at file:line:col; 0 once they are gone', async (t) => {
  const root = await dataset(t);
  const bad = await runCli(['validate', root]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /unparsable-record\s+train\.jsonl:3:1/);
  assert.match(bad.stdout, /start-after-end\s+sta\.txt:2:/);
  assert.match(bad.stdout, /invalid: \d+ errors/);

  const clean = await tempFolder(t);
  await writeFiles(clean, { 'sta.txt': 'v 0.0 1.0##one.\n', 'v.mp4': FAKE_VIDEO });
  const good = await runCli(['validate', clean, '--json']);
  assert.equal(good.code, 0, good.stdout);
  assert.equal(JSON.parse(good.stdout).valid, true);
});

test('decide, status, samples and export work together', async (t) => {
  const root = await dataset(t);
  const listed = JSON.parse((await runCli(['samples', root, '--json'])).stdout);
  assert.equal(listed.total, 4);
  const ok = listed.samples.find((s: { id: string }) => s.id.startsWith('ok#'));
  assert.match(ok.source, /train\.jsonl:1:1$/);

  const decided = await runCli([
    'decide',
    root,
    ok.id,
    'accept',
    '--note',
    'looks right',
    '--annotator',
    'ann',
  ]);
  assert.equal(decided.code, 0, decided.stderr);
  const unknown = await runCli(['decide', root, 'nope#123', 'accept']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no sample "nope#123"/);
  const badVerdict = await runCli(['decide', root, ok.id, 'maybe']);
  assert.equal(badVerdict.code, 2);

  const status = JSON.parse((await runCli(['status', root, '--json'])).stdout);
  assert.equal(status.accept, 1);
  assert.equal(status.unreviewed, 3);

  const accepted = JSON.parse((await runCli(['samples', root, '--json', '--verdict', 'accept'])).stdout);
  assert.deepEqual(
    accepted.samples.map((s: { id: string }) => s.id),
    [ok.id],
  );
  const missing = JSON.parse(
    (await runCli(['samples', root, '--json', '--problem', 'missing-video'])).stdout,
  );
  assert.equal(missing.samples.length, 1);

  const exported = await runCli(['export', root, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const report = JSON.parse(exported.stdout);
  assert.equal(report.exported, 1);
  const lines = (await readFile(report.outputs[0].path, 'utf8')).trim().split('\n');
  assert.equal(JSON.parse(lines[0]).id, ok.id);
  assert.equal(report.outputs[0].path, join(root, '.video-curator', 'export', 'curated.jsonl'));
});

test('a missing folder is a clear error, not a stack trace', async () => {
  const result = await runCli(['index', '/definitely/not/here']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /dataset folder not found: \/definitely\/not\/here/);
  assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/);
});
