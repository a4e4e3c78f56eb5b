// The main job's analyzer, wired once for every face (CLI, extension, benchmark, tests): clips
// through analyzeClip, samples through the sample analyzer, models versioned from the manifest.
import type { InferenceService } from '../inference/inferenceService';
import { findModel } from '../inference/modelManifest';
import type { MediaCache } from '../media/mediaCache';
import type { MediaService } from '../media/mediaService';
import type { RuntimeStatus } from '../../protocol/inference';
import { analyzeClip } from './analyzeClip';
import type { ClipAnalysisOptions, ClipAnalyzerDeps } from './analyzeClip';
import { SCORER_MODEL_ID } from './textScorer';
import type { DatasetAnalyzer } from './analyzeDataset';
import { createSampleAnalyzer } from './analyzeSample';
import type { SampleAnalysisOptions } from './analyzeSample';

export interface DatasetAnalyzerDeps {
  media: MediaService;
  cache?: MediaCache;
  inference: InferenceService;
  /** The runtime's provider, recorded in the results' settings. */
  status: RuntimeStatus;
}

export function createDatasetAnalyzer(
  deps: DatasetAnalyzerDeps,
  options: { clip?: ClipAnalysisOptions; sample?: SampleAnalysisOptions; concurrency?: number } = {},
): DatasetAnalyzer {
  const { media, cache, inference, status } = deps;
  const modelVersion = (id: string): string => findModel(inference.manifest, id)?.version ?? 'unknown';
  const runtime = inference.runtime;
  // The VLM describes clips only when its files are on disk; checked once per run.
  let describer: Promise<ClipAnalyzerDeps['describer']> | undefined;
  const getDescriber = (): Promise<ClipAnalyzerDeps['describer']> =>
    (describer ??= inference.available(SCORER_MODEL_ID).then((ok) =>
      ok
        ? {
            model: { id: SCORER_MODEL_ID, version: modelVersion(SCORER_MODEL_ID) },
            describe: async (frames, signal) =>
              (
                await runtime.run(
                  'describe',
                  SCORER_MODEL_ID,
                  { frames, prompt: 'Describe this video in one sentence.', maxTokens: 40 },
                  signal ? { signal } : {},
                )
              ).output.text,
          }
        : undefined,
    ));
  return {
    clip: async (video, signal) => {
      const found = await getDescriber();
      return analyzeClip(
        video,
        { media, runtime, modelVersion, ...(cache ? { cache } : {}), ...(found ? { describer: found } : {}) },
        options.clip ?? {},
        signal,
      );
    },
    sample: createSampleAnalyzer(
      { media, runtime, available: inference.available, modelVersion },
      options.sample ?? {},
    ),
    concurrency: options.concurrency ?? 2,
    settings: {
      device: status.requested,
      provider: status.provider,
      ...(status.fallbackReason ? { fallbackReason: status.fallbackReason } : {}),
      ...(options.clip ? { clip: options.clip } : {}),
      ...(options.sample ? { sample: options.sample } : {}),
    },
  };
}
