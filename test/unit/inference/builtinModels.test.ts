// The built-in ONNX models: reproducible from their generator, described by their manifest part,
// and behaving as their tasks promise on real decoded frames, run by real onnxruntime.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateBuiltinModels, MANIFEST_PART, MODELS_DIR } from '../../../models/generator/builtinModels';
import {
  FRAME_SIGNATURE_DIM as GENERATOR_DIM,
  SIGNATURE_BLOCKS,
} from '../../../models/generator/frameSignature';
import { MOTION_MAP_SIZE as GENERATOR_MAP_SIZE } from '../../../models/generator/motion';
import { decodeModel, IR_VERSION, OPSET, PRODUCER_NAME } from '../../../models/generator/onnxBuilder';
import type { FrameBatch } from '../../../src/protocol/inference';
import { parseModelManifest } from '../../../src/core/inference/modelManifest';
import {
  FRAME_SIGNATURE_DIM,
  FRAME_SIGNATURE_MODEL_ID,
  frameSignatureTask,
} from '../../../src/core/inference/tasks/frameSignatureTask';
import { MOTION_MAP_SIZE, MOTION_MODEL_ID, motionTask } from '../../../src/core/inference/tasks/motionTask';
import { MediaService } from '../../../src/core/media/mediaService';
import { barcodeClip, ffmpeg, ffprobe, noFfmpeg } from '../../helpers/mediaFixtures';
import { testTaskContext } from '../../helpers/taskContext';
import type { TestTaskContext, TestTaskContextOptions } from '../../helpers/taskContext';

const MODEL_PATHS = {
  [FRAME_SIGNATURE_MODEL_ID]: join(MODELS_DIR, 'builtin/frameSignature.onnx'),
  [MOTION_MODEL_ID]: join(MODELS_DIR, 'builtin/motion.onnx'),
};
const REALDATA = resolve(__dirname, '../../../../shared/realdata');

const contexts: TestTaskContext[] = [];
function context(options: TestTaskContextOptions = {}): TestTaskContext {
  const made = testTaskContext(MODEL_PATHS, options);
  contexts.push(made);
  return made;
}
after(async () => {
  for (const made of contexts) await made.release();
});

