// `npm run models:generate` writes the built-in models and their manifest part under models/;
// `npm run models:generate -- --check` fails when the committed files differ from a fresh generation.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateBuiltinModels, MODELS_DIR } from './builtinModels';
import type { GeneratedFile } from './builtinModels';

function readOrUndefined(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** models/manifest.json: every part in manifest.parts/ (by file name), the fresh built-in part included. */
function mergedManifest(generated: GeneratedFile[]): GeneratedFile {
  const partsDir = join(MODELS_DIR, 'manifest.parts');
  const models: unknown[] = [];
  for (const name of readdirSync(partsDir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const fresh = generated.find((f) => f.path === `manifest.parts/${name}`);
    const text = fresh
      ? Buffer.from(fresh.bytes).toString('utf8')
      : readFileSync(join(partsDir, name), 'utf8');
    const part = JSON.parse(text) as unknown;
    models.push(...(Array.isArray(part) ? part : (part as { models: unknown[] }).models));
  }
  const text = `${JSON.stringify({ $comment: 'Generated from models/manifest.parts by npm run models:generate; edit the parts.', models }, null, 2)}\n`;
  return { path: 'manifest.json', bytes: new TextEncoder().encode(text) };
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}; usage: generate.ts [--check]`);
    return 2;
  }
  const check = argv.includes('--check');
  const files = await generateBuiltinModels();
  files.push(mergedManifest(files));
  let stale = 0;
  for (const file of files) {
    const target = join(MODELS_DIR, file.path);
    const current = readOrUndefined(target);
    const same = current !== undefined && Buffer.compare(Buffer.from(current), Buffer.from(file.bytes)) === 0;
    if (check) {
      if (!same) {
        stale++;
        console.error(
          `models/${file.path} ${current ? 'differs from' : 'is missing; expected'} a fresh generation`,
        );
      }
      continue;
    }
    if (!same) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.bytes);
    }
    console.log(`models/${file.path} ${same ? 'unchanged' : 'written'} (${file.bytes.length} bytes)`);
  }
  if (check) {
    if (stale > 0) {
      console.error('run `npm run models:generate` and commit the result');
      return 1;
    }
    console.log(`${files.length} generated files match`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
