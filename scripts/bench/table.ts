// Plain-text tables for benchmark reports: columns padded to their widest cell, numbers right-aligned.

export interface Column {
  title: string;
  align?: 'left' | 'right';
}

export function formatTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join(
    '\n',
  );
}

export function ms(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '·' : value.toFixed(0);
}

export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '·' : value.toFixed(2);
}
