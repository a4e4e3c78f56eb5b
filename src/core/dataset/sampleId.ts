// Stable sample ids: derived from what a record says, never from where it sits in the file,
// so reordering or inserting records keeps every decision attached to its sample.
import { createHash } from 'node:crypto';

/**
 * `label#hash`, where hash covers the annotation file (relative to the dataset folder, with
 * forward slashes) and the record's identity. The label keeps ids readable in CLIs and journals.
 */
export function sampleIdFor(relativeFile: string, identity: string, label: string): string {
  const hash = createHash('sha256').update(relativeFile).update('\0').update(identity).digest('hex');
  return `${sanitizeLabel(label)}#${hash.slice(0, 10)}`;
}

function sanitizeLabel(label: string): string {
  const clean = label.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');
  return (clean || 'sample').slice(0, 48);
}
