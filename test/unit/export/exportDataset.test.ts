import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { exportDataset } from '../../../src/core/export/exportDataset';
import { FAKE_VIDEO, tempFolder, writeFiles } from '../../helpers/tempFolder';

async function dataset(t: TestContext) {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'conv.json': JSON.stringify([
      {
        id: 'keep',
        video: 'videos/a.mp4',
        conversations: [
          { from: 'human', value: 'What is it?' },
          { from: 'gpt', value: 'A cat.' },
        ],
      },
      {
        id: 'drop',
        video: 'videos/a.mp4',
        conversations: [
          { from: 'human', value: '<video>\nColour?' },
          { from: 'gpt', value: 'Red.' },
        ],
      },
      {
        id: 'fix',
        video: 'videos/b.mp4',
        conversations: [
          { from: 'human', value: '<video>\nCount?' },
          { from: 'gpt', value: 'Tree.' },
        ],
      },
      {
        id: 'later',
        video: 'videos/b.mp4',
        conversations: [
          { from: 'human', value: '<video>\nWhere?' },
          { from: 'gpt', value: 'Outside.' },
        ],
      },
    ]),
    'sta.txt': 'a 0.0 2.5##a cat sits.\na 3.0 6.0##the cat jumps.\nb 1.0 2.0##something else.\n',
    'moments.jsonl':
      JSON.stringify({
        qid: 7,
        query: 'a person waves',
        duration: 30,
        vid: 'b',
        relevant_windows: [[2, 6]],
      }) + '\n',
    'dense.json': JSON.stringify({
      a: {
        duration: 8,
        timestamps: [
          [0, 4],
          [4, 8],
        ],
        sentences: ['First.', 'Second.'],
      },
    }),
    'videos/a.mp4': FAKE_VIDEO,
    'videos/b.mp4': FAKE_VIDEO,
  });
  const index = await indexDataset(root);
  const id = (pred: (s: (typeof index.samples)[number]) => boolean) => {
    const sample = index.samples.find(pred);
    assert.ok(sample, 'sample exists');
    return sample.id;
  };
  return { root, index, id };
}

test('llava export: accepted and edited samples only, edits applied, one <video> token, paths relative to the output', async (t) => {
  const { root, index, id } = await dataset(t);
  const journal = await DecisionJournal.open(root, { annotator: 'tester' });
  await journal.record({
    sampleId: id((s) => s.recordId === 'keep'),
    verdict: 'accept',
    acceptedDialogues: ['d1', 'gone'],
  });
  await journal.record({ sampleId: id((s) => s.recordId === 'drop'), verdict: 'reject' });
  await journal.record({
    sampleId: id((s) => s.recordId === 'fix'),
    verdict: 'edit',
    edits: {
      turns: [
        { role: 'human', text: '<video>\nCount?' },
        { role: 'gpt', text: 'Three.' },
      ],
    },
  });
  await journal.record({ sampleId: id((s) => s.recordId === 'later'), verdict: 'pending' });
  const out = join(root, 'out', 'curated.jsonl');
  const dialogues = (_sample: string, dialogue: string) =>
    dialogue === 'd1'
      ? [
          { role: 'human' as const, text: '<video>\nWhen does the cat move?' },
          { role: 'gpt' as const, text: 'From 3.0 to 6.0 seconds.' },
        ]
      : undefined;
  const report = await exportDataset(index, journal.all(), { out, dialogues });

  const records = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    records.map((r) => r.conversations.at(-1).value),
    ['From 3.0 to 6.0 seconds.', 'Three.'],
  );
  assert.equal(records[0].video, '../videos/a.mp4');
  for (const r of records) {
    const tokens = r.conversations
      .map((c: { value: string }) => c.value)
      .join(' ')
      .match(/<video>/g);
    assert.equal(tokens?.length, 1, 'exactly one <video> token');
  }
  assert.equal(records[0].conversations[0].value, '<video>\nWhat is it?');
  assert.deepEqual(report.missingDialogues, [{ sampleId: records[0].id, dialogueId: 'gone' }]);
  assert.equal(report.exported, 2);
  assert.deepEqual(report.byVerdict, {
    accept: 1,
    edit: 1,
    reject: 1,
    pending: 1,
    unreviewed: index.samples.length - 4,
  });
  assert.equal(report.bySourceFile['conv.json'].exported, 2);
  const written = JSON.parse(await readFile(report.reportPath, 'utf8'));
  assert.equal(written.exported, 2);
  assert.deepEqual(
    (await readdir(dirname(out))).sort(),
    ['curated.jsonl', 'curated.jsonl.report.json'],
    'no temp files left behind',
  );

  const withPending = await exportDataset(index, journal.all(), { out, includePending: true });
  assert.equal(withPending.exported, index.samples.length - 1);
});

test('source export round-trips Charades-STA, grounding JSONL and ActivityNet with edited windows', async (t) => {
  const { root, index, id } = await dataset(t);
  const journal = await DecisionJournal.open(root);
  await journal.record({ sampleId: id((s) => s.query === 'a cat sits.'), verdict: 'accept' });
  await journal.record({
    sampleId: id((s) => s.query === 'the cat jumps.'),
    verdict: 'edit',
    edits: { windows: [{ start: 3.5, end: 5.25 }] },
  });
  await journal.record({ sampleId: id((s) => s.recordId === '7'), verdict: 'accept' });
  await journal.record({
    sampleId: id((s) => s.query === 'Second.'),
    verdict: 'edit',
    edits: { windows: [{ start: 5, end: 8 }] },
  });
  await journal.record({ sampleId: id((s) => s.recordId === 'keep'), verdict: 'accept' });
  const outDir = join(root, 'exported');
  const report = await exportDataset(index, journal.all(), { out: outDir, format: 'source' });

  assert.equal(
    await readFile(join(outDir, 'sta.txt'), 'utf8'),
    'a 0.0 2.5##a cat sits.\na 3.5 5.25##the cat jumps.\n',
  );
  const moment = JSON.parse(await readFile(join(outDir, 'moments.jsonl'), 'utf8'));
  assert.deepEqual(moment, {
    qid: '7',
    query: 'a person waves',
    duration: 30,
    vid: 'b',
    relevant_windows: [[2, 6]],
  });
  assert.deepEqual(JSON.parse(await readFile(join(outDir, 'dense.json'), 'utf8')), {
    a: { duration: 8, timestamps: [[5, 8]], sentences: ['Second.'] },
  });
  assert.ok(report.outputs.some((o) => o.path.endsWith('curated.llava.jsonl') && o.samples === 1));

  // What we wrote reads back as the same format with the edits in place.
  const reread = await indexDataset(outDir);
  const sta = reread.samples.filter((s) => s.format === 'charades-sta');
  assert.deepEqual(
    sta.map((s) => s.windows),
    [[{ start: 0, end: 2.5 }], [{ start: 3.5, end: 5.25 }]],
  );
  const edited = sta[1].turns.at(-1)?.text;
  assert.match(edited ?? '', /3\.5.*5\.25/);
});

test('an edited window rewrites the answer turn in llava export', async (t) => {
  const { root, index, id } = await dataset(t);
  const journal = await DecisionJournal.open(root);
  await journal.record({
    sampleId: id((s) => s.query === 'the cat jumps.'),
    verdict: 'edit',
    edits: { windows: [{ start: 3.5, end: 5 }] },
  });
  const out = join(root, 'o.jsonl');
  await exportDataset(index, journal.all(), { out });
  const [record] = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.match(record.conversations[0].value, /^<video>\n.*the cat jumps\./s);
  assert.match(record.conversations[1].value, /3\.5.*5\b/);
});
