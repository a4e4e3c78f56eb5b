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
import { BOARD_PROTOCOL_VERSION, checkRowColumns, decodeRows } from '../../../src/protocol/board';
import type { BoardRow, RowColumns } from '../../../src/protocol/board';
import { FAKE_VIDEO, tempFolder, writeFiles } from '../../helpers/tempFolder';

async function setup(t: TestContext, options: { readOnly?: boolean; clip?: Partial<ClipAnalysis> } = {}) {
  const readOnly = options.readOnly ?? false;
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
    ...options.clip,
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

/** The rows of a message's columns, after the same check the webview runs. */
function rowsOf(columns: RowColumns): BoardRow[] {
  assert.equal(checkRowColumns(JSON.parse(JSON.stringify(columns))), undefined);
  return decodeRows(columns).map((d) => d.row);
}

const only = <T extends HostMessage['type']>(messages: HostMessage[], type: T) =>
  messages.filter((m): m is Extract<HostMessage, { type: T }> => m.type === type);

test('ready → init with one row per sample, TPL or its reason, and webview URIs only', async (t) => {
  const { session, first, second } = await setup(t);
  const [init] = only(
    await session.handle({ type: 'ready', protocolVersion: BOARD_PROTOCOL_VERSION }),
    'init',
  );
  assert.equal(init.samples.count, 2);
  const [a, b] = rowsOf(init.samples);
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
    rowsOf(rows.rows).map((r) => r.verdict),
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
  assert.equal(only(replies, 'init')[0].samples.count, 0);
  assert.match(only(replies, 'notice')[0].message, /protocol 99/);
  assert.equal(only(await session.handle({ type: 'select', sampleId: 'nope' }), 'detailError').length, 1);
});

test('a read-only board (untrusted workspace) writes nothing', async (t) => {
  const { session, journal, first } = await setup(t, { readOnly: true });
  const replies = await session.handle({ type: 'verdict', sampleIds: [first.id], verdict: 'accept' });
  assert.match(only(replies, 'notice')[0].message, /not trusted/);
  assert.equal(journal.latest(first.id), undefined);
  assert.equal(session.nextUnreviewed(), first.id);
});

test('each filmstrip frame gets, per track, its nearest observation in time as a normalised box', async (t) => {
  const strip = (time: number, k: number) => ({
    frame: { index: k * 30, pts: time, time },
    file: `/cache/${k}.jpg`,
  });
  const at = (time: number) => ({ index: Math.round(time * 30), pts: time, time });
  // Filmstrip every 1 s (tolerance 0.5 s); analysed frames every 0.25 s at the finest.
  const clip = {
    filmstrip: [0.5, 1.5, 2.5, 3.5].map(strip),
    tracks: {
      width: 200,
      height: 100,
      params: {},
      tracks: [
        {
          id: 1,
          source: 'motion',
          confidence: 0.9,
          firstSeen: 0,
          lastSeen: 2,
          observations: [
            { frame: at(0.7), box: [40, 10, 80, 50], score: 0.8, source: 'motion' },
            { frame: at(0.45), box: [20, 10, 60, 50], score: 0.8, source: 'motion' },
            { frame: at(1.4), box: [140, 60, 100, 20], score: 0.8, source: 'motion' },
          ],
        },
        {
          id: 2,
          source: 'ocr',
          text: 'EXIT',
          confidence: 0.7,
          firstSeen: 2,
          lastSeen: 2,
          observations: [
            { frame: at(2.6), box: [0, 0, 200, 100], score: 0.9, source: 'ocr', text: 'EXIT' },
            { frame: at(2.85), box: [0, 0, 250, 120], score: 0.9, source: 'ocr', text: 'EXIT' },
          ],
        },
        {
          id: 3,
          source: 'detector',
          label: 'person',
          confidence: 0.6,
          firstSeen: 3,
          lastSeen: 3,
          observations: [
            { frame: at(3.2), box: [50, 25, 150, 75], score: 0.6, source: 'detector', label: 'person' },
          ],
        },
      ],
    },
  } as unknown as Partial<ClipAnalysis>;
  const { session, first } = await setup(t, { clip });
  const [detail] = only(await session.handle({ type: 'select', sampleId: first.id }), 'detail');
  const boxes = detail.detail.filmstrip.map((f) => f.boxes ?? []);
  assert.deepEqual(
    boxes.map((b) => b.length),
    [1, 1, 1, 1],
  );
  // 0.5 s: the motion track at 0.45 s (not 0.7 s), in 0..1 of 200 x 100.
  assert.deepEqual(boxes[0][0], {
    x0: 0.1,
    y0: 0.1,
    x1: 0.3,
    y1: 0.5,
    source: 'motion',
    label: 'motion #1',
    track: 1,
    frame: 14,
    time: 0.45,
  });
  // 1.5 s: the motion box at 1.4 s, corners put in order.
  assert.deepEqual(
    [boxes[1][0].x0, boxes[1][0].y0, boxes[1][0].x1, boxes[1][0].y1, boxes[1][0].time],
    [0.5, 0.2, 0.7, 0.6, 1.4],
  );
  // 2.5 s: the motion track's last observation (1.4 s) is too far; the OCR line at 2.6 s with its text.
  assert.equal(boxes[2][0].source, 'ocr');
  assert.equal(boxes[2][0].label, 'EXIT');
  assert.deepEqual([boxes[2][0].x0, boxes[2][0].y0, boxes[2][0].x1, boxes[2][0].y1], [0, 0, 1, 1]);
  // 3.5 s: the OCR line at 2.85 s is 0.65 s away; the detector box at 3.2 s is within 0.5 s.
  assert.deepEqual(boxes[3][0], {
    x0: 0.25,
    y0: 0.25,
    x1: 0.75,
    y1: 0.75,
    source: 'detector',
    label: 'person',
    track: 3,
    frame: 96,
    time: 3.2,
  });
  // Clips without tracks send no boxes.
  const bare = await setup(t);
  const [plain] = only(await bare.session.handle({ type: 'select', sampleId: bare.first.id }), 'detail');
  assert.equal(plain.detail.filmstrip[0].boxes, undefined);
});

test('an edited dialogue is recorded as edited turns, not as an accepted id, and exports once', async (t) => {
  const { root, session, journal, first, index, results } = await setup(t);
  const original = first.turns;
  // Accepted first, then edited: the edit replaces the acceptance.
  await session.handle({
    type: 'dialogue',
    sampleId: first.id,
    dialogueId: 'text-to-time-abc',
    action: 'accept',
  });
  assert.deepEqual(journal.latest(first.id)?.acceptedDialogues, ['text-to-time-abc']);
  const edit = async (answer: string) =>
    only(
      await session.handle({
        type: 'editDialogue',
        sampleId: first.id,
        dialogueId: 'text-to-time-abc',
        turns: [
          { role: 'human', text: '<video>\nWhen does the box move?' },
          { role: 'gpt', text: answer },
        ],
      }),
      'detail',
    )[0];
  let detail = await edit('From 0.0 s to 1.5 s.');
  const appended = [
    { role: 'human', text: 'When does the box move?' },
    { role: 'gpt', text: 'From 0.0 s to 1.5 s.' },
  ];
  let decision = journal.latest(first.id);
  assert.equal(decision?.verdict, 'edit');
  assert.deepEqual(decision?.edits?.turns, [...original, ...appended]);
  assert.equal(decision?.acceptedDialogues, undefined);
  assert.equal(detail.detail.dialogues[0].state, 'edited');
  assert.deepEqual(detail.detail.dialogues[0].turns, appended);
  assert.deepEqual(detail.detail.turns, [...original, ...appended]);

  // A second edit replaces the first one's turns instead of appending again.
  detail = await edit('From 0.2 s to 1.5 s.');
  decision = journal.latest(first.id);
  assert.deepEqual(decision?.edits?.turns, [
    ...original,
    appended[0],
    { role: 'gpt', text: 'From 0.2 s to 1.5 s.' },
  ]);
  assert.equal(detail.detail.dialogues[0].state, 'edited');

  const dialogues = (_s: string, id: string) => results.clips[0].dialogues.find((d) => d.id === id)?.turns;
  const out = join(root, 'out.jsonl');
  await exportDataset(index, journal.all(), { out, dialogues });
  const record = (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .find((r) => r.id === first.id);
  const values: string[] = record.conversations.map((c: { value: string }) => c.value);
  assert.equal(values.filter((v) => v === 'From 0.2 s to 1.5 s.').length, 1);
  assert.equal(values.filter((v) => v === 'When does the box move?').length, 1);
  assert.ok(!values.includes('From 0.0 s to 2.0 s.'), 'the generated answer is not exported');
  assert.ok(!values.includes('From 0.0 s to 1.5 s.'), 'the first edit is not exported');
  assert.equal(values.join('\n').split('<video>').length - 1, 1, 'one <video> token');

  // Rejecting the edited dialogue takes its turns back out of the conversation.
  detail = only(
    await session.handle({
      type: 'dialogue',
      sampleId: first.id,
      dialogueId: 'text-to-time-abc',
      action: 'reject',
    }),
    'detail',
  )[0];
  assert.deepEqual(journal.latest(first.id)?.edits?.turns, original);
  assert.equal(detail.detail.dialogues[0].state, 'rejected');

  // Unknown dialogues are refused with a notice; nothing is written.
  const count = journal.all().size;
  const rev = journal.latest(first.id)?.rev;
  const replies = await session.handle({
    type: 'editDialogue',
    sampleId: first.id,
    dialogueId: 'nope',
    turns: [{ role: 'gpt', text: 'x' }],
  });
  assert.match(only(replies, 'notice')[0].message, /no generated dialogue nope/);
  assert.equal(journal.all().size, count);
  assert.equal(journal.latest(first.id)?.rev, rev);
});
