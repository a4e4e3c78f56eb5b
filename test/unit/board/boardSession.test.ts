import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { AnalysisResults, ClipAnalysis, SampleAnalysis } from '../../../src/core/analysis/analysisTypes';
import { BoardSession } from '../../../src/core/board/boardSession';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import { exportDataset } from '../../../src/core/export/exportDataset';
import type { HostMessage } from '../../../src/protocol/board';
import { BOARD_PROTOCOL_VERSION } from '../../../src/protocol/board';
import { FAKE_VIDEO, tempFolder, writeFiles } from '../../helpers/tempFolder';

async function setup(t: TestContext, readOnly = false) {
  const root = await tempFolder(t);
  await writeFiles(root, {
    'sta.txt': 'clip 0.0 2.0##a box moves.\nclip 2.0 4.0##the box stops.\n',
    'clip.mp4': FAKE_VIDEO,
    'cache/strip/0.jpg': 'jpeg',
  });
  const index = await indexDataset(root);
  const video = join(root, 'clip.mp4');
  const frame = { index: 12, pts: 0.5, time: 0.5 };
  // Only the fields the board reads; the rest of a ClipAnalysis is irrelevant here.
  const clip = {
    video,
    duration: 4,
    filmstrip: [{ frame, file: join(root, 'cache/strip/0.jpg') }],
    poster: join(root, 'cache/strip/0.jpg'),
    signals: { density: 0.2, dynamics: 0.4, components: {}, frames: [] },
    keyframes: {
      candidates: [{ ...frame, novelty: 1, score: 0.9 }],
      picks: [0],
      mode: 'top-k',
      k: 1,
      params: {},
    },
    dialogues: [
      {
        id: 'text-to-time-abc',
        kind: 'text-to-time',
        turns: [
          { role: 'human', text: '<video>\nWhen does the box move?' },
          { role: 'gpt', text: 'From 0.0 s to 2.0 s.' },
        ],
        evidence: { tracks: [1], frames: [frame], span: [0, 2] },
        confidence: 0.8,
      },
    ],
  } as unknown as ClipAnalysis;
  const [first, second] = index.samples;
  const samples: SampleAnalysis[] = [
    { sampleId: first.id, video, tpl: { tpl: 0.7, nllFull: 1, nllSingle: 1.7, params: {} }, flags: [] },
    {
      sampleId: second.id,
      video,
      tpl: { reason: 'no scorer model installed', params: {} },
      flags: ['static-clip'],
    },
  ];
  const results = { clips: [clip], samples } as unknown as AnalysisResults;
  const journal = await DecisionJournal.open(root, { annotator: 'tester' });
  const session = new BoardSession(index, journal, (path) => `webview:${path}`, results, { readOnly });
  return { root, index, journal, session, first, second, results };
}

const only = <T extends HostMessage['type']>(messages: HostMessage[], type: T) =>
  messages.filter((m): m is Extract<HostMessage, { type: T }> => m.type === type);

test('ready → init with one row per sample, TPL or its reason, and webview URIs only', async (t) => {
  const { session, first, second } = await setup(t);
  const [init] = only(
    await session.handle({ type: 'ready', protocolVersion: BOARD_PROTOCOL_VERSION }),
    'init',
  );
  assert.equal(init.samples.length, 2);
  const [a, b] = init.samples;
  assert.equal(a.id, first.id);
  assert.equal(a.source, 'sta.txt:1');
  assert.equal(a.tpl, 0.7);
  assert.equal(b.id, second.id);
  assert.equal(b.tplReason, 'no scorer model installed');
  assert.deepEqual(b.flags, ['static-clip']);
  assert.match(a.posterUri ?? '', /^webview:/);
  assert.equal(a.verdict, 'pending');

  const [detail] = only(await session.handle({ type: 'select', sampleId: first.id }), 'detail');
  assert.equal(detail.detail.filmstrip[0].isKeyframe, true);
  assert.deepEqual(detail.detail.windows, [{ start: 0, end: 2 }]);
  assert.equal(detail.detail.tpl.value, 0.7);
});

