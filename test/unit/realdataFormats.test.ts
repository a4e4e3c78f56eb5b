// Detection and reading over the real annotation files in ../shared/realdata, asserting the facts
// its MANIFEST.md states. Skipped where that folder is absent.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import type { SampleDraft } from '../../src/core/dataset/formats/formatReader';
import type { DatasetFormat } from '../../src/core/dataset/sample';
import { detectAndRead } from './formats/readResults';
import type { ReadOutcome } from './formats/readResults';

const REALDATA = resolve(__dirname, '../../../shared/realdata');
const skip = existsSync(REALDATA) ? false : `no real data at ${REALDATA}`;
const MEDIA = /\.(mp4|avi|mkv|webm|mp3|jpg|png|md)$/i;

// File → [format, samples]; counts from MANIFEST.md or, where it gives none, the file itself.
const ANNOTATIONS: Record<string, [DatasetFormat, number]> = {
  'microsoft__VideoX/charades_sta_test.txt': ['charades-sta', 3720],
  'microsoft__VideoX/charades_sta_train.txt': ['charades-sta', 200],
  'ZheyuAqaZhang__VideoChat-Flash-forked/temporal_grounding_charades.json': ['grounding-jsonl', 3720],
  'oceanflowlab__TaRO/charades_sta_test.jsonl': ['grounding-jsonl', 3720],
  'oceanflowlab__TaRO/qvhighlights_val.jsonl': ['grounding-jsonl', 1550],
  'jayleicn__moment_detr/highlight_val_release.jsonl': ['grounding-jsonl', 1550],
  'jayleicn__moment_detr/queries.jsonl': ['grounding-jsonl', 1],
  'oceanflowlab__TaRO/tvgbench.jsonl': ['grounding-jsonl', 800],
  'oceanflowlab__TaRO/activitynet_val_1.jsonl': ['grounding-jsonl', 200],
  'oceanflowlab__TaRO/test.json': ['llava-messages', 200],
  'doc-doc__NExT-QA/val.csv': ['multiple-choice', 4996],
  'Hui-design__TSPO/VideoMME.tsv': ['multiple-choice', 200],
  'Hui-design__TSPO/videomme.json': ['multiple-choice', 200],
  'Hui-design__TSPO/TSPO_VideoMME_frameIdx.json': ['multiple-choice', 200],
  'Hui-design__TSPO/mlvu.json': ['multiple-choice', 200],
  'Hui-design__TSPO/lvb_val.json': ['multiple-choice', 200],
  'Hui-design__TSPO/video_info.meta.jsonl': [
    'multiple-choice',
    sumOf('Hui-design__TSPO/video_info.meta.jsonl'),
  ],
  'Hui-design__TSPO/example1.jsonl': ['llava', 10],
  'ZheyuAqaZhang__VideoChat-Flash-forked/action_sequence.json': ['multiple-choice', 200],
  'ZheyuAqaZhang__VideoChat-Flash-forked/fine_grained_action.json': ['multiple-choice', 200],
  'ZheyuAqaZhang__VideoChat-Flash-forked/scene_transition.json': ['multiple-choice', 200],
  'llyx97__TempCompass/multi-choice.json': [
    'multiple-choice',
    sumOf('llyx97__TempCompass/multi-choice.json'),
  ],
  'microsoft__VideoX/val.json': ['activitynet-captions', sumOf('microsoft__VideoX/val.json')],
  'microsoft__VideoX/test.json': ['activitynet-captions', sumOf('microsoft__VideoX/test.json')],
  'WingsBrokenAngel__MSR-VTT-DataCleaning/test_videodatainfo.json': ['msrvtt', 4000],
  'hiyouga__LLaMA-Factory/mllm_video_demo.json': ['llava-messages', 3],
  'hiyouga__LLaMA-Factory/mllm_video_audio_demo.json': ['llava-messages', 3],
  'zjysteven__lmms-finetune/video.json': ['llava', 2],
  'zjysteven__lmms-finetune/ego4d_video_train.json': ['llava', 70],
  'zjysteven__lmms-finetune/ego4d_video_eval.json': ['llava', 4],
};