function batchOf(frames: Uint8Array[], width: number, height: number): FrameBatch {
  const data = new Uint8Array(frames.length * width * height * 3);
  frames.forEach((frame, i) => data.set(frame, i * width * height * 3));
  return { count: frames.length, width, height, data };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
function noiseFrame(width: number, height: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let x = seed || 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const BOX = 20;
const BOX_Y = 70;

/**
 * A white 20x20 box moving 3 px per frame (x = 3n, y = 70) over a dark 160x120 background, 25 fps,
 * H.264 like the other fixtures. Cached by name in the temp folder.
 */
function movingBoxClip(): string {
  const path = join(tmpdir(), 'vc-media-fixtures', 'moving-box-v1.mp4');
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial.mp4`;
  execFileSync(ffmpeg!, [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'color=c=0x202020:s=160x120:r=25:d=2'],
    ...['-f', 'lavfi', '-i', `color=c=white:s=${BOX}x${BOX}:r=25:d=2`],
    ...['-filter_complex', `[0][1]overlay=x=3*n:y=${BOX_Y}:shortest=1`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', '-g', '12', partial],
  ]);
  renameSync(partial, path);
  return path;
}

function rows(values: Float32Array, dim: number): Float32Array[] {
  return Array.from({ length: values.length / dim }, (_, i) => values.subarray(i * dim, (i + 1) * dim));
}

function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return Math.sqrt(sum);
}

function norm(a: Float32Array): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tolerance, `${what}: differs by up to ${worst}`);
}

async function signatures(frames: FrameBatch, options: TestTaskContextOptions = {}): Promise<Float32Array[]> {
  const out = await frameSignatureTask({ frames }, FRAME_SIGNATURE_MODEL_ID, context(options));
  assert.equal(out.dim, FRAME_SIGNATURE_DIM);
  assert.equal(out.embeddings.length, frames.count * out.dim);
  return rows(out.embeddings, out.dim);
}

describe('built-in model files', () => {
  test('regenerating gives the committed bytes, model files and manifest part alike', async () => {
    const files = await generateBuiltinModels();
    assert.deepEqual(
      files.map((f) => f.path),
      ['builtin/frameSignature.onnx', 'builtin/motion.onnx', MANIFEST_PART],
    );
    for (const file of files) {
      const committed = readFileSync(join(MODELS_DIR, file.path));
      assert.ok(
        Buffer.from(file.bytes).equals(committed),
        `models/${file.path} differs from a fresh generation: run npm run models:generate`,
      );
    }
    // A second generation in the same process is identical too (no hidden state, no clock).
    const again = await generateBuiltinModels();
    assert.deepEqual(
      again.map((f) => Buffer.from(f.bytes).toString('base64')),
      files.map((f) => Buffer.from(f.bytes).toString('base64')),
    );
  });

  test('the manifest part follows the schema and pins each file by sha256 and size', () => {
    const path = join(MODELS_DIR, MANIFEST_PART);
    const manifest = parseModelManifest(readFileSync(path, 'utf8'), path);
    assert.deepEqual(
      manifest.models.map((m) => [m.id, m.task, m.role]),
      [
        [FRAME_SIGNATURE_MODEL_ID, 'frame-signature', 'frame-encoder'],
        [MOTION_MODEL_ID, 'motion', 'motion'],
      ],
    );
    for (const model of manifest.models) {
      assert.equal(model.source.kind, 'builtin');
      assert.equal(model.files.length, 1);
      const [file] = model.files;
      const bytes = readFileSync(join(MODELS_DIR, file.path));
      assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'), `${file.path} sha256`);
      assert.equal(file.bytes, bytes.length);
      assert.equal(model.sizeBytes, bytes.length);
      assert.equal(MODEL_PATHS[model.id as keyof typeof MODEL_PATHS], join(MODELS_DIR, file.path));
    }
  });

  test('the graphs are IR 8, opset 13, with fixed producer fields and the documented inputs', () => {
    for (const path of Object.values(MODEL_PATHS)) {
      const model = decodeModel(readFileSync(path));
      assert.equal(Number(model.irVersion), IR_VERSION);
      assert.deepEqual(
        model.opsetImport.map((o) => [o.domain, Number(o.version)]),
        [['', OPSET]],
      );
      assert.equal(model.producerName, PRODUCER_NAME);
      const [input] = model.graph?.input ?? [];
      assert.equal(input.name, 'frames');
      assert.deepEqual(
        input.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || Number(d.dimValue)),
        ['N', 'H', 'W', 3],
      );
    }
    // The task handlers and the generator agree on the output sizes.
    assert.equal(FRAME_SIGNATURE_DIM, GENERATOR_DIM);
    assert.equal(
      SIGNATURE_BLOCKS.reduce((s, b) => s + b.dims, 0),
      FRAME_SIGNATURE_DIM,
    );
    assert.equal(MOTION_MAP_SIZE, GENERATOR_MAP_SIZE);
  });

  const hasPythonOnnx = (() => {
    try {
      execFileSync('python3', ['-c', 'import onnx'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  test(
    'the ONNX checker accepts both graphs',
    { skip: hasPythonOnnx ? false : 'python3-onnx not installed' },
    () => {
      for (const path of Object.values(MODEL_PATHS)) {
        execFileSync('python3', [
          '-c',
          'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
          path,
        ]);
      }
    },
  );
});

describe('frame-signature task', () => {
  test('signatures are unit-norm for any frame size, flat frames included', async () => {
    const sizes: [number, number][] = [
      [224, 224],
      [97, 61],
      [1, 1],
    ];
    for (const [width, height] of sizes) {
      const area = width * height * 3;
      const flat = (v: number) => new Uint8Array(area).fill(v);
      const frames = [flat(0), flat(128), flat(255), noiseFrame(width, height, 7)];
      for (const signature of await signatures(batchOf(frames, width, height))) {
        assert.ok(Math.abs(norm(signature) - 1) < 1e-5, `${width}x${height}: norm ${norm(signature)}`);
        assert.ok(signature.every(Number.isFinite));
      }
    }
  });

  test('identical frames give identical signatures, whatever the batch size and position', async () => {
    const frames = Array.from({ length: 11 }, (_, i) => noiseFrame(64, 48, i + 1));
    frames[9] = frames[2];
    const whole = await signatures(batchOf(frames, 64, 48), { batchSize: 32 });
    assert.deepEqual(whole[9], whole[2]);
    for (const batchSize of [1, 3, 8]) {
      const chunked = await signatures(batchOf(frames, 64, 48), { batchSize });
      chunked.forEach((s, i) => assertClose(s, whole[i], 1e-6, `batch ${batchSize}, frame ${i}`));
    }
  });

  test('no frames: no work and an empty result', async () => {
    const made = context();
    const out = await frameSignatureTask(
      { frames: { count: 0, width: 8, height: 8, data: new Uint8Array(0) } },
      FRAME_SIGNATURE_MODEL_ID,
      made,
    );
    assert.deepEqual([out.dim, out.embeddings.length], [FRAME_SIGNATURE_DIM, 0]);
    assert.equal(made.stats.sessionsCreated.size, 0);
  });

  test('a malformed batch is bad input; a cancel between chunks stops the run', async () => {
    await assert.rejects(
      frameSignatureTask(
        { frames: { count: 2, width: 4, height: 4, data: new Uint8Array(10) } },
        FRAME_SIGNATURE_MODEL_ID,
        context(),
      ),
      (error: Error & { code?: string }) => error.code === 'bad-input' && /need 96/.test(error.message),
    );
    let calls = 0;
    const cancelled = context({
      batchSize: 2,
      checkCancelled: () => {
        if (++calls === 3) throw new Error('cancelled');
      },
    });
    const frames = batchOf(
      Array.from({ length: 8 }, (_, i) => noiseFrame(16, 16, i + 1)),
      16,
      16,
    );
    await assert.rejects(frameSignatureTask({ frames }, FRAME_SIGNATURE_MODEL_ID, cancelled), /cancelled/);
    assert.equal(calls, 3, 'stopped at the first check after a cancel');
  });
});

describe('built-in models on decoded video', { skip: noFfmpeg }, () => {
  const SIZE = { width: 224, height: 224, fit: 'stretch' as const };
  let media: MediaService;
  before(() => {
    media = new MediaService({ ffmpeg: ffmpeg!, ffprobe: ffprobe! });
  });

  async function decoded(path: string, indices: number[], size = SIZE): Promise<FrameBatch> {
    const result = await media.sample(path, { kind: 'indices', indices }, { size });
    assert.deepEqual(
      result.frames.map((f) => f.index),
      indices,
    );
    return batchOf(
      result.frames.map((f) => f.data!),
      size.width,
      size.height,
    );
  }

  test('consecutive frames of a clip are closer than the same frames in another colour or tone', async () => {
    const indices = [10, 11, 12, 13, 14, 15];
    const base = await signatures(await decoded(barcodeClip({ seconds: 2 }), indices));
    const others = {
      negated: await signatures(await decoded(barcodeClip({ seconds: 2, extraFilter: 'negate' }), indices)),
      'red-tinted': await signatures(
        await decoded(
          barcodeClip({ seconds: 2, extraFilter: 'drawbox=x=0:y=0:w=iw:h=ih:color=red@0.5:t=fill' }),
          indices,
        ),
      ),
    };
    for (let i = 0; i + 1 < indices.length; i++) {
      const near = distance(base[i], base[i + 1]);
      assert.ok(near > 0, 'consecutive barcode frames differ');
      for (const [name, other] of Object.entries(others)) {
        const far = distance(base[i], other[i]);
        assert.ok(near < far, `frame ${indices[i]}: next frame at ${near}, ${name} frame at ${far}`);
      }
    }
  });

  test('a static clip has ~0 motion; a moving box has more, hot where the box moved', async () => {
    const moving = movingBoxClip();
    // The barcode clip with everything painted over: a still picture, coded like the others.
    const still = barcodeClip({
      seconds: 2,
      extraFilter:
        'drawbox=x=0:y=0:w=iw:h=ih:color=0x336699:t=fill,drawbox=x=40:y=30:w=50:h=40:color=yellow:t=fill',
    });
    const indices = [5, 6, 7, 8, 9, 10, 11, 12];
    const size = { width: 160, height: 120, fit: 'stretch' as const };
    const stillOut = await motionTask(
      { frames: await decoded(still, indices, size) },
      MOTION_MODEL_ID,
      context(),
    );
    const movingOut = await motionTask(
      { frames: await decoded(moving, indices, size) },
      MOTION_MODEL_ID,
      context(),
    );
    for (const out of [stillOut, movingOut]) {
      assert.deepEqual([out.pairs, out.mapWidth, out.mapHeight], [7, MOTION_MAP_SIZE, MOTION_MAP_SIZE]);
      assert.equal(out.maps.length, 7 * MOTION_MAP_SIZE * MOTION_MAP_SIZE);
    }
    const stillMax = Math.max(...stillOut.energy);
    assert.ok(stillMax < 5e-4, `static clip energy up to ${stillMax}`);
    const mapCell = MOTION_MAP_SIZE * MOTION_MAP_SIZE;
    for (let p = 0; p < movingOut.pairs; p++) {
      const energy = movingOut.energy[p];
      assert.ok(energy > 10 * stillMax && energy > 1e-3, `pair ${p}: energy ${energy} vs static ${stillMax}`);
      // Energy is the map's mean.
      const map = movingOut.maps.subarray(p * mapCell, (p + 1) * mapCell);
      assertClose(
        Float32Array.of(map.reduce((s, v) => s + v, 0) / mapCell),
        Float32Array.of(energy),
        1e-6,
        'mean',
      );
      // Nearly all of the change lies in the box's path between the two frames (in map cells; a few
      // pixels of slack for the encoder's blur).
      const n = indices[p];
      const scaleX = MOTION_MAP_SIZE / 160;
      const scaleY = MOTION_MAP_SIZE / 120;
      const [x0, x1] = [(3 * n - 6) * scaleX, (3 * (n + 1) + BOX + 6) * scaleX];
      const [y0, y1] = [(BOX_Y - 3) * scaleY, (BOX_Y + BOX + 3) * scaleY];
      let inside = 0;
      let total = 0;
      let hottest = 0;
      for (let y = 0; y < MOTION_MAP_SIZE; y++) {
        for (let x = 0; x < MOTION_MAP_SIZE; x++) {
          const v = map[y * MOTION_MAP_SIZE + x];
          total += v;
          const within = x + 1 > x0 && x < x1 && y + 1 > y0 && y < y1;
          if (within) inside += v;
          if (v > map[hottest]) hottest = y * MOTION_MAP_SIZE + x;
        }
      }
      const hx = hottest % MOTION_MAP_SIZE;
      const hy = Math.floor(hottest / MOTION_MAP_SIZE);
      assert.ok(hx + 1 > x0 && hx < x1 && hy + 1 > y0 && hy < y1, `pair ${p}: hottest cell (${hx}, ${hy})`);
      assert.ok(
        inside / total > 0.9,
        `pair ${p}: ${((100 * inside) / total).toFixed(1)}% of the change in the box path`,
      );
    }
  });

  test('motion in overlapping chunks equals one big batch, every pair once', async () => {
    const frames = await decoded(
      barcodeClip({ seconds: 2 }),
      Array.from({ length: 20 }, (_, i) => i),
    );
    const whole = await motionTask({ frames }, MOTION_MODEL_ID, context({ batchSize: 32 }));
    assert.equal(whole.pairs, 19);
    for (const batchSize of [1, 2, 3, 8]) {
      const made = context({ batchSize });
      const chunked = await motionTask({ frames }, MOTION_MODEL_ID, made);
      assert.equal(chunked.pairs, 19);
      assertClose(chunked.energy, whole.energy, 1e-6, `energy, batch ${batchSize}`);
      assertClose(chunked.maps, whole.maps, 1e-5, `maps, batch ${batchSize}`);
      const runs = Math.ceil(19 / (Math.max(2, batchSize) - 1));
      assert.equal(
        made.stats.cancelChecks,
        runs + 1,
        `batch ${batchSize}: a check before each of ${runs} runs`,
      );
    }
    const one = await motionTask(
      { frames: { ...frames, count: 1, data: frames.data.subarray(0, 224 * 224 * 3) } },
      MOTION_MODEL_ID,
      context(),
    );
    assert.deepEqual([one.pairs, one.energy.length, one.maps.length], [0, 0, 0]);
  });

  describe('real clips', { skip: existsSync(REALDATA) ? false : 'no ../shared/realdata' }, () => {
    // Hard cuts found with ffmpeg's scene score (select='gt(scene,0.3)'): the first frame of each shot.
    const clips = [
      { path: 'Breakthrough__PySceneDetect/testvideo.mp4', cuts: [30, 180] },
      { path: 'zjysteven__lmms-finetune/bm_teaser.mp4', cuts: [50, 71, 116, 159, 192, 222, 271] },
    ];
    for (const clip of clips) {
      test(`frames across a cut are farther apart than frames within a shot: ${clip.path}`, async (t) => {
        const path = join(REALDATA, clip.path);
        if (!existsSync(path)) return t.skip(`${clip.path} is not in this copy of ../shared/realdata`);
        // Per cut: 3 frames before the cut (c-4, c-1) and 3 after (c, c+3) stay within one shot.
        const indices = clip.cuts.flatMap((c) => [c - 4, c - 1, c, c + 3]);
        const s = await signatures(await decoded(path, indices));
        clip.cuts.forEach((c, k) => {
          const [before, last, first, later] = s.slice(4 * k, 4 * k + 4);
          const across = distance(last, first);
          const within = Math.max(distance(before, last), distance(first, later));
          assert.ok(
            across > 2.5 * within,
            `cut at ${c}: across ${across.toFixed(3)}, within ${within.toFixed(3)}`,
          );
        });
      });
    }
  });
});
