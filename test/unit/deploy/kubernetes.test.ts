// The Kubernetes recipe: the manifests parse, the analyze Job is an Indexed Job whose pods each run
// one shard, and the command every pod runs (after Kubernetes' $(VAR) expansion) is, to the real CLI
// parser, the same call as the shard command the equality test runs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { parseShardSpec } from '../../../src/core/analysis/shardPartition';
import { mergeCommand, parseCommandLine, shardCommand } from './shardCommandForm';

const folder = join(__dirname, '..', '..', '..', 'deploy', 'kubernetes');

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  restartPolicy: string;
  containers: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { template?: { spec: PodSpec } };
}

async function manifests(file: string): Promise<Manifest[]> {
  const docs = parseAllDocuments(await readFile(join(folder, file), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
  return docs.map((doc) => {
    assert.deepEqual(doc.errors, [], `${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Manifest;
  });
}

/** Kubernetes' expansion of $(VAR) in command and args; every reference must resolve. */
function expand(words: string[], env: Record<string, string>): string[] {
  return words.map((word) =>
    word.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_whole, name: string) => {
      assert.ok(name in env, `$(${name}) is not defined in the container's env`);
      return env[name];
    }),
  );
}

function envOf(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
}

/** The CLI arguments a container runs: its command (the image's `video-curator`) then its args. */
function cliArgs(container: Container, env: Record<string, string>): string[] {
  const words = expand([...(container.command ?? []), ...(container.args ?? [])], env);
  assert.equal(words[0], 'video-curator', 'runs the CLI the image puts on PATH (deploy/Dockerfile)');
  return words.slice(1);
}

test('the analyze Job is an Indexed Job with one pod per shard, each running the tested shard command', async () => {
  const [job] = await manifests('analyze-indexed-job.yaml');
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.equal(job.spec.completionMode, 'Indexed');
  const completions = job.spec.completions as number;
  assert.ok(Number.isInteger(completions) && completions >= 1);
  assert.ok((job.spec.parallelism as number) >= 1 && (job.spec.parallelism as number) <= completions);
  const pod = job.spec.template!.spec;
  assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy));
  const [container] = pod.containers;
  const env = envOf(container);
  assert.equal(env.SHARDS, String(completions), 'SHARDS must equal completions');
  for (const path of [env.DATASET, env.SHARDS_DIR]) {
    assert.ok(
      container.volumeMounts?.some((m) => path.startsWith(`${m.mountPath}/`)),
      `${path} is on the mounted shared volume`,
    );
  }
  const claim = pod.volumes?.find((v) => v.name === container.volumeMounts![0].name)?.persistentVolumeClaim;
  assert.ok(claim, 'the shared volume is a PersistentVolumeClaim');

  const seen = new Set<string>();
  for (let index = 0; index < completions; index++) {
    // The Job controller sets JOB_COMPLETION_INDEX in each pod of an Indexed Job.
    const args = cliArgs(container, { ...env, JOB_COMPLETION_INDEX: String(index) });
    const parsed = await parseCommandLine(args);
    assert.deepEqual(
      parsed,
      await parseCommandLine(shardCommand(env.DATASET, index, completions, env.SHARDS_DIR)),
    );
    const options = parsed.args[1] as { shard: string };
    assert.deepEqual(parseShardSpec(options.shard), { index, count: completions });
    seen.add(options.shard);
  }
  assert.equal(seen.size, completions, 'every pod runs a different shard');
});

test('the merge Job merges the same shards folder of the same dataset on the same claim', async () => {
  const [analyze] = await manifests('analyze-indexed-job.yaml');
  const [merge] = await manifests('merge-job.yaml');
  const [claim] = await manifests('shared-storage.yaml');
  assert.equal(merge.kind, 'Job');
  assert.equal(merge.spec.completionMode, undefined, 'one merge pod');
  const analyzeEnv = envOf(analyze.spec.template!.spec.containers[0]);
  const container = merge.spec.template!.spec.containers[0];
  const env = envOf(container);
  assert.equal(env.DATASET, analyzeEnv.DATASET);
  assert.equal(env.SHARDS_DIR, analyzeEnv.SHARDS_DIR);
  assert.equal(container.image, analyze.spec.template!.spec.containers[0].image);
  assert.deepEqual(
    await parseCommandLine(cliArgs(container, env)),
    await parseCommandLine(mergeCommand(env.DATASET, env.SHARDS_DIR)),
  );
  assert.equal(claim.kind, 'PersistentVolumeClaim');
  assert.deepEqual(claim.spec.accessModes, ['ReadWriteMany']);
  for (const job of [analyze, merge]) {
    const pod = job.spec.template!.spec;
    assert.equal(pod.volumes?.[0].persistentVolumeClaim?.claimName, claim.metadata.name);
    assert.equal(pod.containers[0].volumeMounts?.[0].mountPath, '/data');
  }
});
