import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type {
  AnalysisResults,
  ClipAnalysis,
  FrameRef,
  KeyframePicks,
  SampleAnalysis,
} from '../../../src/core/analysis/analysisTypes';
import { escapeHtml, renderHtmlReport, writeHtmlReport } from '../../../src/core/analysis/htmlReport';
import type { Sample } from '../../../src/core/dataset/sample';
import { findBinary } from '../../../src/core/media/ffmpegPaths';
import { tempFolder } from '../../helpers/tempFolder';

const ffmpeg = findBinary('ffmpeg');

const frame = (index: number, fps = 2): FrameRef => ({ index, pts: index / fps, time: index / fps });

/** Tiny real JPEGs, one per colour; without ffmpeg the files are absent (the report shows blanks). */
function makeJpegs(folder: string, colours: string[]): string[] {
  return colours.map((colour) => {
    const file = join(folder, `${colour}.jpg`);
    if (ffmpeg) {
      execFileSync(ffmpeg, [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `color=${colour}:s=32x18`,
        '-frames:v',
        '1',
        '-y',
        file,
      ]);
    }
    return file;
  });
}

function keyframes(times: number[], picks: number[]): KeyframePicks {
  return {
    candidates: times.map((t, i) => ({ ...frame(t * 2), novelty: i / times.length, score: (i % 3) / 2 })),
    picks,
    mode: 'top-k',
    k: picks.length,
    params: {},
  };
}

function clip(video: string, files: string[], duration: number): ClipAnalysis {
  // Twelve filmstrip frames over three files: the report shows eight and inlines each file once.
  const filmstrip = Array.from({ length: 12 }, (_, i) => ({
    frame: frame(i),
    file: files[i % files.length],
  }));
  return {
    video,
    identity: `id-${video}`,
    duration,
    frameCount: duration * 2,
    analysisWidth: 32,
    analysisHeight: 18,
    candidates: [frame(0), frame(2), frame(4)],
    filmstrip,
    shots: {
      cuts: [frame(6)],
      shots: [
        { start: frame(0), end: frame(5) },
        { start: frame(6), end: frame(11) },
      ],
      params: { threshold: 0.4 },
    },
    signals: { density: 0.62, dynamics: 0.31, components: {}, frames: [frame(0), frame(2)] },
    keyframes: keyframes([0, 1, 2, 3, 4, 5], [1, 4]),
    tracks: {
      tracks: [
        {
          id: 3,
          source: 'ocr',
          text: 'EXIT <b>',
          observations: [],
          confidence: 0.9,
          firstSeen: 1,
          lastSeen: 4,
        },
      ],
      width: 32,
      height: 18,
      params: {},
    },
    dialogues: [
      {
        id: 'text-to-time:abc',
        kind: 'text-to-time',
        turns: [
          { role: 'human', text: 'When does the sign "EXIT <b>" appear?' },
          { role: 'gpt', text: 'From 1.0 to 4.0 seconds.' },
        ],
        evidence: { tracks: [3], frames: [frame(2)], span: [1, 4] },
        confidence: 0.8,
      },
    ],
    models: [{ id: 'descriptor-mini', version: '1.0.0' }],
    params: {},
    seconds: 0.5,
  };
}

function sample(id: string, video: string, line: number, text: string, extra: Partial<Sample> = {}): Sample {
  return {
    id,
    format: 'llava',
    source: { file: '/data/set/train.json', line, column: 1 },
    videoRef: video.split('/').pop(),
    video,
    turns: [
      { role: 'human', text: '<video>\nDescribe it.' },
      { role: 'gpt', text },
    ],
    ...extra,
  };
}

function analysis(
  sampleId: string,
  tpl: number | string,
  extra: Partial<SampleAnalysis> = {},
): SampleAnalysis {
  return {
    sampleId,
    tpl:
      typeof tpl === 'number'
        ? { tpl, model: { id: 'scorer', version: '2' }, params: {} }
        : { reason: tpl, params: {} },
    flags: [],
    ...extra,
  };
}

