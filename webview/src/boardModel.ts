// The board's rows and the sorted, filtered view over them. Sorting is cached per sort key and data
// version, so typing in search or dragging the threshold only re-filters (one pass over the rows).
import type { BoardRow, DecodedRow } from '../../src/protocol/board';
import type { BoardFilters, BoardSort, SortKey } from './state';

export const HISTOGRAM_BINS = 40;

export interface BoardView {
  /** Row indices (into RowStore.rows) in display order. */
  order: Int32Array;
  /** TPL histogram of the rows that pass every filter but the TPL one. */
  bins: Int32Array;
  /** How many of those rows have a TPL at all. */
  withTpl: number;
}

const VERDICT_ORDER: Record<string, number> = { pending: 0, edit: 1, accept: 2, reject: 3 };

export class RowStore {
  readonly rows: BoardRow[] = [];
  private readonly indexById = new Map<string, number>();
  /** Lower-cased search text per row, built on the first search (not on every init). */
  private searchKeys: string[] = [];
  private searchKeysBuilt = false;
  private files: string[] = [];
  private lines: Int32Array = new Int32Array(0);
  private sorted: { key: SortKey; descending: boolean; version: number; order: Int32Array } | undefined;
  /** Bumped on every change that can move rows in a sort. */
  private version = 0;
  /** TPL domain of all rows: the histogram's axis, stable while filters change. */
  tplMin = 0;
  tplMax = 1;
  readonly flags = new Set<string>();
  readonly sourceFiles = new Set<string>();

  reset(rows: readonly DecodedRow[]): void {
    this.rows.length = 0;
    this.indexById.clear();
    this.searchKeys = [];
    this.searchKeysBuilt = false;
    this.files = [];
    this.flags.clear();
    this.sourceFiles.clear();
    this.lines = new Int32Array(rows.length);
    for (const row of rows) this.add(row);
    this.afterChange();
  }

  /** Adds or replaces rows by id; returns the ids that were already present. */
  upsert(rows: readonly DecodedRow[]): string[] {
    const replaced: string[] = [];
    for (const decoded of rows) {
      const at = this.indexById.get(decoded.row.id);
      if (at === undefined) this.add(decoded);
      else {
        this.rows[at] = decoded.row;
        this.index(at, decoded);
        replaced.push(decoded.row.id);
      }
    }
    this.afterChange();
    return replaced;
  }

