// Webview state: UI intent only (scroll, filters, sort, selection), versioned. Curation data never
// lives here; the host resends it with `init` whenever the webview is restored.
import type { RowVerdict } from '../../src/protocol/board';
import type { HostConnection } from './vscodeApi';

export const VIEW_STATE_VERSION = 1;

export const SORT_KEYS = ['source', 'video', 'duration', 'tpl', 'dynamics', 'density', 'verdict'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface BoardFilters {
  /** Case-insensitive substring of id, source, video or flags. */
  text: string;
  verdict: RowVerdict | 'all';
  flag: string | 'all';
  /** Annotation file (the part of `source` before ":line"). */
  source: string | 'all';
  /** Histogram threshold; null: no TPL filter. */
  tplThreshold: number | null;
  tplDirection: 'below' | 'above';
}

export interface BoardSort {
  key: SortKey;
  descending: boolean;
}

export interface BoardViewState {
  version: typeof VIEW_STATE_VERSION;
  scrollTop: number;
  filters: BoardFilters;
  sort: BoardSort;
  /** Selected sample ids (capped when saved) and the active one (the detail pane's sample). */
  selection: string[];
  active?: string;
}

/** Large multi-selections are not worth persisting; the cap keeps setState cheap. */
const MAX_SAVED_SELECTION = 1_000;
const VERDICT_FILTERS: readonly string[] = ['all', 'accept', 'reject', 'edit', 'pending'];

export function defaultViewState(): BoardViewState {
  return {
    version: VIEW_STATE_VERSION,
    scrollTop: 0,
    filters: {
      text: '',
      verdict: 'all',
      flag: 'all',
      source: 'all',
      tplThreshold: null,
      tplDirection: 'below',
    },
    sort: { key: 'source', descending: false },
    selection: [],
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The saved state when it is of this version and well formed, field by field; defaults elsewhere. */
export function restoreViewState(saved: unknown): BoardViewState {
  const state = defaultViewState();
  if (!isRecord(saved) || saved.version !== VIEW_STATE_VERSION) return state;
  if (typeof saved.scrollTop === 'number' && saved.scrollTop >= 0) state.scrollTop = saved.scrollTop;
  const f = saved.filters;
  if (isRecord(f)) {
    if (typeof f.text === 'string') state.filters.text = f.text;
    if (typeof f.verdict === 'string' && VERDICT_FILTERS.includes(f.verdict))
      state.filters.verdict = f.verdict as BoardFilters['verdict'];
    if (typeof f.flag === 'string') state.filters.flag = f.flag;
    if (typeof f.source === 'string') state.filters.source = f.source;
    if (typeof f.tplThreshold === 'number' && Number.isFinite(f.tplThreshold))
      state.filters.tplThreshold = f.tplThreshold;
    if (f.tplDirection === 'above' || f.tplDirection === 'below') state.filters.tplDirection = f.tplDirection;
  }
  const s = saved.sort;
  if (isRecord(s) && (SORT_KEYS as readonly unknown[]).includes(s.key)) {
    state.sort = { key: s.key as SortKey, descending: s.descending === true };
  }
  if (Array.isArray(saved.selection))
    state.selection = saved.selection.filter((id): id is string => typeof id === 'string');
  if (typeof saved.active === 'string') state.active = saved.active;
  return state;
}

/** Saves the state a moment after the last change (scrolling changes it every frame). */
export class ViewStateStore {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: HostConnection,
    readonly state: BoardViewState,
  ) {}

  static load(host: HostConnection): ViewStateStore {
    return new ViewStateStore(host, restoreViewState(host.getState()));
  }

  changed(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), 250);
  }

  save(): void {
    this.timer = undefined;
    const { state } = this;
    this.host.setState({ ...state, selection: state.selection.slice(0, MAX_SAVED_SELECTION) });
  }
}
