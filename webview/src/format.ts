// Number and label formatting shared by the list and the detail pane.
import type { RowVerdict } from '../../src/protocol/board';

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

export function formatNumber(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

const VERDICT_LABELS: Record<RowVerdict, string> = {
  accept: 'accepted',
  reject: 'rejected',
  edit: 'edited',
  pending: 'pending',
};

export function verdictLabel(verdict: RowVerdict): string {
  return VERDICT_LABELS[verdict];
}

/** One glyph per verdict so the list reads without colour. */
export const VERDICT_GLYPHS: Record<RowVerdict, string> = {
  accept: '✓',
  reject: '✗',
  edit: '✎',
  pending: '·',
};
