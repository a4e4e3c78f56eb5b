// The Slurm recipe: the scripts are valid bash; each array task runs, to the real CLI parser, the
// shard command the equality test runs; submit.sh chains the merge after the array with afterok.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { mergeCommand, parseCommandLine, shardCommand } from './shardCommandForm';
import type { ParsedCall } from './shardCommandForm';

const repo = join(__dirname, '..', '..', '..');
const folder = join(repo, 'deploy', 'slurm');
// The CLI stand-in: the real parser, printing the call instead of making it.
const recorder = `${process.execPath} --import tsx ${join(__dirname, 'recordCli.ts')}`;

function bash(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile('bash', args, { cwd: repo, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      ok({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vc-slurm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the scripts are valid bash', async () => {
  for (const script of ['analyze-array.sh', 'merge.sh', 'submit.sh']) {
    const result = await bash(['-n', join(folder, script)], {});
    assert.equal(result.code, 0, `${script}: ${result.stderr}`);
  }
});

test('the default array is 0-based and every task runs the tested shard command', async () => {
  const script = await readFile(join(folder, 'analyze-array.sh'), 'utf8');
  const array = /^#SBATCH --array=0-(\d+)$/m.exec(script);
  assert.ok(array, 'an #SBATCH --array=0-<n-1> line');
  const count = Number(array[1]) + 1;
  // Every task, side by side as the array runs them.
  const runs = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      bash([join(folder, 'analyze-array.sh'), '/shared/ds', '/shared/shards/run-1'], {
        VIDEO_CURATOR: recorder,
        SLURM_ARRAY_TASK_ID: String(index),
        SLURM_ARRAY_TASK_MIN: '0',
        SLURM_ARRAY_TASK_MAX: String(count - 1),
        SLURM_ARRAY_TASK_COUNT: String(count),
      }),
    ),
  );
  for (const [index, run] of runs.entries()) {
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      JSON.parse(run.stdout) as ParsedCall,
      await parseCommandLine(shardCommand('/shared/ds', index, count, '/shared/shards/run-1')),
    );
  }
});

test('without a shards folder the tasks write to the dataset, where merge looks by default', async () => {
  const run = await bash([join(folder, 'analyze-array.sh'), '/shared/ds'], {
    VIDEO_CURATOR: recorder,
    SLURM_ARRAY_TASK_ID: '5',
    SLURM_ARRAY_TASK_MIN: '0',
    SLURM_ARRAY_TASK_MAX: '7',
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    JSON.parse(run.stdout),
    await parseCommandLine(shardCommand('/shared/ds', 5, 8, '/shared/ds/.video-curator/shards')),
  );
  const merge = await bash([join(folder, 'merge.sh'), '/shared/ds'], { VIDEO_CURATOR: recorder });
  assert.equal(merge.code, 0, merge.stderr);
  assert.deepEqual(
    JSON.parse(merge.stdout),
    await parseCommandLine(mergeCommand('/shared/ds', '/shared/ds/.video-curator/shards')),
  );
});

test('an array that does not start at 0, has gaps, or is not an array is refused', async () => {
  const cases: NodeJS.ProcessEnv[] = [
    {
      SLURM_ARRAY_TASK_ID: '1',
      SLURM_ARRAY_TASK_MIN: '1',
      SLURM_ARRAY_TASK_MAX: '4',
      SLURM_ARRAY_TASK_COUNT: '4',
    },
    {
      SLURM_ARRAY_TASK_ID: '2',
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_MAX: '4',
      SLURM_ARRAY_TASK_COUNT: '3',
    },
    { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_MAX: '' },
  ];
  for (const env of cases) {
    const run = await bash([join(folder, 'analyze-array.sh'), '/shared/ds'], {
      VIDEO_CURATOR: recorder,
      ...env,
    });
    assert.notEqual(run.code, 0, JSON.stringify(env));
    assert.equal(run.stdout, '', 'the CLI did not run');
    assert.match(run.stderr, /array/);
  }
});

test('submit.sh submits n shard tasks, then a merge that waits for all of them (afterok)', async (t) => {
  const bin = await tempDir(t);
  const log = join(bin, 'sbatch.log');
  // A stand-in sbatch: records its arguments, answers like `sbatch --parsable` (id;cluster).
  await writeFile(
    join(bin, 'sbatch'),
    `#!/bin/bash\nprintf '%s\\n' "$*" >> "${log}"\nn=$(wc -l < "${log}")\necho "$((1000 + n));cluster"\n`,
  );
  await chmod(join(bin, 'sbatch'), 0o755);
  const run = await bash([join(folder, 'submit.sh'), '/shared/ds', '6', '/shared/shards/r'], {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    SBATCH_EXTRA: '--partition=cpu --account=vision',
  });
  assert.equal(run.code, 0, run.stderr);
  const calls = (await readFile(log, 'utf8')).trim().split('\n');
  assert.equal(calls.length, 2);
  assert.equal(
    calls[0],
    `--parsable --partition=cpu --account=vision --array=0-5 ${folder}/analyze-array.sh /shared/ds /shared/shards/r`,
  );
  assert.equal(
    calls[1],
    `--parsable --partition=cpu --account=vision --dependency=afterok:1001 ${folder}/merge.sh /shared/ds /shared/shards/r`,
  );
  assert.match(run.stdout, /job 1001 \(array 0-5\).*job 1002/);

  const bad = await bash([join(folder, 'submit.sh'), '/shared/ds', '0'], {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
  });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /at least 1/);
});
