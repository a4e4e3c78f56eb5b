// Small terminal helpers for the human-readable CLI output: aligned tables and a progress line.

export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const render = (row: string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const lines = all.map(render);
  if (header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

/** A single updating status line on a TTY; silent when stderr is piped, so logs stay clean. */
export class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(text: string): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.last < 80) return;
    this.last = now;
    const width = (this.stream.columns ?? 80) - 1;
    this.stream.write(`\r${text.slice(0, width).padEnd(width)}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stream.write(`\r${' '.repeat((this.stream.columns ?? 80) - 1)}\r`);
    this.shown = false;
  }
}

export function plural(count: number, noun: string): string {
  return `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;
}