test('verdicts, undo, edits and dialogue choices land in the journal and come back as rows', async (t) => {
  const { root, session, journal, first, second, index, results } = await setup(t);
  await session.handle({ type: 'ready', protocolVersion: BOARD_PROTOCOL_VERSION });

  const [rows] = only(
    await session.handle({ type: 'verdict', sampleIds: [first.id, second.id], verdict: 'reject' }),
    'rowsUpdated',
  );
  assert.deepEqual(
    rows.rows.map((r) => r.verdict),
    ['reject', 'reject'],
  );
  await session.handle({ type: 'undo' });
  assert.equal(journal.latest(second.id)?.verdict, 'pending');
  assert.equal(journal.latest(first.id)?.verdict, 'reject');

  await session.handle({ type: 'editWindow', sampleId: first.id, start: 0.5, end: 1.5 });
  assert.equal(journal.latest(first.id)?.verdict, 'edit');
  assert.deepEqual(journal.latest(first.id)?.edits?.windows, [{ start: 0.5, end: 1.5 }]);

  const [detail] = only(
    await session.handle({
      type: 'dialogue',
      sampleId: second.id,
      dialogueId: 'text-to-time-abc',
      action: 'accept',
    }),
    'detail',
  );
  assert.equal(detail.detail.dialogues[0].state, 'accepted');
  await session.handle({ type: 'verdict', sampleIds: [second.id], verdict: 'accept' });
  assert.deepEqual(journal.latest(second.id)?.acceptedDialogues, ['text-to-time-abc']);

  // The journal on disk is what export reads: the accepted dialogue is appended to the sample.
  const lines = (await readFile(join(root, '.video-curator', 'decisions.jsonl'), 'utf8')).trim().split('\n');
  assert.ok(lines.length >= 5);
  const dialogues = (_s: string, id: string) => results.clips[0].dialogues.find((d) => d.id === id)?.turns;
  const report = await exportDataset(index, journal.all(), { out: join(root, 'out.jsonl'), dialogues });
  assert.equal(report.exported, 2);
  const exported = (await readFile(join(root, 'out.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const withDialogue = exported.find((r) => r.id === second.id);
  assert.equal(withDialogue.conversations.at(-1).value, 'From 0.0 s to 2.0 s.');
  assert.equal(exported.find((r) => r.id === first.id).conversations[1].value, 'From 0.5 to 1.5 seconds.');

  assert.equal(session.nextUnreviewed(), undefined);
});

test('editing turns records an edit; a stale protocol version gets an empty board and a notice', async (t) => {
  const { session, journal, first } = await setup(t);
  const turns = [
    { role: 'human' as const, text: '<video>\nWhat moves?' },
    { role: 'gpt' as const, text: 'A red box.' },
  ];
  const [detail] = only(await session.handle({ type: 'editTurns', sampleId: first.id, turns }), 'detail');
  assert.deepEqual(detail.detail.turns, turns);
  assert.deepEqual(journal.latest(first.id)?.edits?.turns, turns);
  const replies = await session.handle({ type: 'ready', protocolVersion: 99 });
  assert.equal(only(replies, 'init')[0].samples.length, 0);
  assert.match(only(replies, 'notice')[0].message, /protocol 99/);
  assert.equal(only(await session.handle({ type: 'select', sampleId: 'nope' }), 'detailError').length, 1);
});

test('a read-only board (untrusted workspace) writes nothing', async (t) => {
  const { session, journal, first } = await setup(t, true);
  const replies = await session.handle({ type: 'verdict', sampleIds: [first.id], verdict: 'accept' });
  assert.match(only(replies, 'notice')[0].message, /not trusted/);
  assert.equal(journal.latest(first.id), undefined);
  assert.equal(session.nextUnreviewed(), first.id);
});
