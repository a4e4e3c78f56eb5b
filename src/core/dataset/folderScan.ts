// One walk over the dataset folder: which files might hold annotations, which are videos.
import { opendir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

export const VIDEO_EXTENSIONS = new Set([
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.mpg',
  '.mpeg',
  '.ts',
  '.m2ts',
  '.flv',
  '.wmv',
  '.3gp',
  '.ogv',
]);
export const ANNOTATION_EXTENSIONS: ReadonlySet<string> = new Set([
  '.json',
  '.jsonl',
  '.ndjson',
  '.txt',
  '.csv',
  '.tsv',
]);
/** Folders that never hold dataset content. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  '.video-curator',
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
]);

export interface FolderScan {
  annotationFiles: string[];
  videoFiles: string[];
  /** Folders that could not be read, with the reason. */
  unreadable: { path: string; reason: string }[];
}

/** `exclude` holds paths relative to `root` (forward slashes); matching files and folders are skipped. */
export async function scanFolder(
  root: string,
  exclude: readonly string[] = [],
  signal?: AbortSignal,
): Promise<FolderScan> {
  const scan: FolderScan = { annotationFiles: [], videoFiles: [], unreadable: [] };
  const excluded = new Set(exclude.map((p) => p.replace(/\\/g, '/').replace(/\/+$/, '')));
  const walk = async (dir: string): Promise<void> => {
    signal?.throwIfAborted();
    let entries;
    try {
      entries = await opendir(dir);
    } catch (error) {
      scan.unreadable.push({ path: dir, reason: (error as Error).message });
      return;
    }
    const subdirs: string[] = [];
    try {
      for await (const entry of entries) {
        const path = join(dir, entry.name);
        if (excluded.has(relative(root, path).split(sep).join('/'))) continue;
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) subdirs.push(path);
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          const ext = extname(entry.name).toLowerCase();
          if (VIDEO_EXTENSIONS.has(ext)) scan.videoFiles.push(path);
          else if (ANNOTATION_EXTENSIONS.has(ext) && entry.name !== 'video-curator.json')
            scan.annotationFiles.push(path);
        }
      }
    } catch (error) {
      // opendir can succeed where reading the entries fails (EACCES, EIO): same outcome as above.
      scan.unreadable.push({ path: dir, reason: (error as Error).message });
    }
    for (const subdir of subdirs.sort()) await walk(subdir);
  };
  await walk(root);
  scan.annotationFiles.sort();
  scan.videoFiles.sort();
  return scan;
}
