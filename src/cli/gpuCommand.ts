// gpu enable: installs onnxruntime-node's CUDA provider; offline, says what to fetch and where.
import {
  cudaInstallPlan,
  GpuInstallError,
  installCudaProvider,
  manualCudaInstructions,
  missingCudaFiles,
} from '../core/inference/gpuInstall';
import { cancelSignal, printJson, UserError } from './context';

export async function gpuEnableCommand(options: { json?: boolean; printOnly?: boolean }): Promise<number> {
  const plan = cudaInstallPlan();
  if (options.printOnly) {
    process.stdout.write(`${manualCudaInstructions(plan)}\n`);
    return 0;
  }
  if (missingCudaFiles(plan).length === 0) {
    process.stdout.write(
      `the CUDA provider is already installed in ${plan.binFolder}; run video-curator doctor to check it loads\n`,
    );
    return 0;
  }
  try {
    await installCudaProvider({
      signal: cancelSignal,
      onOutput: (line) => process.stderr.write(`  ${line}\n`),
    });
  } catch (error) {
    if (error instanceof GpuInstallError) throw new UserError(error.message, 1);
    throw error;
  }
  if (options.json) printJson({ installed: true, binFolder: plan.binFolder, files: plan.files });
  else
    process.stdout.write(
      `CUDA provider installed in ${plan.binFolder}; run video-curator doctor to check it loads\n`,
    );
  return 0;
}
