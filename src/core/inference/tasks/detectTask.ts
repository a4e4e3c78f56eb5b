// Object detection per frame: open-vocabulary detectors (OWL-ViT, OWLv2, Grounding DINO) look for the
// given labels; closed-set ones (DETR, YOLOS, RT-DETR) report their own classes, filtered to the labels.
import type { Detection, TaskInput, TaskOutput } from '../../../protocol/inference';
import type { TaskContext, TaskHandler } from '../worker/taskContext';
import { framesToRawImages, loadHubBundle, loadTransformers } from '../hub/transformersHub';
import type { RawImage } from '../hub/transformersHub';

const ZERO_SHOT_MODEL_TYPES = ['owlvit', 'owlv2', 'grounding-dino'];

/** Files transformers.js reads for OWL-ViT (and DETR) at dtype fp32 (Xenova layout). */
export const DETECTOR_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/model.onnx',
];

interface PipelineDetection {
  score: number;
  label: string;
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
}

interface Detector {
  zeroShot: boolean;
  run(
    image: RawImage,
    labels: string[] | undefined,
    threshold: number | undefined,
  ): Promise<PipelineDetection[]>;
}

function loadDetector(context: TaskContext, model: string): Promise<Detector> {
  return loadHubBundle(context, model, 'detect', async (t, repoId, options) => {
    const config = (await t.AutoConfig.from_pretrained(repoId, options)) as unknown as {
      model_type?: string;
    };
    const zeroShot = ZERO_SHOT_MODEL_TYPES.includes(config.model_type ?? '');
    // Boxes come back as fractions of the frame (percentage: true) so no precision is lost to rounding.
    if (zeroShot) {
      const detector = (await t.pipeline('zero-shot-object-detection', repoId, options)) as unknown as (
        image: RawImage,
        labels: string[],
        o: Record<string, unknown>,
      ) => Promise<PipelineDetection[]>;
      return {
        zeroShot,
        run: (image, labels, threshold) =>
          detector(image, labels ?? [], {
            percentage: true,
            ...(threshold === undefined ? {} : { threshold }),
          }),
      };
    }
    const detector = (await t.pipeline('object-detection', repoId, options)) as unknown as (
      image: RawImage,
      o: Record<string, unknown>,
    ) => Promise<PipelineDetection[]>;
    return {
      zeroShot,
      run: (image, _labels, threshold) =>
        detector(image, { percentage: true, ...(threshold === undefined ? {} : { threshold }) }),
    };
  });
}

const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));

export const detectTask: TaskHandler<TaskInput<'detect'>, TaskOutput<'detect'>> = async (
  input,
  model,
  context,
) => {
  const detector = await loadDetector(context, model);
  const labels = input.labels?.map((l) => l.trim()).filter((l) => l !== '');
  if (detector.zeroShot && (!labels || labels.length === 0)) {
    throw new Error(`${model} is an open-vocabulary detector: give the labels to look for.`);
  }
  const wanted = labels ? new Set(labels.map((l) => l.toLowerCase())) : undefined;
  const t = await loadTransformers();
  const { width, height } = input.frames;
  const frames: Detection[][] = [];
  for (const image of framesToRawImages(t, input.frames)) {
    context.checkCancelled();
    const found = await detector.run(image, labels, input.threshold);
    frames.push(
      found
        .filter((d) => detector.zeroShot || !wanted || wanted.has(d.label.toLowerCase()))
        .map((d) => ({
          box: [
            clamp(d.box.xmin * width, width),
            clamp(d.box.ymin * height, height),
            clamp(d.box.xmax * width, width),
            clamp(d.box.ymax * height, height),
          ],
          label: d.label,
          score: d.score,
        })),
    );
  }
  return { frames };
};
