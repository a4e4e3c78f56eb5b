// Stable sample ids: derived from what a record says, never from where it sits in the file,
// so reordering or inserting records keeps every decision attached to its sample.
import { hash } from 'node:crypto';

/**
 * `label#hash`, where hash covers the annotation file (relative to the dataset folder, with
 * forward slashes) and the record's identity. The label keeps ids readable in CLIs and journals.
 */
export function sampleIdFor(relativeFile: string, identity: string, label: string): string {
  // One-shot hash of the joined text: the same bytes as update(file), update('\0'), update(identity),
  // without a Hash object per record (a 100k-record index builds 100k ids).
  const digest = hash('sha256', `${relativeFile}\0${identity}`, 'hex');
  return `${sanitizeLabel(label)}#${digest.slice(0, 10)}`;
}

function sanitizeLabel(label: string): string {
  const clean = label.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');
  return (clean || 'sample').slice(0, 48);
}
