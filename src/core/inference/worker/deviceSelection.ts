// Which execution provider the runtime runs on. onnxruntime-node throws (it does not fall back)
// when asked for a provider it cannot load, so each candidate is tried on a probe model and the
// first that loads wins, CPU last; the reason for every skip is kept for the user.
import type * as ort from 'onnxruntime-node';
import type { DeviceSetting, ExecutionProvider, RuntimeStatus } from '../../../protocol/inference';
import { probeModelBytes } from './probeModel';

/** Providers to try, in order, for a setting on a platform. CPU is always last. */
export function providerCandidates(
  device: DeviceSetting,
  platform: NodeJS.Platform = process.platform,
): ExecutionProvider[] {
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
    case 'dml':
    case 'coreml':
      return [device, 'cpu'];
    case 'auto':
      if (platform === 'win32') return ['cuda', 'dml', 'cpu'];
      if (platform === 'darwin') return ['coreml', 'cpu'];
      return ['cuda', 'cpu'];
  }
}

/** onnxruntime's name for each provider in `executionProviders`. */
export function ortProviderName(provider: ExecutionProvider): string {
  return provider;
}

/** A failure message from onnxruntime turned into the reason a user reads. */
export function explainProviderFailure(provider: ExecutionProvider, error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (
    /Failed to load (shared )?library|cannot open shared object|LoadLibrary|error code 126|dlopen/i.test(text)
  ) {
    return 'provider library not found';
  }
  if (
    /not (supported|available|compiled|registered)|unknown (execution )?provider|invalid backend|backend not found/i.test(
      text,
    )
  ) {
    return `this onnxruntime-node build has no ${provider} provider`;
  }
  if (/CUDA|cudnn|driver/i.test(text)) return `the ${provider} provider failed to start (${firstLine(text)})`;
  return firstLine(text);
}

export async function selectProvider(runtime: typeof ort, device: DeviceSetting): Promise<RuntimeStatus> {
  const skipped: string[] = [];
  for (const provider of providerCandidates(device)) {
    if (provider === 'cpu') break;
    try {
      const session = await runtime.InferenceSession.create(probeModelBytes(), {
        executionProviders: [ortProviderName(provider)],
        logSeverityLevel: 4,
      });
      await session.release();
      return { requested: device, provider };
    } catch (error) {
      const reason = explainProviderFailure(provider, error);
      skipped.push(device === 'auto' ? `tried ${provider} (${reason})` : `${provider} requested, ${reason}`);
    }
  }
  return {
    requested: device,
    provider: 'cpu',
    ...(skipped.length
      ? { fallbackReason: `${device === 'auto' ? 'auto: ' : ''}${skipped.join('; ')}, running on CPU` }
      : {}),
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 200);
}
