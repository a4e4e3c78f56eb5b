// The model manifest (models/manifest.json, merged from models/manifest.parts/*.json): every model the
// analysis can use, where it comes from and which files it needs. Schema: models/README.md.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskName } from '../../protocol/inference';

export const MODEL_ROLES = ['frame-encoder', 'text-encoder', 'scorer', 'detector', 'ocr', 'motion'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];

// Keyed by TaskName so a task added to the protocol fails the type check here until it is listed.
const TASKS: Record<TaskName, true> = {
  'frame-signature': true,
  motion: true,
  ocr: true,
  'image-embed': true,
  'text-embed': true,
  'score-text': true,
  describe: true,
  detect: true,
};

export type ModelSource =
  | { kind: 'builtin'; generator: string }
  | { kind: 'npm'; package: string; version: string }
  /** `revision` is a branch, tag or commit; the commit actually downloaded is pinned in the lock file. */
  | { kind: 'hub'; repo: string; revision: string };

export interface ModelFile {
  /** Relative to the model's folder (hub: the repo root; builtin: models/; npm: the package folder). */
  path: string;
  /** null until known; hub files are then checked against the hub's own checksums at download. */
  sha256: string | null;
  bytes: number | null;
}

export interface TensorSpec {
  name: string;
  type: string;
  shape: (string | number)[];
}

export interface ModelEntry {
  id: string;
  version: string;
  role: ModelRole;
  task: TaskName;
  source: ModelSource;
  files: ModelFile[];
  license: string;
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
  preprocessing?: string;
  sizeBytes?: number | null;
  /** Free text for people reading the manifest (JSON has no comments). */
  comment?: string;
}

export interface ModelManifest {
  /** The manifest file, or the parts folder it was merged from. */
  path: string;
  models: ModelEntry[];
  findModel(id: string): ModelEntry | undefined;
}

/** A manifest that does not follow the schema; `problems` are "file /json/pointer: what is wrong". */
export class ManifestError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `invalid model manifest: ${problems[0]}`
        : `invalid model manifest ${path} (${problems.length} problems):\n  ${problems.join('\n  ')}`,
    );
    this.name = 'ManifestError';
  }
}

/** Loads a manifest file, or a manifest.parts folder (its *.json files merged in name order). */
export async function loadModelManifest(path: string): Promise<ModelManifest> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ManifestError(path, [`${path}: not found`]);
  if (info.isDirectory()) return loadModelManifestParts(path);
  const text = await readFile(path, 'utf8');
  return makeManifest(path, parseEntries(text, path));
}

export async function loadModelManifestParts(folder: string): Promise<ModelManifest> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json')).sort();
  const entries: unknown[] = [];
  const problems: string[] = [];
  const origins: string[] = [];
  for (const name of names) {
    const file = join(folder, name);
    try {
      const raw = rawEntries(await readFile(file, 'utf8'), file);
      raw.forEach((_, i) => origins.push(`${file} /models/${i}`));
      entries.push(...raw);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      problems.push(...error.problems);
    }
  }
  const models = validateEntries(entries, (i) => origins[i], problems);
  if (problems.length) throw new ManifestError(folder, problems);
  return makeManifest(folder, models);
}

/** Parses manifest text: either an array of entries or `{ "models": [...] }`. */
export function parseModelManifest(text: string, path: string): ModelManifest {
  return makeManifest(path, parseEntries(text, path));
}

/** The manifest shipped with the extension: models/manifest.json, else the parts it is merged from. */
export async function defaultManifestPath(packageRoot: string): Promise<string> {
  const merged = join(packageRoot, 'models', 'manifest.json');
  if (await stat(merged).catch(() => undefined)) return merged;
  return join(packageRoot, 'models', 'manifest.parts');
}

export function findModel(manifest: ModelManifest, id: string): ModelEntry | undefined {
  return manifest.models.find((model) => model.id === id);
}

function makeManifest(path: string, models: ModelEntry[]): ModelManifest {
  const manifest: ModelManifest = { path, models, findModel: (id) => findModel(manifest, id) };
  return manifest;
}

function parseEntries(text: string, path: string): ModelEntry[] {
  const raw = rawEntries(text, path);
  const problems: string[] = [];
  const models = validateEntries(raw, (i) => `${path} /models/${i}`, problems);
  if (problems.length) throw new ManifestError(path, problems);
  return models;
}

function rawEntries(text: string, path: string): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(path, [`${path}: not valid JSON (${(error as Error).message})`]);
  }
  if (Array.isArray(json)) return json;
  if (isObject(json) && Array.isArray(json.models)) return json.models;
  throw new ManifestError(path, [`${path}: expected an array of models or an object with a "models" array`]);
}

function validateEntries(raw: unknown[], where: (i: number) => string, problems: string[]): ModelEntry[] {
  const models: ModelEntry[] = [];
  const seen = new Map<string, string>();
  raw.forEach((value, i) => {
    const before = problems.length;
    const entry = validateEntry(value, where(i), problems);
    if (problems.length > before || !entry) return;
    const first = seen.get(entry.id);
    if (first) problems.push(`${where(i)}/id: duplicate id "${entry.id}" (first at ${first})`);
    else seen.set(entry.id, where(i));
    models.push(entry);
  });
  return models;
}

const SHA256 = /^[0-9a-f]{64}$/;
const HUB_REPO = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

