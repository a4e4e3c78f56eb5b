// An annotation file edited on disk while curating (a hand edit, a script, a checkout): after the
// re-index the extension's watcher runs, every decision is still bound to its sample by id, wherever
// the record moved; the decision on a deleted record is reported as orphaned, kept in the journal,
// and bound again when the record comes back.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecisionJournal } from '../../../src/core/curation/decisionJournal';
import { orphanedDecisions, summarizeReview } from '../../../src/core/curation/reviewSummary';
import { indexDataset } from '../../../src/core/dataset/indexDataset';
import type { DatasetIndex } from '../../../src/core/dataset/indexDataset';
import type { Sample } from '../../../src/core/dataset/sample';
import { demoAnnotations } from '../../../src/core/demo/demoDataset';
import { exportDataset } from '../../../src/core/export/exportDataset';
import { tempFolder } from '../../helpers/tempFolder';

function find(index: DatasetIndex, file: string, match: (s: Sample) => boolean): Sample {
  const found = index.samples.filter((s) => s.source.file.endsWith(file) && match(s));
  assert.equal(found.length, 1, `one sample in ${file} matches`);
  return found[0];
}

test('reordering, inserting, editing and deleting records keeps decisions bound by sample id', async (t) => {
  const folder = await tempFolder(t);
  for (const [file, text] of Object.entries(demoAnnotations())) await writeFile(join(folder, file), text);
  const before = await indexDataset(folder);
  const journal = await DecisionJournal.open(folder, { annotator: 'tester' });

  // Decisions on records of three formats: LLaVA JSON (records with ids), Charades-STA lines
  // (identified by their content), grounding JSONL (qid).
  const decided = {
    box: find(before, 'conversations.json', (s) => s.recordId === 'box-direction'),
    card: find(before, 'conversations.json', (s) => s.recordId === 'card-order'),
    blue: find(before, 'charades.txt', (s) => s.query === 'the screen is blue.'),
    zoom: find(before, 'grounding.jsonl', (s) => s.recordId === '3'),
    green: find(before, 'grounding.jsonl', (s) => s.recordId === '1'), // its record gets deleted
  };
  const verdicts = {
    box: 'accept',
    card: 'reject',
    blue: 'accept',
    zoom: 'reject',
    green: 'accept',
  } as const;
  for (const [name, sample] of Object.entries(decided)) {
    await journal.record({
      sampleId: sample.id,
      verdict: verdicts[name as keyof typeof verdicts],
      note: name,
    });
  }
  assert.equal(
    summarizeReview(
      before.samples.map((s) => s.id),
      journal,
    ).orphaned,
    0,
  );

  // conversations.json: records reversed, one inserted first, an undecided one's answer changed.
  const conversationsPath = join(folder, 'conversations.json');
  const conversations = JSON.parse(await readFile(conversationsPath, 'utf8')) as {
    id: string;
    conversations: { from: string; value: string }[];
  }[];
  conversations.reverse();
  const counter = conversations.find((r) => r.id === 'counter-describe');
  assert.ok(counter);
  counter.conversations[1].value = 'A test pattern; its frame counter runs for six seconds.';
  conversations.unshift({
    id: 'inserted-first',
    video: 'videos/scenes.mp4',
    conversations: [
      { from: 'human', value: '<video>\nWhat colour comes last?' },
      { from: 'gpt', value: 'Blue.' },
    ],
  } as (typeof conversations)[number]);
  await writeFile(conversationsPath, JSON.stringify(conversations, null, 2));
  // charades.txt: the lines reversed, one inserted in between.
  const charadesPath = join(folder, 'charades.txt');
  const [red, blue] = (await readFile(charadesPath, 'utf8')).trimEnd().split('\n');
  assert.match(blue, /blue/);
  await writeFile(charadesPath, [blue, 'scenes 2.0 4.0##the screen is green.', red, ''].join('\n'));
  // grounding.jsonl: qid 1 deleted, qid 2's query edited, qid 3 moved to the front.
  const groundingPath = join(folder, 'grounding.jsonl');
  const grounding = (await readFile(groundingPath, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { qid: number; query: string });
  const deleted = grounding.find((r) => r.qid === 1);
  const rest = grounding.filter((r) => r.qid !== 1 && r.qid !== 3);
  rest.find((r) => r.qid === 2)!.query = 'the box crosses the middle';
  const moved = [grounding.find((r) => r.qid === 3)!, ...rest];
  await writeFile(groundingPath, `${moved.map((r) => JSON.stringify(r)).join('\n')}\n`);

  const after = await indexDataset(folder);
  await journal.refresh();
  const byId = new Map(after.samples.map((s) => [s.id, s]));
  for (const [name, sample] of Object.entries(decided)) {
    if (name === 'green') continue;
    const now = byId.get(sample.id);
    assert.ok(now, `${name}: the sample keeps its id ${sample.id}`);
    assert.equal(now.recordId, sample.recordId, name);
    assert.equal(now.query, sample.query, name);
    assert.deepEqual(now.turns, sample.turns, `${name}: the id names the same record`);
    assert.equal(journal.latest(sample.id)?.verdict, verdicts[name as keyof typeof verdicts], name);
    assert.equal(journal.latest(sample.id)?.note, name);
  }
  // The records really moved: same ids, other lines.
  assert.notEqual(byId.get(decided.box.id)!.source.line, decided.box.source.line);
  assert.notEqual(byId.get(decided.blue.id)!.source.line, decided.blue.source.line);
  assert.notEqual(byId.get(decided.zoom.id)!.source.line, decided.zoom.source.line);
  // The edited records are new or kept by their id field, and have no decision they did not get.
  assert.equal(find(after, 'grounding.jsonl', (s) => s.recordId === '2').query, 'the box crosses the middle');
  for (const s of after.samples) {
    if (!Object.values(decided).some((d) => d.id === s.id))
      assert.equal(journal.latest(s.id), undefined, s.id);
  }
  assert.equal(after.samples.length, before.samples.length + 2 - 1);

  // The deleted record's decision: reported as orphaned, not lost, not exported.
  const orphans = orphanedDecisions(
    after.samples.map((s) => s.id),
    journal,
  );
  assert.deepEqual(
    orphans.map((d) => [d.sampleId, d.note]),
    [[decided.green.id, 'green']],
  );
  assert.equal(
    summarizeReview(
      after.samples.map((s) => s.id),
      journal,
    ).orphaned,
    1,
  );
  const out = join(folder, 'curated.jsonl');
  const report = await exportDataset(after, journal.all(), { out });
  assert.equal(report.exported, 2, 'box (accept) and blue (accept); green is gone from the dataset');

  // The record comes back (elsewhere in the file): its decision binds again.
  await writeFile(groundingPath, `${JSON.stringify(deleted)}\n${await readFile(groundingPath, 'utf8')}`);
  const restored = await indexDataset(folder);
  assert.ok(restored.samples.some((s) => s.id === decided.green.id));
  assert.deepEqual(
    orphanedDecisions(
      restored.samples.map((s) => s.id),
      journal,
    ),
    [],
  );
  assert.equal(journal.latest(decided.green.id)?.verdict, 'accept');
});
