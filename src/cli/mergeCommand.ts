// merge: the shards of `analyze --shard i/n` become the dataset's results.json and report.html, the
// files a single run writes and the editor loads. Nothing is written unless the set checks out.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analysisProblems } from '../core/analysis/analysisProblems';
import { writeHtmlReport } from '../core/analysis/htmlReport';
import {
  clipCacheFiles,
  importShardCaches,
  mergeShards,
  readShardFiles,
  ShardMergeError,
} from '../core/analysis/mergeShards';
import { writeFileAtomic } from '../core/export/atomicFile';
import { datasetCacheRoot } from '../core/media/mediaCache';
import { renderAnalysis } from './analyzeCommand';
import { loadIndex, printJson, UserError } from './context';
import { plural } from './terminal';
import { appendAll } from '../core/collections';

export interface MergeOptions {
  json?: boolean;
}

export async function mergeCommand(
  folder: string,
  shardPaths: string[],
  options: MergeOptions,
): Promise<number> {
  const index = await loadIndex(folder);
  const out = join(index.folder, '.video-curator');
  const cacheRoot = datasetCacheRoot(index.folder);
  let imported: number;
  let merged;
  let shards;
  try {
    shards = await readShardFiles(shardPaths.length ? shardPaths : [join(out, 'shards')]);
    merged = mergeShards(index, shards, cacheRoot);
    // Only a set that checked out brings its cache entries in.
    imported = (
      await importShardCaches(shards, cacheRoot, (line) => process.stderr.write(`warning: ${line}\n`))
    ).entries;
  } catch (error) {
    if (error instanceof ShardMergeError) throw new UserError(error.message);
    throw error;
  }
  // An entry the import had to leave behind (damaged in the shard's cache) leaves its clip without
  // pictures in the editor; a plain analyze makes them again.
  const absent: string[] = [];
  for (const clip of merged.clips)
    for (const file of clipCacheFiles(clip))
      if (!(await stat(file).catch(() => undefined))) absent.push(file);
  if (absent.length)
    process.stderr.write(
      `warning: ${plural(absent.length, 'filmstrip or poster file')} not in ${cacheRoot} (e.g. ${absent[0]}): ` +
        `the editor shows no pictures for those clips; run \`video-curator analyze ${index.folder}\` to make them again\n`,
    );
  appendAll(index.problems, analysisProblems(index, merged));
  // The report first, results.json last: the editor loads results.json, and each lands by rename.
  await writeHtmlReport(join(out, 'report.html'), merged, index.samples);
  await writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(merged, null, 1)}\n`);

  if (options.json) {
    printJson({
      results: join(out, 'results.json'),
      report: join(out, 'report.html'),
      shards: shards.map((l) => l.path),
      cacheEntriesImported: imported,
      dataset: merged.dataset,
      failures: merged.failures,
    });
    return 0;
  }
  process.stdout.write(
    `merged ${plural(shards.length, 'shard')}` +
      (imported ? `, imported ${imported} cache ${imported === 1 ? 'entry' : 'entries'}` : '') +
      `\n${renderAnalysis(index.folder, merged)}\n`,
  );
  return 0;
}