async function fixture(t: TestContext) {
  const folder = await tempFolder(t);
  const files = makeJpegs(folder, ['red', 'green', 'blue']);
  const a = '/data/set/videos/a.mp4';
  const b = '/data/set/videos/b.mp4';
  const broken = '/data/set/videos/broken.mp4';
  const samples: Sample[] = [
    sample('s1', a, 2, 'A red square.'),
    sample('s2', a, 9, 'Then it turns green.', { windows: [{ start: 1, end: 3 }], query: 'turns green' }),
    sample('s3', b, 16, 'Caption with <script>alert("x")</script> & <img src=x onerror=alert(1)>'),
    sample('s4', b, 23, 'No scorer here.'),
    sample('s5', broken, 30, 'Broken video.'),
  ];
  const results: AnalysisResults = {
    version: 1,
    folder: '/data/set',
    createdAt: '2025-01-02T03:04:05.000Z',
    settings: { tplFrames: 8, note: '<b>bold</b>' },
    clips: [clip(a, files, 6), clip(b, files.slice(0, 2), 6)],
    samples: [
      analysis('s1', 0.12),
      analysis('s2', 0.55, {
        keyframes: keyframes([0, 1, 2], [2]),
        sensitivity: { shuffleDelta: 0.2, insideMinusOutside: 0.4, insensitive: false, params: {} },
      }),
      analysis('s3', 0.31, { flags: ['low-<tpl>'] }),
      analysis('s4', 'no scorer model installed'),
      analysis('s5', 'video unreadable', { flags: ['unreadable-video'] }),
    ],
    failures: [{ video: broken, code: 'decode-failed', message: 'moov atom not found' }],
    dataset: { tplPercentiles: { p10: 0.15, p50: 0.31, p90: 0.5 }, samples: 5, clips: 2, seconds: 3.2 },
  };
  return { folder, results, samples };
}

