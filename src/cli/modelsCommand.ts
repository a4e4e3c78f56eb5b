// models list | pull | verify: which models the analysis can use, where each resolves on this machine,
// and downloading hub models into the cache with a size shown first and a progress line during.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ManifestError, defaultManifestPath, loadModelManifest } from '../core/inference/modelManifest';
import type { ModelEntry, ModelManifest } from '../core/inference/modelManifest';
import { ModelMissingError, ModelStore, findPackageRoot, formatBytes } from '../core/inference/modelStore';
import type { ModelStatus, VerifyReport } from '../core/inference/modelStore';
import { HubError } from '../core/inference/store/hubDownload';
import { LOCK_FILE_NAME } from '../core/inference/store/lockFile';
import { UserError, cancelSignal, printJson } from './context';
import { ProgressLine, plural, table } from './terminal';

export interface ModelsOptions {
  /** --models-path; default $VIDEO_CURATOR_MODELS. */
  modelsPath?: string;
  /** --manifest: a manifest file or a manifest.parts folder; default the bundled one. */
  manifest?: string;
  json?: boolean;
  yes?: boolean;
}

/** Where the CLI keeps downloaded models (the extension uses its global storage folder instead). */
export function cliModelCache(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'video-curator', 'models');
}

interface Setup {
  manifest: ModelManifest;
  store: ModelStore;
  modelsPath: string | undefined;
  modelsPathFrom: string | undefined;
  globalStorage: string;
}

async function setup(options: ModelsOptions): Promise<Setup> {
  const packageRoot = findPackageRoot(__dirname);
  const manifestPath = options.manifest ? resolve(options.manifest) : await defaultManifestPath(packageRoot);
  let manifest: ModelManifest;
  try {
    manifest = await loadModelManifest(manifestPath);
  } catch (error) {
    if (error instanceof ManifestError) throw new UserError(error.message);
    throw error;
  }
  const fromEnv = process.env.VIDEO_CURATOR_MODELS || undefined;
  const modelsPath = options.modelsPath ?? fromEnv;
  const globalStorage = cliModelCache();
  const store = new ModelStore({
    modelsPath: modelsPath ? resolve(modelsPath) : undefined,
    globalStorage,
    // Only `models pull` downloads, and it calls pull() itself.
    allowDownload: false,
    hubUrl: process.env.HF_ENDPOINT || undefined,
    packageRoot,
  });
  return {
    manifest,
    store,
    modelsPath: modelsPath ? resolve(modelsPath) : undefined,
    modelsPathFrom: options.modelsPath ? '--models-path' : fromEnv ? 'VIDEO_CURATOR_MODELS' : undefined,
    globalStorage,
  };
}

function requireModel(manifest: ModelManifest, id: string): ModelEntry {
  const entry = manifest.findModel(id);
  if (!entry)
    throw new UserError(
      `no model "${id}" in ${manifest.path}; known models: ${manifest.models.map((m) => m.id).join(', ') || 'none'}`,
    );
  return entry;
}

function describeSource(entry: ModelEntry): string {
  const { source } = entry;
  if (source.kind === 'hub') return `hub ${source.repo}@${source.revision}`;
  if (source.kind === 'npm') return `npm ${source.package}@${source.version}`;
  return 'builtin';
}

