// Where the inference worker's entry is: the esbuild bundle beside the running bundle
// (dist/inferenceWorker.js), else the TypeScript source run through tsx (tests, `tsx src/cli/main.ts`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface WorkerLocation {
  workerPath: string;
  execArgv: string[];
}

export function defaultWorkerLocation(bundleDir: string = __dirname): WorkerLocation {
  const bundled = join(bundleDir, 'inferenceWorker.js');
  if (existsSync(bundled)) return { workerPath: bundled, execArgv: [] };
  const source = resolve(__dirname, 'worker', 'inferenceWorker.ts');
  if (existsSync(source)) return { workerPath: source, execArgv: ['--import', 'tsx'] };
  throw new Error(`inference worker not found: built ${bundled} is missing (run npm run build)`);
}
