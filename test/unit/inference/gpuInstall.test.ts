import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  cudaInstallPlan,
  GpuInstallError,
  installCudaProvider,
  manualCudaInstructions,
  missingCudaFiles,
} from '../../../src/core/inference/gpuInstall';
import { runCli } from '../../helpers/runCli';

const linux = process.platform === 'linux' && process.arch === 'x64';

test(
  'the CUDA plan comes from onnxruntime-node’s own installer metadata',
  { skip: !linux && 'linux-x64 only' },
  () => {
    const plan = cudaInstallPlan();
    assert.equal(plan.supported, true);
    assert.equal(plan.nuget.id, 'Microsoft.ML.OnnxRuntime.Gpu.Linux');
    assert.equal(plan.nuget.version, '1.30.0');
    assert.equal(
      plan.nuget.url,
      'https://api.nuget.org/v3-flatcontainer/microsoft.ml.onnxruntime.gpu.linux/1.30.0/microsoft.ml.onnxruntime.gpu.linux.1.30.0.nupkg',
    );
    assert.deepEqual(plan.files.map((f) => f.name).sort(), [
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
      'libonnxruntime_providers_tensorrt.so',
    ]);
    assert.match(plan.binFolder, /onnxruntime-node[/\\]bin[/\\]napi-v6[/\\]linux[/\\]x64$/);
    const text = manualCudaInstructions(plan);
    assert.ok(text.includes(plan.nuget.url));
    assert.ok(text.includes(join(plan.binFolder, 'libonnxruntime_providers_cuda.so')));
    assert.match(text, /CUDA 12 and cuDNN 9/);
  },
);

test(
  'offline, gpu enable fails and says what to download and where to put it',
  { skip: !linux && 'linux-x64 only' },
  async () => {
    const plan = cudaInstallPlan();
    if (missingCudaFiles(plan).length === 0) return; // a machine that already has the provider
    // A proxy on a closed port makes the installer offline even on a machine with internet.
    const offline = { GLOBAL_AGENT_HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' };
    await assert.rejects(installCudaProvider({ env: offline }), (error: Error) => {
      assert.ok(error instanceof GpuInstallError);
      assert.ok(error.message.includes(plan.nuget.url), error.message);
      assert.ok(error.message.includes(plan.binFolder));
      return true;
    });
    const cli = await runCli(['gpu', 'enable'], offline);
    assert.equal(cli.code, 1);
    assert.ok(cli.stderr.includes(plan.nuget.url), cli.stderr);
    assert.equal(missingCudaFiles(plan).length, plan.files.length, 'nothing half-installed');
  },
);