export async function modelsListCommand(options: ModelsOptions): Promise<number> {
  const { manifest, store, modelsPath, modelsPathFrom, globalStorage } = await setup(options);
  const statuses = await Promise.all(manifest.models.map((entry) => store.status(entry)));

  if (options.json) {
    printJson({
      manifest: manifest.path,
      modelsPath: modelsPath ?? null,
      globalStorage,
      hubUrl: store.hubUrl,
      models: manifest.models.map((entry, i) => modelJson(entry, statuses[i])),
    });
    return 0;
  }

  const rows = manifest.models.map((entry, i) => {
    const status = statuses[i];
    const where = status.resolved
      ? `ok  ${status.resolved.dir} (${status.resolved.source})`
      : `MISSING ${status.missing.length} of ${plural(entry.files.length, 'file')}`;
    return [entry.id, entry.role, describeSource(entry), where];
  });
  const lines = [
    `manifest: ${manifest.path}`,
    `models folder: ${modelsPath ? `${modelsPath} (from ${modelsPathFrom})` : 'not set (--models-path or VIDEO_CURATOR_MODELS)'}`,
    `download cache: ${globalStorage}`,
    '',
    rows.length ? table(rows, ['id', 'role', 'source', 'where']) : 'the manifest lists no models',
  ];
  const missing = manifest.models
    .map((entry, i) => [entry, statuses[i]] as const)
    .filter(([, s]) => !s.resolved);
  if (missing.length) {
    lines.push('', 'missing files:');
    for (const [entry, status] of missing) {
      lines.push(`  ${entry.id}:`, ...status.missing.map((path) => `    ${path}`));
      if (entry.source.kind === 'hub') lines.push(`    fix: video-curator models pull ${entry.id}`);
    }
  }
  for (const [i, status] of statuses.entries())
    for (const note of status.notes) lines.push(`note: ${manifest.models[i].id}: ${note}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function modelJson(entry: ModelEntry, status: ModelStatus) {
  return {
    id: entry.id,
    version: entry.version,
    role: entry.role,
    task: entry.task,
    license: entry.license,
    source: entry.source,
    files: entry.files.map((f) => f.path),
    sizeBytes: entry.sizeBytes ?? null,
    available: status.resolved !== null,
    resolved: status.resolved
      ? { dir: status.resolved.dir, root: status.resolved.root, source: status.resolved.source }
      : null,
    missing: status.missing,
    notes: status.notes,
  };
}

export async function modelsPullCommand(id: string, options: ModelsOptions): Promise<number> {
  const { manifest, store } = await setup(options);
  const entry = requireModel(manifest, id);
  const status = await store.status(entry);
  if (status.resolved) {
    process.stdout.write(
      `${entry.id} is already present: ${status.resolved.dir} (${status.resolved.source})\n`,
    );
    return 0;
  }
  if (entry.source.kind !== 'hub') throw new UserError(store.missingError(entry, status).message);

  const plan = await downloadStep(() => store.plan(entry, { signal: cancelSignal }));
  const size = plan.totalBytes === null ? 'size unknown' : formatBytes(plan.totalBytes);
  const from = `${store.hubUrl}/${plan.repo}${plan.commit ? ` (commit ${plan.commit})` : ` (${plan.revision})`}`;
  const summary = [
    `${entry.id}: ${plural(plan.files.length, 'file')} to download, ${size}, from ${from}`,
    `into ${plan.dir}`,
    ...plan.files.map((f) => `  ${f.path}  ${f.bytes === null ? '?' : formatBytes(f.bytes)}`),
  ];
  if (plan.present.length) summary.push(`(${plural(plan.present.length, 'file')} already there)`);
  process.stdout.write(`${summary.join('\n')}\n`);

  if (!options.yes && !(await confirm(`Download ${size}? [y/N] `))) {
    if (!process.stdin.isTTY)
      throw new UserError(`not downloading without confirmation: re-run with --yes to download ${size}`);
    process.stdout.write('not downloaded\n');
    return 1;
  }

  const progress = new ProgressLine();
  const result = await downloadStep(() =>
    store
      .pull(entry, {
        plan,
        signal: cancelSignal,
        onProgress: (p) => {
          const file = `${formatBytes(p.fileBytes)}/${p.fileTotal === null ? '?' : formatBytes(p.fileTotal)}`;
          const total =
            p.total === null
              ? ''
              : `, total ${formatBytes(p.bytes)}/${formatBytes(p.total)} (${percent(p.bytes, p.total)})`;
          progress.update(`[${p.filesDone + 1}/${p.filesTotal}] ${p.file} ${file}${total}`);
        },
      })
      .finally(() => progress.done()),
  );
  for (const file of result.downloaded)
    process.stdout.write(`  ok  ${file.path}  ${formatBytes(file.bytes)}  sha256 ${file.sha256}\n`);
  process.stdout.write(
    `downloaded ${plural(result.downloaded.length, 'file')} (${formatBytes(result.bytes)}) into ${result.dir}; checksums pinned in ${join(result.dir, LOCK_FILE_NAME)}\n`,
  );
  return 0;
}

export async function modelsVerifyCommand(id: string | undefined, options: ModelsOptions): Promise<number> {
  const { manifest, store } = await setup(options);
  const entries = id ? [requireModel(manifest, id)] : manifest.models;
  const reports: VerifyReport[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    const report = await store.verify(entry, { signal: cancelSignal });
    // Without an id, models never fetched are not failures: they are listed by `models list`.
    if (!id && report.files.every((f) => f.status === 'missing')) skipped.push(entry.id);
    else reports.push(report);
  }
  const ok = reports.every((r) => r.ok);

  if (options.json) {
    printJson({ ok, models: reports, notPresent: skipped });
    return ok ? 0 : 1;
  }
  const rows: string[][] = [];
  for (const report of reports) {
    for (const file of report.files) {
      const detail =
        file.status === 'ok'
          ? `sha256 ${file.sha256} (pinned by ${file.pinnedBy})`
          : file.status === 'mismatch'
            ? file.expectedSha256
              ? `sha256 ${file.sha256}, expected ${file.expectedSha256} (${file.pinnedBy})`
              : `${file.bytes} bytes, expected another size`
            : file.status === 'unpinned'
              ? `sha256 ${file.sha256} (no checksum known to compare with)`
              : 'not found';
      rows.push([report.id, file.status === 'ok' ? 'ok' : file.status.toUpperCase(), file.absolute, detail]);
    }
  }
  const lines = rows.length
    ? [table(rows, ['model', 'status', 'file', 'detail'])]
    : ['no model files to verify'];
  if (skipped.length)
    lines.push('', `not present (see \`video-curator models list\`): ${skipped.join(', ')}`);
  const bad = reports.filter((r) => !r.ok);
  if (bad.length)
    lines.push(
      '',
      `${plural(bad.length, 'model')} failed verification. Delete the files marked MISMATCH and run \`video-curator models pull <id>\` again (hub models), or restore them.`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}

/** Runs a network step; offline and hub errors become user errors (exit 1) with their full message. */
async function downloadStep<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof ModelMissingError || error instanceof HubError)
      throw new UserError(error.message, 1);
    throw error;
  }
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question, { signal: cancelSignal })).trim());
  } finally {
    prompt.close();
  }
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '100%' : `${Math.floor((part / whole) * 100)}%`;
}