test('renders one self-contained document with inlined filmstrips', async (t) => {
  const { results, samples } = await fixture(t);
  const html = await renderHtmlReport(results, samples);

  assert.equal(html.match(/<!DOCTYPE html>/g)?.length, 1);
  assert.equal(html.match(/<html[\s>]/g)?.length, 1);
  assert.doesNotMatch(html, /https?:\/\//, 'no http(s) URLs');
  assert.doesNotMatch(html, /<script/i, 'no scripts, ours or the user’s');
  assert.doesNotMatch(html, /<link\b/i);
  // Attributes only live in real tags; escaped user text has no '<' to start one.
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) {
    for (const [, value] of tag.matchAll(/\s(?:src|href|xlink:href|action)\s*=\s*["']?([^"'\s>]*)/gi)) {
      assert.match(value, /^(data:|#)/, `external reference ${value} in ${tag}`);
    }
  }
  assert.doesNotMatch(html, /url\((?!data:)/, 'CSS loads nothing');

  if (ffmpeg) {
    // Three distinct files, each inlined once even though two clips and several samples show them.
    const images = [...html.matchAll(/url\(data:image\/jpeg;base64,([A-Za-z0-9+/=]+)\)/g)];
    assert.equal(images.length, 3);
    for (const [, base64] of images)
      assert.equal(Buffer.from(base64, 'base64').subarray(0, 2).toString('hex'), 'ffd8');
    assert.doesNotMatch(html, /could not be read/);
  } else {
    t.diagnostic('ffmpeg not installed: JPEG inlining not checked');
  }

  // At most eight filmstrip frames per sample: four samples with a clip.
  assert.equal(html.match(/<figure class="frame/g)?.length, 4 * 8);
  assert.ok(html.includes('class="frame pick"'), 'keyframe picks are marked on the filmstrip');
  assert.match(html, /class="pickdot"/);
});

test('the histogram counts the samples that have a TPL; a sample without one shows its reason', async (t) => {
  const { results, samples } = await fixture(t);
  const html = await renderHtmlReport(results, samples);
  assert.match(html, /<svg class="histogram" data-samples="3"/);
  assert.equal(html.match(/<rect class="bar"/g)?.length, 2, 'ceil(sqrt(3)) bins');
  assert.match(html, /3 samples with a TPL/);
  const s4 = section(html, 's4');
  assert.match(s4, /TPL: <span class="reason">no scorer model installed<\/span>/);
  assert.match(section(html, 's1'), /class="tpl-value band0">0\.120</);
  assert.match(section(html, 's2'), /class="tpl-value band3">0\.550</);
  assert.match(section(html, 's2'), /shuffle &Delta; 0\.200/);
});

test('without any TPL the histogram is replaced by a note saying why', async (t) => {
  const { results, samples } = await fixture(t);
  for (const a of results.samples) a.tpl = { reason: 'no scorer model installed', params: {} };
  const html = await renderHtmlReport(results, samples, { inlineImages: false });
  assert.doesNotMatch(html, /<svg class="histogram"/);
  assert.match(html, /No sample has a TPL[^]*no scorer model installed \(5 samples\)/);
  assert.doesNotMatch(html, /data:image/, 'inlineImages: false leaves the images out');
});

test('escapes every piece of user text', async (t) => {
  const { results, samples } = await fixture(t);
  const html = await renderHtmlReport(results, samples, { inlineImages: false });
  assert.ok(!html.includes('<script>alert'));
  assert.ok(!html.includes('<img src=x'));
  assert.ok(
    html.includes(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    ),
  );
  assert.ok(html.includes('low-&lt;tpl&gt;'));
  assert.ok(html.includes('&lt;b&gt;bold&lt;/b&gt;'), 'settings');
  assert.ok(html.includes('EXIT &lt;b&gt;'), 'dialogue text and track text');
  assert.equal(escapeHtml(`<a href='x'>&"`), '&lt;a href=&#39;x&#39;&gt;&amp;&quot;');
});

test('lists failed clips and shows turns, signals, shots and dialogue evidence', async (t) => {
  const { results, samples } = await fixture(t);
  const html = await renderHtmlReport(results, samples, { inlineImages: false });
  assert.match(html, /Failed clips \(1\)[^]*videos\/broken\.mp4[^]*decode-failed[^]*moov atom not found/);
  assert.match(section(html, 's5'), /No clip analysis: moov atom not found/);
  const s1 = section(html, 's1');
  assert.match(s1, /train\.json:2/);
  assert.match(s1, /a\.mp4/);
  assert.match(s1, /6\.0 s/);
  assert.match(s1, /density[^]*0\.620[^]*dynamics[^]*0\.310/);
  assert.match(s1, /2 shots, cuts at 3\.0 s/);
  assert.match(s1, /Describe it\.[^]*A red square\./);
  assert.match(s1, /text-to-time[^]*evidence: 1\.0&ndash;4\.0 s; tracks #3 EXIT &lt;b&gt;; frames at 1\.0 s/);
  assert.match(section(html, 's2'), /windows 1\.0&ndash;3\.0 s/);
});

test('caps the samples shown and says so', async (t) => {
  const { results, samples } = await fixture(t);
  const html = await renderHtmlReport(results, samples, { maxSamples: 2, inlineImages: false });
  assert.equal(html.match(/<section class="sample/g)?.length, 2);
  assert.match(html, /Showing the first 2 of 5 samples/);
  const all = await renderHtmlReport(results, samples, { inlineImages: false });
  assert.doesNotMatch(all, /Showing the first/);
  // A sample of the index that this run did not analyse is counted, not shown.
  const more = [...samples, sample('later', '/data/set/videos/a.mp4', 40, 'Not in this run.')];
  const partial = await renderHtmlReport(results, more, { inlineImages: false });
  assert.equal(partial.match(/<section class="sample/g)?.length, 5);
  assert.match(partial, /1 sample of the index not part of this run/);
});

test('writeHtmlReport writes the file in place', async (t) => {
  const { folder, results, samples } = await fixture(t);
  const target = join(folder, '.video-curator', 'report.html');
  await writeHtmlReport(target, results, samples);
  assert.equal(await readFile(target, 'utf8'), await renderHtmlReport(results, samples));
});

function section(html: string, id: string): string {
  const match = html.match(new RegExp(`<section class="sample[^"]*" id="s-${id}">[^]*?</section>`));
  assert.ok(match, `section for ${id}`);
  return match[0];
}