  /** Optimistic local verdicts; the host's `rowsUpdated` confirms or corrects them. */
  setVerdict(ids: Iterable<string>, verdict: BoardRow['verdict']): void {
    for (const id of ids) {
      const at = this.indexById.get(id);
      if (at !== undefined) this.rows[at] = { ...this.rows[at], verdict };
    }
    // Only a verdict sort can move; other cached orders stay valid (no 100k re-sort per keypress).
    if (this.sorted?.key === 'verdict') this.version++;
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id);
  }

  get(id: string): BoardRow | undefined {
    const at = this.indexById.get(id);
    return at === undefined ? undefined : this.rows[at];
  }

  view(filters: BoardFilters, sort: BoardSort): BoardView {
    const order = this.sortedOrder(sort);
    const text = filters.text.trim().toLowerCase();
    const bins = new Int32Array(HISTOGRAM_BINS);
    const out = new Int32Array(order.length);
    const span = this.tplMax - this.tplMin || 1;
    const threshold = filters.tplThreshold;
    const below = filters.tplDirection === 'below';
    let count = 0;
    let withTpl = 0;
    if (text) this.buildSearchKeys();
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      const row = this.rows[i];
      if (filters.verdict !== 'all' && row.verdict !== filters.verdict) continue;
      if (filters.source !== 'all' && this.files[i] !== filters.source) continue;
      if (filters.flag !== 'all' && !row.flags.includes(filters.flag)) continue;
      if (text && !this.searchKeys[i].includes(text)) continue;
      const tpl = row.tpl;
      if (tpl !== undefined) {
        withTpl++;
        bins[
          Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(((tpl - this.tplMin) / span) * HISTOGRAM_BINS)))
        ]++;
      }
      if (threshold !== null) {
        if (tpl === undefined) continue;
        if (below ? tpl > threshold : tpl < threshold) continue;
      }
      out[count++] = i;
    }
    return { order: out.slice(0, count), bins, withTpl };
  }

  private add(decoded: DecodedRow): void {
    const at = this.rows.length;
    this.rows.push(decoded.row);
    this.indexById.set(decoded.row.id, at);
    if (this.lines.length <= at) {
      const grown = new Int32Array(Math.max(16, this.lines.length * 2, at + 1));
      grown.set(this.lines);
      this.lines = grown;
    }
    this.index(at, decoded);
  }

  private index(at: number, { row, file, line }: DecodedRow): void {
    this.files[at] = file;
    this.lines[at] = line < 0 ? 0 : line;
    this.sourceFiles.add(file);
    for (const flag of row.flags) this.flags.add(flag);
    if (this.searchKeysBuilt) this.searchKeys[at] = searchKey(row);
  }

  private buildSearchKeys(): void {
    if (this.searchKeysBuilt) return;
    const keys = new Array<string>(this.rows.length);
    for (let i = 0; i < this.rows.length; i++) keys[i] = searchKey(this.rows[i]);
    this.searchKeys = keys;
    this.searchKeysBuilt = true;
  }

  private afterChange(): void {
    this.version++;
    let min = Infinity;
    let max = -Infinity;
    for (const row of this.rows) {
      if (row.tpl === undefined || !Number.isFinite(row.tpl)) continue;
      if (row.tpl < min) min = row.tpl;
      if (row.tpl > max) max = row.tpl;
    }
    if (min === Infinity) [min, max] = [0, 1];
    if (max - min < 1e-9) max = min + 1;
    this.tplMin = min;
    this.tplMax = max;
  }

  private sortedOrder(sort: BoardSort): Int32Array {
    const cached = this.sorted;
    if (
      cached &&
      cached.key === sort.key &&
      cached.descending === sort.descending &&
      cached.version === this.version
    )
      return cached.order;
    const order = Array.from({ length: this.rows.length }, (_, i) => i);
    const compare = this.comparator(sort.key);
    const sign = sort.descending ? -1 : 1;
    // Ties fall back to the original order so the sort is stable and deterministic.
    order.sort((a, b) => compare(a, b) * sign || a - b);
    const result = Int32Array.from(order);
    this.sorted = { key: sort.key, descending: sort.descending, version: this.version, order: result };
    return result;
  }

  private comparator(key: SortKey): (a: number, b: number) => number {
    const rows = this.rows;
    // Missing numbers sort last in ascending order.
    const byNumber = (pick: (row: BoardRow) => number | undefined) => (a: number, b: number) => {
      const x = pick(rows[a]);
      const y = pick(rows[b]);
      if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
      return x - y;
    };
    switch (key) {
      case 'source': {
        // Files compared once, by rank, rather than as strings in every comparison of a 100k sort.
        const ranks = new Map([...new Set(this.files)].sort(compareText).map((file, rank) => [file, rank]));
        const rank = Int32Array.from(this.files, (file) => ranks.get(file)!);
        return (a, b) => rank[a] - rank[b] || this.lines[a] - this.lines[b];
      }
      case 'video':
        return (a, b) => compareText(rows[a].video, rows[b].video);
      case 'verdict':
        return (a, b) => VERDICT_ORDER[rows[a].verdict] - VERDICT_ORDER[rows[b].verdict];
      case 'duration':
        return byNumber((row) => row.duration);
      case 'tpl':
        return byNumber((row) => row.tpl);
      case 'dynamics':
        return byNumber((row) => row.dynamics);
      case 'density':
        return byNumber((row) => row.density);
    }
  }
}

const searchKey = (row: BoardRow): string =>
  `${row.id}\n${row.source}\n${row.video}\n${row.flags.join(' ')}`.toLowerCase();

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
