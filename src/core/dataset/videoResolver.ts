// Finds the file a record means by its video reference: a path relative to the annotation file,
// to a configured video root or to the dataset folder, else a file with the same name or stem
// anywhere in the scanned folders (so a Charades id `AO8RW` finds `videos/AO8RW.mp4`).
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';

export class VideoResolver {
  private readonly known: Set<string>;
  private readonly byName = new Map<string, string>();
  private readonly byStem = new Map<string, string>();
  /** Per annotation file, per reference: what it resolved to. Records name the same few videos often. */
  private readonly resolved = new Map<string, Map<string, string | undefined>>();

  constructor(
    private readonly datasetFolder: string,
    private readonly videoRoots: readonly string[],
    videoFiles: readonly string[],
  ) {
    this.known = new Set(videoFiles);
    // First file (in sorted scan order) wins when names collide, so resolution is deterministic.
    for (const file of videoFiles) {
      const name = basename(file).toLowerCase();
      if (!this.byName.has(name)) this.byName.set(name, file);
      const stem = name.slice(0, name.length - extname(name).length);
      if (!this.byStem.has(stem)) this.byStem.set(stem, file);
    }
  }

  /** Absolute path of the video, or undefined when no candidate exists. */
  resolve(ref: string, annotationFile: string): string | undefined {
    let cache = this.resolved.get(annotationFile);
    if (!cache) this.resolved.set(annotationFile, (cache = new Map()));
    if (cache.has(ref)) return cache.get(ref);
    const found = this.lookup(ref, annotationFile);
    cache.set(ref, found);
    return found;
  }

  private lookup(ref: string, annotationFile: string): string | undefined {
    const cleaned = ref.trim().replace(/\\/g, '/');
    if (!cleaned) return undefined;
    const candidates = isAbsolute(cleaned)
      ? [cleaned]
      : [
          resolve(dirname(annotationFile), cleaned),
          ...this.videoRoots.map((root) => resolve(this.datasetFolder, root, cleaned)),
          resolve(this.datasetFolder, cleaned),
        ];
    for (const candidate of candidates) if (this.known.has(candidate)) return candidate;
    const name = basename(cleaned).toLowerCase();
    const byName = this.byName.get(name);
    if (byName) return byName;
    // A bare id, or an id whose extension differs (`x.avi` annotated, `x.mp4` on disk).
    const stem = extname(name) && isVideoLike(name) ? name.slice(0, -extname(name).length) : name;
    return this.byStem.get(stem) ?? (stem.startsWith('v_') ? this.byStem.get(stem.slice(2)) : undefined);
  }
}

function isVideoLike(name: string): boolean {
  return /\.(mp4|m4v|mov|mkv|webm|avi|mpg|mpeg|ts|m2ts|flv|wmv|3gp|ogv)$/i.test(name);
}
