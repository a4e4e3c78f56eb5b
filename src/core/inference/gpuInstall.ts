// Installs onnxruntime-node's CUDA provider with onnxruntime-node's own installer
// (ONNXRUNTIME_NODE_INSTALL=cuda12), and says exactly what to fetch and where to put it when the
// machine is offline.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface CudaInstallPlan {
  platform: string;
  supported: boolean;
  /** Where onnxruntime-node looks for provider libraries. */
  binFolder: string;
  /** Library files the CUDA provider needs in binFolder, with their path inside the NuGet package. */
  files: { name: string; pathInPackage: string }[];
  nuget: { id: string; version: string; url: string };
  installScript: string;
}

interface InstallMetadata {
  requirements: Record<string, string[]>;
  manifests: Record<string, Record<string, { package: string; path: string }>>;
  packages: Record<string, { name: string; versions: { feed: string; version: string }[] }>;
}

export function onnxruntimeNodeDir(): string {
  return dirname(require.resolve('onnxruntime-node/package.json'));
}

export function cudaInstallPlan(
  root = onnxruntimeNodeDir(),
  platform = `${process.platform}/${process.arch}`,
): CudaInstallPlan {
  // onnxruntime-node's own installer metadata: the same package, version and files its installer uses.
  const metadata = createRequire(__filename)(join(root, 'script', 'install-metadata.js')) as InstallMetadata;
  const manifest = metadata.manifests[`${platform}:cuda12`] ?? {};
  const files = Object.entries(manifest).map(([name, entry]) => ({
    name: name.replace(/^\.\//, ''),
    pathInPackage: entry.path,
  }));
  const packageKey = Object.values(manifest)[0]?.package;
  const pkg = packageKey ? metadata.packages[packageKey] : undefined;
  const id = pkg?.name ?? 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
  const version = pkg?.versions[0]?.version ?? '';
  return {
    platform,
    supported: (metadata.requirements[platform] ?? []).includes('cuda12'),
    binFolder: join(root, 'bin', 'napi-v6', platform),
    files,
    nuget: {
      id,
      version,
      url: `https://api.nuget.org/v3-flatcontainer/${id.toLowerCase()}/${version}/${id.toLowerCase()}.${version}.nupkg`,
    },
    installScript: join(root, 'script', 'install.js'),
  };
}

export function missingCudaFiles(plan: CudaInstallPlan): string[] {
  return plan.files.map((f) => join(plan.binFolder, f.name)).filter((path) => !existsSync(path));
}

export class GpuInstallError extends Error {
  override readonly name = 'GpuInstallError';
}

/** What to do by hand: one paragraph a user can follow on a machine without internet. */
export function manualCudaInstructions(plan: CudaInstallPlan): string {
  return [
    `Download ${plan.nuget.url} (NuGet package ${plan.nuget.id} ${plan.nuget.version}, a zip file) on a machine with internet,`,
    `and copy these files from it into ${plan.binFolder}:`,
    ...plan.files.map((f) => `  ${f.pathInPackage} -> ${join(plan.binFolder, f.name)}`),
    'The CUDA provider also needs the CUDA 12 and cuDNN 9 runtime libraries on the library path.',
    'Then run `video-curator doctor` to check that inference runs on cuda.',
  ].join('\n');
}

/** Runs onnxruntime-node's installer for the CUDA provider. Output lines go to `onOutput`. */
export async function installCudaProvider(
  options: {
    signal?: AbortSignal;
    onOutput?: (line: string) => void;
    env?: NodeJS.ProcessEnv;
    plan?: CudaInstallPlan;
  } = {},
): Promise<CudaInstallPlan> {
  const plan = options.plan ?? cudaInstallPlan();
  if (!plan.supported) {
    throw new GpuInstallError(
      `onnxruntime-node ${plan.nuget.version} has no CUDA provider package for ${plan.platform}; ` +
        (process.platform === 'win32'
          ? 'on Windows, DirectML ships with it: use device "dml".'
          : 'use device "cpu".'),
    );
  }
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [plan.installScript],
      {
        cwd: dirname(dirname(plan.installScript)),
        env: { ...process.env, ...options.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' },
        signal: options.signal,
        timeout: 30 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error) => {
        if (!error) return resolve();
        const last = output
          .filter((l) => l.trim())
          .slice(-3)
          .join(' | ');
        reject(
          new GpuInstallError(
            `onnxruntime-node's CUDA installer failed${last ? ` (${last})` : ''}. Without internet, install it by hand:\n${manualCudaInstructions(plan)}`,
          ),
        );
      },
    );
    const collect = (data: Buffer): void => {
      for (const line of data.toString().split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        options.onOutput?.(line);
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  });
  const missing = missingCudaFiles(plan);
  if (missing.length) {
    throw new GpuInstallError(
      `onnxruntime-node's installer could not fetch the CUDA provider (is the machine offline?); missing: ${missing.join(', ')}.\n${manualCudaInstructions(plan)}`,
    );
  }
  return plan;
}