function validateEntry(value: unknown, at: string, problems: string[]): ModelEntry | undefined {
  const fail = (pointer: string, message: string): void => void problems.push(`${at}${pointer}: ${message}`);
  if (!isObject(value)) {
    fail('', 'expected an object');
    return undefined;
  }
  const text = (key: string, pattern?: RegExp, hint?: string): string => {
    const v = value[key];
    if (typeof v !== 'string' || !v.trim()) fail(`/${key}`, 'expected a non-empty string');
    else if (pattern && !pattern.test(v)) fail(`/${key}`, `"${v}" ${hint}`);
    return typeof v === 'string' ? v : '';
  };

  const id = text('id', /^\S+$/, 'must not contain spaces');
  const version = text('version');
  const role = text('role');
  if (role && !(MODEL_ROLES as readonly string[]).includes(role))
    fail('/role', `"${role}" is not one of ${MODEL_ROLES.join(', ')}`);
  const task = text('task');
  if (task && !(task in TASKS)) fail('/task', `"${task}" is not a task (${Object.keys(TASKS).join(', ')})`);
  const license = text('license');
  const source = validateSource(value.source, fail);

  const files: ModelFile[] = [];
  if (!Array.isArray(value.files) || value.files.length === 0) fail('/files', 'expected a non-empty array');
  else {
    const paths = new Set<string>();
    value.files.forEach((file: unknown, i: number) => {
      const p = `/files/${i}`;
      if (!isObject(file)) return fail(p, 'expected {path, sha256, bytes}');
      const path = file.path;
      if (typeof path !== 'string' || !isSafeRelativePath(path))
        fail(`${p}/path`, 'expected a relative path with forward slashes and no ".." segments');
      else if (paths.has(path)) fail(`${p}/path`, `"${path}" is listed twice`);
      else paths.add(path);
      const sha256 = file.sha256 ?? null;
      if (sha256 !== null && (typeof sha256 !== 'string' || !SHA256.test(sha256)))
        fail(`${p}/sha256`, 'expected 64 lowercase hex digits, or null when not yet known');
      const bytes = file.bytes ?? null;
      if (bytes !== null && !isCount(bytes)) fail(`${p}/bytes`, 'expected a whole number of bytes, or null');
      files.push({ path: String(path), sha256: sha256 as string | null, bytes: bytes as number | null });
    });
  }

  const entry: ModelEntry = {
    id,
    version,
    role: role as ModelRole,
    task: task as TaskName,
    source: source as ModelSource,
    files,
    license,
  };
  for (const key of ['inputs', 'outputs'] as const) {
    if (value[key] === undefined) continue;
    const specs = validateTensors(value[key], `/${key}`, fail);
    if (specs) entry[key] = specs;
  }
  for (const key of ['preprocessing', 'comment'] as const) {
    if (value[key] === undefined) continue;
    if (typeof value[key] !== 'string') fail(`/${key}`, 'expected a string');
    else entry[key] = value[key];
  }
  if (value.sizeBytes !== undefined) {
    if (value.sizeBytes !== null && !isCount(value.sizeBytes))
      fail('/sizeBytes', 'expected a whole number of bytes, or null');
    else entry.sizeBytes = value.sizeBytes as number | null;
  }
  return entry;
}

function validateSource(
  value: unknown,
  fail: (pointer: string, message: string) => void,
): ModelSource | undefined {
  if (!isObject(value)) {
    fail('/source', 'expected {kind: "builtin" | "npm" | "hub", ...}');
    return undefined;
  }
  const str = (key: string): string => {
    const v = value[key];
    if (typeof v !== 'string' || !v.trim()) fail(`/source/${key}`, 'expected a non-empty string');
    return typeof v === 'string' ? v : '';
  };
  switch (value.kind) {
    case 'builtin':
      return { kind: 'builtin', generator: str('generator') };
    case 'npm':
      return { kind: 'npm', package: str('package'), version: str('version') };
    case 'hub': {
      const repo = str('repo');
      if (repo && !HUB_REPO.test(repo)) fail('/source/repo', `"${repo}" is not a hub repo id (owner/name)`);
      const revision = str('revision');
      if (revision && (/\s/.test(revision) || revision.split('/').includes('..')))
        fail('/source/revision', `"${revision}" is not a branch, tag or commit`);
      return { kind: 'hub', repo, revision };
    }
    default:
      fail('/source/kind', `expected "builtin", "npm" or "hub", got ${JSON.stringify(value.kind)}`);
      return undefined;
  }
}

function validateTensors(
  value: unknown,
  at: string,
  fail: (pointer: string, message: string) => void,
): TensorSpec[] | undefined {
  if (!Array.isArray(value)) {
    fail(at, 'expected an array of {name, type, shape}');
    return undefined;
  }
  const specs: TensorSpec[] = [];
  value.forEach((spec: unknown, i: number) => {
    const ok =
      isObject(spec) &&
      typeof spec.name === 'string' &&
      typeof spec.type === 'string' &&
      Array.isArray(spec.shape) &&
      spec.shape.every((d: unknown) => typeof d === 'string' || isCount(d));
    if (!ok) fail(`${at}/${i}`, 'expected {name: string, type: string, shape: (string | number)[]}');
    else
      specs.push({
        name: spec.name as string,
        type: spec.type as string,
        shape: spec.shape as TensorSpec['shape'],
      });
  });
  return specs;
}

/** Relative, forward slashes, no "." or ".." segments: safe to join under a model folder. */
export function isSafeRelativePath(path: string): boolean {
  if (!path || path.startsWith('/') || path.includes('\\') || /^[A-Za-z]:/.test(path)) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
