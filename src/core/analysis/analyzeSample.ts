// Per sample, on top of its clip's analysis: query-aware keyframes (when a text encoder is
// installed), TPL and temporal sensitivity (when a scorer is installed), and flags. Without a model
// the value is absent with its reason; nothing is ever made up.
import type { Sample } from '../dataset/sample';
import type { InferenceRuntime } from '../inference/inferenceRuntime';
import type { MediaService } from '../media/mediaService';
import type { ClipAnalysis, KeyframePicks, SampleAnalysis } from './analysisTypes';
import { packFrames, toRef } from './clipFrames';
import { pickKeyframes, queryTextFor } from './keyframes';
import { temporalPerplexity } from './temporalPerplexity';
import { temporalSensitivity } from './temporalSensitivity';
import { inferenceScorer, NO_SCORER_REASON, SCORER_MODEL_ID } from './textScorer';
import type { FrameProvider, TextScorer } from './textScorer';

export const IMAGE_ENCODER = 'hub/clip-vit-base-patch32-vision';
export const TEXT_ENCODER = 'hub/clip-vit-base-patch32-text';
const SCORER_FRAME_SIZE = 384;
const EMBED_SIZE = 224;

export interface SampleAnalyzerDeps {
  media: MediaService;
  runtime: InferenceRuntime;
  /** Whether a model's files are all on disk. */
  available: (modelId: string) => Promise<boolean>;
  modelVersion: (id: string) => string;
}

export interface SampleAnalysisOptions {
  tplFrames?: number;
  tplSingles?: number;
  keyframes?: number;
  sensitivityRadius?: number;
}

/** Builds a per-run sample analyzer that remembers which models exist and each clip's image embeddings. */
export function createSampleAnalyzer(deps: SampleAnalyzerDeps, options: SampleAnalysisOptions = {}) {
  let scorer: Promise<TextScorer | undefined> | undefined;
  let encoders: Promise<boolean> | undefined;
  const imageEmbeddings = new Map<string, Promise<{ dim: number; embeddings: Float32Array }>>();

  const getScorer = (): Promise<TextScorer | undefined> =>
    (scorer ??= deps
      .available(SCORER_MODEL_ID)
      .then((ok) =>
        ok ? inferenceScorer(deps.runtime, SCORER_MODEL_ID, deps.modelVersion(SCORER_MODEL_ID)) : undefined,
      ));
  const haveEncoders = (): Promise<boolean> =>
    (encoders ??= Promise.all([deps.available(IMAGE_ENCODER), deps.available(TEXT_ENCODER)]).then(
      ([a, b]) => a && b,
    ));

  const queryKeyframes = async (
    sample: Sample,
    clip: ClipAnalysis,
    signal?: AbortSignal,
  ): Promise<KeyframePicks | undefined> => {
    const query = queryTextFor(sample);
    if (!query || !(await haveEncoders())) return undefined;
    const run = signal ? { signal } : {};
    let images = imageEmbeddings.get(clip.video);
    if (!images) {
      images = deps.media
        .sample(
          clip.video,
          { kind: 'indices', indices: clip.candidates.map((c) => c.index) },
          {
            size: { width: EMBED_SIZE, height: EMBED_SIZE, fit: 'letterbox' },
            ...run,
          },
        )
        .then((sampled) =>
          deps.runtime.run(
            'image-embed',
            IMAGE_ENCODER,
            { frames: packFrames(sampled.frames, EMBED_SIZE, EMBED_SIZE) },
            run,
          ),
        )
        .then((r) => r.output);
      imageEmbeddings.set(clip.video, images);
    }
    const [{ dim, embeddings }, text] = await Promise.all([
      images,
      deps.runtime.run('text-embed', TEXT_ENCODER, { texts: [query] }, run),
    ]);
    const relevance = clip.candidates.map((_, i) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += embeddings[i * dim + d] * text.output.embeddings[d];
      return dot;
    });
    // Novelty here is measured in the same CLIP space as relevance.
    return pickKeyframes(
      {
        candidates: clip.candidates,
        descriptors: embeddings,
        dim,
        relevance,
        query: { text: query, model: { id: TEXT_ENCODER, version: deps.modelVersion(TEXT_ENCODER) } },
        cuts: clip.shots.cuts,
      },
      { k: options.keyframes ?? 16 },
    );
  };

  return async (
    sample: Sample,
    clip: ClipAnalysis | undefined,
    signal?: AbortSignal,
  ): Promise<SampleAnalysis> => {
    const flags: string[] = [];
    if (!sample.video) flags.push('missing-video');
    if (!clip) {
      return {
        sampleId: sample.id,
        ...(sample.video ? { video: sample.video } : {}),
        tpl: {
          reason: sample.video ? 'the video could not be analysed' : 'the video was not found',
          params: {},
        },
        flags,
      };
    }
    if (clip.signals.dynamics < 0.05) flags.push('static-clip');
    if (clip.signals.density < 0.1) flags.push('redundant-frames');
    const frames = frameProvider(deps.media, clip, signal);
    const activeScorer = await getScorer();
    const tpl = await temporalPerplexity(sample, frames, activeScorer, {
      frames: options.tplFrames ?? 8,
      singles: options.tplSingles ?? 1,
      profile: true,
      ...(signal ? { signal } : {}),
    });
    if (!activeScorer && tpl.tpl === undefined && !tpl.reason) tpl.reason = NO_SCORER_REASON;
    const sensitivity = sample.windows?.length
      ? await temporalSensitivity(sample, frames, activeScorer, {
          radius: options.sensitivityRadius ?? 1,
          ...(signal ? { signal } : {}),
        })
      : undefined;
    if (sensitivity?.insensitive) flags.push('window-insensitive');
    const keyframes = (await queryKeyframes(sample, clip, signal)) ?? clip.keyframes;
    return {
      sampleId: sample.id,
      video: clip.video,
      keyframes,
      tpl,
      ...(sensitivity ? { sensitivity } : {}),
      flags,
    };
  };
}

/** Frames for the scorer, decoded on demand through the media layer (one process per request). */
function frameProvider(media: MediaService, clip: ClipAnalysis, signal?: AbortSignal): FrameProvider {
  const size = { width: SCORER_FRAME_SIZE, height: SCORER_FRAME_SIZE, fit: 'letterbox' as const };
  const run = signal ? { signal } : {};
  const select = async (request: Parameters<MediaService['sample']>[1]) => {
    const sampled = await media.sample(clip.video, request, { size, ...run });
    return { refs: sampled.frames.map(toRef), batch: packFrames(sampled.frames, size.width, size.height) };
  };
  return {
    duration: clip.duration,
    uniform: (count) => select({ kind: 'uniform', count }),
    atTimes: (times) => select({ kind: 'times', times: [...times] }),
  };
}