const NOT_ANNOTATIONS = [
  'microsoft__VideoX/Charades_v1_test.csv',
  'doc-doc__NExT-QA/map_vid_vidorID.json',
  'llyx97__TempCompass/meta_info.json',
  'Breakthrough__PySceneDetect/counter_description.txt',
  'Breakthrough__PySceneDetect/LICENSE',
  'Breakthrough__PySceneDetect/goldeneye/LICENSE',
  'linkangheng__Video-UTR/sft.yaml',
];

// Independent counts straight from the JSON, for files whose MANIFEST entry gives no total.
function sumOf(file: string): number {
  const path = join(REALDATA, file);
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  if (file.endsWith('.jsonl')) {
    return text
      .split('\n')
      .filter((line) => line.trim())
      .reduce((sum, line) => sum + (JSON.parse(line) as { qa: unknown[] }).qa.length, 0);
  }
  const data = JSON.parse(text) as Record<string, Record<string, unknown>>;
  let sum = 0;
  for (const value of Object.values(data)) {
    if (Array.isArray(value.sentences)) sum += value.sentences.length;
    else for (const questions of Object.values(value)) sum += (questions as unknown[]).length;
  }
  return sum;
}

const cache = new Map<string, Promise<ReadOutcome>>();
function read(file: string): Promise<ReadOutcome> {
  if (!cache.has(file)) cache.set(file, detectAndRead(join(REALDATA, file)));
  return cache.get(file)!;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const stem = (ref: string | undefined) => (ref ?? '').replace(/^.*\//, '').replace(/\.mp4$/, '');
const window = (d: SampleDraft) => d.windows!.map((w) => [w.start, w.end]);

test('realdata: every text file is either a known annotation or left alone', { skip }, () => {
  const files = walk(REALDATA)
    .map((path) => relative(REALDATA, path).split('\\').join('/'))
    .filter((path) => !MEDIA.test(path));
  const unexpected = files.filter((file) => !(file in ANNOTATIONS) && !NOT_ANNOTATIONS.includes(file));
  assert.deepEqual(unexpected, [], 'new files in realdata need an expectation here');
});

test('realdata: each annotation file is detected and read in full', { skip }, async (t) => {
  for (const [file, [format, count]] of Object.entries(ANNOTATIONS)) {
    await t.test(file, async () => {
      const out = await read(file);
      assert.equal(out.reader?.format, format);
      assert.equal(out.drafts.length, count);
      assert.ok(count > 0);
      assert.deepEqual(
        out.recordProblems.map((p) => p.message),
        [],
        'no record is unreadable',
      );
      for (const draft of out.drafts) {
        assert.ok(draft.turns.length > 0 && draft.identity && draft.label, `${file}:${draft.source.line}`);
        assert.equal(draft.source.file, join(REALDATA, file));
      }
    });
  }
});

test('realdata: files that are not annotation data are not detected', { skip }, async () => {
  for (const file of NOT_ANNOTATIONS) {
    const out = await read(file);
    assert.equal(out.reader, undefined, `${file} must not be detected (got ${out.reader?.format})`);
  }
});

test(
  'realdata: Charades-STA text, VideoChat-Flash JSON and TaRO JSONL hold the same 3,720 queries',
  { skip },
  async () => {
    const text = (await read('microsoft__VideoX/charades_sta_test.txt')).drafts;
    const flash = (await read('ZheyuAqaZhang__VideoChat-Flash-forked/temporal_grounding_charades.json'))
      .drafts;
    const taro = (await read('oceanflowlab__TaRO/charades_sta_test.jsonl')).drafts;
    assert.equal(text[0].identity, '3MSZA 24.3 30.4##person turn a light on.');
    assert.deepEqual(text[0].turns[1], { role: 'gpt', text: 'From 24.3 to 30.4 seconds.' });
    assert.equal(new Set(text.map((d) => d.identity)).size, 3720);
    for (let i = 0; i < text.length; i++) {
      assert.equal(stem(flash[i].videoRef), text[i].videoRef);
      assert.deepEqual(window(flash[i]), window(text[i]));
      assert.equal(flash[i].query, text[i].query);
      assert.equal(stem(taro[i].videoRef), text[i].videoRef);
    }
    // TaRO clips 551 ends to the duration and cuts 7 queries at the first comma (MANIFEST).
    assert.equal(taro.filter((d, i) => d.windows![0].end !== text[i].windows![0].end).length, 551);
    assert.equal(taro.filter((d, i) => d.query !== text[i].query).length, 7);
    assert.equal((await read('oceanflowlab__TaRO/charades_sta_test.jsonl')).problems.length, 0);
  },
);

test('realdata: QVHighlights twins and TVGBench windows past the duration', { skip }, async () => {
  const release = (await read('jayleicn__moment_detr/highlight_val_release.jsonl')).drafts;
  const taro = (await read('oceanflowlab__TaRO/qvhighlights_val.jsonl')).drafts;
  assert.deepEqual(
    taro.map((d) => d.recordId),
    release.map((d) => d.recordId),
  );
  assert.equal(release[0].label, 'qid-2579');
  assert.equal(release[0].duration, 150);
  const tvg = await read('oceanflowlab__TaRO/tvgbench.jsonl');
  const beyond = tvg.problems.filter((p) => p.code === 'end-beyond-duration');
  assert.ok(beyond.length > 0);
  assert.deepEqual(new Set(tvg.problems.map((p) => p.code)), new Set(['end-beyond-duration']));
  const exyy8 = tvg.drafts.find((d) => d.videoRef === 'EXYY8.mp4' && d.windows![0].end === 20);
  assert.ok(exyy8, 'EXYY8 [14.1, 20.0] against 19.29 s');
  assert.ok(beyond.some((p) => p.location?.line === exyy8.source.line));
});

test('realdata: TaRO RL prompts follow tvgbench.jsonl, 25 of 200 ends clipped', { skip }, async () => {
  const rl = (await read('oceanflowlab__TaRO/test.json')).drafts;
  const tvg = (await read('oceanflowlab__TaRO/tvgbench.jsonl')).drafts.slice(0, 200);
  assert.deepEqual(
    rl.map((d) => stem(d.videoRef)),
    tvg.map((d) => stem(d.videoRef)),
  );
  assert.equal(rl.filter((d, i) => d.windows![0].start !== tvg[i].windows![0].start).length, 0);
  assert.equal(rl.filter((d, i) => d.windows![0].end !== tvg[i].windows![0].end).length, 25);
  assert.ok(rl.every((d) => d.duration !== undefined && d.turns.at(-1)?.role === 'gpt'));
});

test(
  'realdata: ActivityNet val.json has 200 videos and matches the per-sentence JSONL',
  { skip },
  async () => {
    const dense = (await read('microsoft__VideoX/val.json')).drafts;
    assert.equal(new Set(dense.map((d) => d.videoRef)).size, 200);
    assert.equal(dense[1].source.pointer, '/v_uqiMw7tQ1Cc/sentences/1');
    const byKey = new Map(dense.map((d) => [`${d.videoRef}_${d.source.pointer!.split('/').pop()}`, d]));
    const lines = (await read('oceanflowlab__TaRO/activitynet_val_1.jsonl')).drafts;
    assert.equal(new Set(lines.map((d) => d.videoRef)).size, 56);
    for (const line of lines) {
      const twin = byKey.get(line.recordId!);
      assert.ok(twin, line.recordId);
      assert.deepEqual(window(line), window(twin));
      assert.equal(line.query, twin.query);
      assert.equal(line.duration, twin.duration);
    }
  },
);

test('realdata: TACoS frames become seconds inside each video', { skip }, async () => {
  const out = await read('microsoft__VideoX/test.json');
  assert.equal(new Set(out.drafts.map((d) => d.videoRef)).size, 25);
  const first = out.drafts[0];
  assert.equal(first.videoRef, 's30-d52.avi');
  assert.ok(Math.abs(first.windows![0].start - 141 / 29.4) < 1e-9);
  for (const draft of out.drafts) assert.ok(draft.windows![0].start < draft.duration!, draft.source.pointer);
});

test('realdata: multiple-choice answers all resolve; Video-MME JSON and TSV agree', { skip }, async () => {
  const mc = Object.entries(ANNOTATIONS).filter(([, [format]]) => format === 'multiple-choice');
  for (const [file] of mc) {
    const out = await read(file);
    assert.deepEqual(out.problems, [], file);
    assert.ok(
      out.drafts.every((d) => d.choice && d.choice.options.length >= 2 && d.choice.answerIndex !== undefined),
      file,
    );
  }
  const json = (await read('Hui-design__TSPO/videomme.json')).drafts;
  const tsv = (await read('Hui-design__TSPO/VideoMME.tsv')).drafts;
  const frames = (await read('Hui-design__TSPO/TSPO_VideoMME_frameIdx.json')).drafts;
  assert.deepEqual(
    tsv.map((d) => d.recordId),
    json.map((d) => d.recordId),
  );
  assert.deepEqual(
    frames.map((d) => d.recordId),
    json.map((d) => d.recordId),
  );
  assert.deepEqual(
    tsv.map((d) => d.choice),
    json.map((d) => d.choice),
  );
  assert.deepEqual(stem(tsv[0].videoRef), json[0].videoRef);
  const nextQa = (await read('doc-doc__NExT-QA/val.csv')).drafts;
  assert.equal(new Set(nextQa.map((d) => d.identity)).size, 4996, 'qid is per video; identities are not');
  const tempCompass = (await read('llyx97__TempCompass/multi-choice.json')).drafts;
  assert.equal(new Set(tempCompass.map((d) => d.videoRef)).size, 410);
  const lvBench = await read('Hui-design__TSPO/video_info.meta.jsonl');
  assert.equal(new Set(lvBench.drafts.map((d) => d.videoRef)).size, 103);
});

test('realdata: MSR-VTT, LLaVA, messages and R1 examples', { skip }, async () => {
  const msr = (await read('WingsBrokenAngel__MSR-VTT-DataCleaning/test_videodatainfo.json')).drafts;
  assert.equal(new Set(msr.map((d) => d.identity)).size, 4000);
  assert.equal(new Set(msr.map((d) => d.videoRef)).size, 200);
  const demo = await read('hiyouga__LLaMA-Factory/mllm_video_demo.json');
  assert.deepEqual(
    demo.drafts.map((d) => d.videoRef),
    ['mllm_demo_data/1.mp4', 'mllm_demo_data/2.avi', 'mllm_demo_data/3.mp4'],
  );
  assert.deepEqual(demo.problems, []);
  const audio = await read('hiyouga__LLaMA-Factory/mllm_video_audio_demo.json');
  assert.ok(audio.drafts.every((d) => d.videoRef === 'mllm_demo_data/4.mp4'));
  assert.equal(new Set(audio.drafts.map((d) => d.identity)).size, 3);
  const lmms = await read('zjysteven__lmms-finetune/video.json');
  assert.deepEqual(lmms.problems, []);
  assert.equal(lmms.drafts[0].turns[0].role, 'system');
  for (const file of [
    'zjysteven__lmms-finetune/ego4d_video_train.json',
    'zjysteven__lmms-finetune/ego4d_video_eval.json',
  ]) {
    const ego = await read(file);
    assert.deepEqual(ego.problems, [], file);
    assert.ok(ego.drafts.every((d) => d.videoRef?.startsWith('ego4d/')));
  }
  // TSPO's toy example: ten identical lines, an <image> token where <video> belongs.
  const r1 = await read('Hui-design__TSPO/example1.jsonl');
  assert.equal(new Set(r1.drafts.map((d) => d.identity)).size, 1);
  assert.deepEqual(new Set(r1.problems.map((p) => p.code)), new Set(['missing-video-token']));
  assert.equal(r1.drafts[0].videoRef, 'demo/208.mp4');
});
