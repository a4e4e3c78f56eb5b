// The curation board: entry of the webview bundle (dist/webview/board.js). It announces `ready`,
// then renders what the host sends: the sample list (virtualized), the TPL histogram, the detail
// pane; and posts the user's intents (select, verdicts, edits) back as sample ids.
import {
  BOARD_PROTOCOL_VERSION,
  checkRowColumns,
  decodeRows,
  isCurrentGeneration,
  isHostMessage,
} from '../../src/protocol/board';
import type {
  BoardAction,
  BoardSettings,
  DecodedRow,
  HostMessage,
  SampleDetail,
  Verdict,
} from '../../src/protocol/board';
import { RowStore } from './boardModel';
import { button, dropdown, registerComponents, textField } from './components';
import type { Choice, Dropdown, Field } from './components';
import { DetailPane } from './detailPane';
import type { DetailStatus } from './detailPane';
import { formatNumber, formatSeconds, VERDICT_GLYPHS, verdictLabel } from './format';
import { Histogram } from './histogram';
import { SORT_KEYS, ViewStateStore } from './state';
import type { SortKey } from './state';
import { VirtualList } from './virtualList';
import { connectHost } from './vscodeApi';
import type { HostConnection } from './vscodeApi';

const ROW_HEIGHT = 24;
/** A `requestDetail` the host has not answered in this time shows as an error the user can retry. */
const DETAIL_TIMEOUT_MS = 15_000;
const MAX_SOURCE_CHOICES = 500;

const SORT_LABELS: Record<SortKey, string> = {
  source: 'Sort: source',
  video: 'Sort: video',
  duration: 'Sort: duration',
  tpl: 'Sort: TPL',
  dynamics: 'Sort: dynamics',
  density: 'Sort: density',
  verdict: 'Sort: verdict',
};

interface DetailEntry {
  status: DetailStatus;
  detail?: SampleDetail;
  error?: string;
  timer?: ReturnType<typeof setTimeout>;
}

class Board {
  private readonly store = new RowStore();
  private readonly stateStore: ViewStateStore;
  private order: Int32Array = new Int32Array(0);
  /** Row index → position in `order` (-1: filtered out). */
  private position: Int32Array = new Int32Array(0);
  private generation = -1;
  private settings: BoardSettings = {};
  private readonly selection = new Set<string>();
  private anchor: string | undefined;
  private active: string | undefined;
  private readonly details = new Map<string, DetailEntry>();
  private initialised = false;
  private recomputeTimer: ReturnType<typeof setTimeout> | undefined;
  private detailTimer: ReturnType<typeof setTimeout> | undefined;
  private rangeTimer: ReturnType<typeof setTimeout> | undefined;
  private postedRange = '';

  private readonly list: VirtualList;
  private readonly histogram: Histogram;
  private readonly detailPane: DetailPane;
  private readonly search: Field;
  private readonly verdictFilter: Dropdown;
  private readonly flagFilter: Dropdown;
  private readonly sourceFilter: Dropdown;
  private readonly sortChoice: Dropdown;
  private readonly sortDirection: HTMLElement;
  private readonly countLabel: HTMLElement;
  private readonly notice: HTMLElement;

  constructor(private readonly host: HostConnection) {
    this.stateStore = ViewStateStore.load(host);
    const state = this.stateStore.state;
    for (const id of state.selection) this.selection.add(id);
    this.active = state.active;
    this.anchor = state.active;

    this.search = textField({
      ariaLabel: 'Search samples (/)',
      placeholder: 'Search id, source, video, flag  (/)',
      value: state.filters.text,
      className: 'search',
      onInput: (value) => {
        state.filters.text = value;
        this.scheduleRecompute(60);
      },
    });
    this.verdictFilter = dropdown({
      ariaLabel: 'Filter by verdict',
      choices: [
        { value: 'all', label: 'All verdicts' },
        { value: 'pending', label: 'Pending' },
        { value: 'accept', label: 'Accepted' },
        { value: 'reject', label: 'Rejected' },
        { value: 'edit', label: 'Edited' },
      ],
      value: state.filters.verdict,
      onChange: (value) => {
        state.filters.verdict = value as typeof state.filters.verdict;
        this.recompute();
      },
    });
    this.flagFilter = dropdown({
      ariaLabel: 'Filter by flag',
      choices: [{ value: 'all', label: 'All flags' }],
      value: 'all',
      onChange: (value) => {
        state.filters.flag = value;
        this.recompute();
      },
    });
    this.sourceFilter = dropdown({
      ariaLabel: 'Filter by source file',
      choices: [{ value: 'all', label: 'All files' }],
      value: 'all',
      className: 'source-filter',
      onChange: (value) => {
        state.filters.source = value;
        this.recompute();
      },
    });
    this.sortChoice = dropdown({
      ariaLabel: 'Sort by',
      choices: SORT_KEYS.map((key) => ({ value: key, label: SORT_LABELS[key] })),
      value: state.sort.key,
      onChange: (value) => {
        state.sort.key = value as SortKey;
        this.recompute();
      },
    });
    this.sortDirection = button({
      label: state.sort.descending ? '↓' : '↑',
      ariaLabel: 'Toggle sort direction',
      className: 'sort-direction',
      onClick: () => {
        state.sort.descending = !state.sort.descending;
        this.recompute();
      },
    });
    this.countLabel = document.createElement('span');
    this.countLabel.className = 'count';
    this.countLabel.setAttribute('role', 'status');

    const toolbar = document.createElement('header');
    toolbar.className = 'toolbar';
    toolbar.setAttribute('role', 'toolbar');
    toolbar.setAttribute('aria-label', 'Filters and sorting');
    toolbar.append(
      this.search.element,
      this.verdictFilter.element,
      this.flagFilter.element,
      this.sourceFilter.element,
      this.sortChoice.element,
      this.sortDirection,
      this.countLabel,
    );

    this.histogram = new Histogram({
      onThreshold: (value) => {
        state.filters.tplThreshold = value;
        this.recompute();
      },
      onDirection: (direction) => {
        state.filters.tplDirection = direction;
        this.recompute();
      },
    });

    this.list = new VirtualList({
      rowHeight: ROW_HEIGHT,
      overscan: 8,
      ariaLabel: 'Samples',
      createRow: () => this.createRow(),
      renderRow: (element, index) => this.renderRow(element, index),
      onRangeRendered: (first, last) => this.onRangeRendered(first, last),
    });
    this.list.element.addEventListener('click', (event) => this.onListClick(event));

    this.detailPane = new DetailPane({
      verdict: (verdict) => {
        if (this.active) this.applyVerdict([this.active], verdict);
      },
      editTurns: (turns) => {
        if (this.active) this.host.post({ type: 'editTurns', sampleId: this.active, turns });
      },
      dialogue: (dialogueId, action) => {
        if (this.active) this.host.post({ type: 'dialogue', sampleId: this.active, dialogueId, action });
      },
      editDialogue: (dialogueId, turns) => {
        if (this.active) this.host.post({ type: 'editDialogue', sampleId: this.active, dialogueId, turns });
      },
      editWindow: (index, start, end) => {
        if (this.active) this.host.post({ type: 'editWindow', sampleId: this.active, start, end, index });
      },
    });
    this.detailPane.element.addEventListener('editend', () => this.list.element.focus());

    const header = document.createElement('div');
    header.className = 'list-header';
    header.setAttribute('aria-hidden', 'true');
    for (const [cls, text] of [
      ['c-verdict', ''],
      ['c-source', 'Source'],
      ['c-video', 'Video'],
      ['c-duration', 'Duration'],
      ['c-tpl', 'TPL'],
      ['c-dyn', 'Dyn.'],
      ['c-flags', 'Flags'],
      ['c-dens', 'Dens.'],
      ['c-id', 'Id'],
    ]) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      header.append(span);
    }
    const listPane = document.createElement('section');
    listPane.className = 'list-pane';
    listPane.setAttribute('aria-label', 'Sample list');
    listPane.append(header, this.list.element);

    const main = document.createElement('div');
    main.className = 'board-main';
    main.append(listPane, this.detailPane.element);

    this.notice = document.createElement('div');
    this.notice.className = 'notice';
    this.notice.setAttribute('role', 'status');
    this.notice.setAttribute('aria-live', 'polite');

    const root = document.createElement('div');
    root.className = 'board';
    root.append(toolbar, this.histogram.element, main, this.notice);
    document.body.append(root);

    document.addEventListener('keydown', (event) => this.onKey(event));
    this.list.element.addEventListener('scroll', () => {
      state.scrollTop = this.list.scrollTop;
      this.stateStore.changed();
    });
  }

  // ---------- host messages ----------

  handle(message: HostMessage): void {
    switch (message.type) {
      case 'init':
        return this.onInit(message);
      case 'rowsUpdated':
        if (!isCurrentGeneration(message.generation, this.generation)) return;
        this.generation = message.generation;
        return this.onRowsUpdated(decodeRows(message.rows));
      case 'detail':
      case 'detailError': {
        if (!isCurrentGeneration(message.generation, this.generation)) return;
        const entry = this.details.get(message.sampleId) ?? { status: 'loading' };
        if (entry.timer) clearTimeout(entry.timer);
        const next: DetailEntry =
          message.type === 'detail'
            ? { status: 'ready', detail: message.detail }
            : { status: 'error', error: message.message };
        this.details.set(message.sampleId, next);
        if (message.sampleId === this.active) this.showDetail();
        return;
      }
      case 'notice':
        return this.showNotice(message.message, message.level);
      case 'action':
        return this.runAction(message.action);
      case 'reveal': {
        if (!isCurrentGeneration(message.generation, this.generation) || !this.store.get(message.sampleId))
          return;
        this.selection.clear();
        this.selection.add(message.sampleId);
        this.anchor = message.sampleId;
        return this.activate(message.sampleId, { reveal: true, post: true });
      }
    }
  }

  private onInit(message: Extract<HostMessage, { type: 'init' }>): void {
    let rows: DecodedRow[] = [];
    if (message.protocolVersion !== BOARD_PROTOCOL_VERSION)
      this.showNotice(
        `The extension speaks board protocol ${message.protocolVersion}, this board ${BOARD_PROTOCOL_VERSION}; reload the window after updating.`,
        'warning',
      );
    else {
      const problem = checkRowColumns(message.samples);
      if (problem)
        this.showNotice(`The board could not read the samples the extension sent (${problem}).`, 'error');
      else rows = decodeRows(message.samples);
    }
    const first = !this.initialised;
    this.initialised = true;
    this.generation = message.generation;
    this.settings = message.settings;
    this.detailPane.setReadOnly(message.settings.readOnly === true);
    for (const entry of this.details.values()) if (entry.timer) clearTimeout(entry.timer);
    this.details.clear();
    this.store.reset(rows);
    const state = this.stateStore.state;
    if (first && state.filters.tplThreshold === null && message.settings.tplThreshold !== undefined) {
      state.filters.tplThreshold = message.settings.tplThreshold;
      if (message.settings.tplDirection) state.filters.tplDirection = message.settings.tplDirection;
    }
    for (const id of [...this.selection]) if (!this.store.get(id)) this.selection.delete(id);
    if (this.active && !this.store.get(this.active)) this.active = undefined;
    this.updateChoices();
    this.recompute();
    if (first) this.list.scrollTop = state.scrollTop;
    if (this.active) this.activate(this.active, { reveal: !first, post: false });
  }

  private onRowsUpdated(rows: DecodedRow[]): void {
    const flags = this.store.flags.size;
    const files = this.store.sourceFiles.size;
    this.store.upsert(rows);
    if (this.store.flags.size !== flags || this.store.sourceFiles.size !== files) this.updateChoices();
    const active = this.active;
    if (active && rows.some(({ row }) => row.id === active)) {
      // The analysis behind the detail may have changed: fetch it again, keep showing the old one.
      const entry = this.details.get(active);
      if (entry?.status === 'ready') this.requestDetail(active, true);
      this.showDetail();
    }
    this.scheduleRecompute(100);
  }

  // ---------- view ----------

  private scheduleRecompute(delay: number): void {
    // Streaming results coalesce into one re-sort/filter per `delay`.
    if (this.recomputeTimer !== undefined) return;
    this.recomputeTimer = setTimeout(() => this.recompute(), delay);
  }

  private recompute(reason: 'filter' | 'verdict' = 'filter'): void {
    if (this.recomputeTimer !== undefined) clearTimeout(this.recomputeTimer);
    this.recomputeTimer = undefined;
    const state = this.stateStore.state;
    const previous = this.active ? this.viewIndexOf(this.active) : -1;
    const view = this.store.view(state.filters, state.sort);
    this.order = view.order;
    if (this.position.length !== this.store.rows.length)
      this.position = new Int32Array(this.store.rows.length);
    this.position.fill(-1);
    for (let k = 0; k < this.order.length; k++) this.position[this.order[k]] = k;
    this.list.setCount(this.order.length);
    this.list.element.setAttribute('aria-rowcount', String(this.order.length));
    this.histogram.update(
      view.bins,
      this.store.tplMin,
      this.store.tplMax,
      state.filters.tplThreshold,
      state.filters.tplDirection,
      this.order.length,
    );
    this.sortChoice.value = state.sort.key;
    this.sortDirection.textContent = state.sort.descending ? '↓' : '↑';
    this.sortDirection.setAttribute(
      'aria-label',
      state.sort.descending ? 'Sort descending (toggle)' : 'Sort ascending (toggle)',
    );
    this.updateCount();
    this.stateStore.changed();
    // Triage: when a verdict moves the active row out of the filtered view, the next row takes its place.
    if (
      reason === 'verdict' &&
      this.active &&
      this.viewIndexOf(this.active) < 0 &&
      previous >= 0 &&
      this.order.length
    ) {
      const next = this.idAt(Math.min(previous, this.order.length - 1));
      this.selection.clear();
      this.selection.add(next);
      this.anchor = next;
      this.activate(next, { reveal: true, post: true });
    }
  }

  private updateChoices(): void {
    const state = this.stateStore.state;
    const flags = [...this.store.flags].sort();
    if (state.filters.flag !== 'all' && !this.store.flags.has(state.filters.flag))
      flags.push(state.filters.flag);
    this.flagFilter.setChoices(
      [{ value: 'all', label: 'All flags' }, ...flags.map((flag): Choice => ({ value: flag, label: flag }))],
      state.filters.flag,
    );
    const files = [...this.store.sourceFiles].sort().slice(0, MAX_SOURCE_CHOICES);
    if (state.filters.source !== 'all' && !files.includes(state.filters.source))
      files.push(state.filters.source);
    this.sourceFilter.setChoices(
      [{ value: 'all', label: 'All files' }, ...files.map((file): Choice => ({ value: file, label: file }))],
      state.filters.source,
    );
  }

  private updateCount(): void {
    const total = this.store.rows.length.toLocaleString('en-US');
    const shown = this.order.length.toLocaleString('en-US');
    const selected =
      this.selection.size > 1 ? ` · ${this.selection.size.toLocaleString('en-US')} selected` : '';
    this.countLabel.textContent = `${shown} of ${total} samples${selected}`;
  }

  private viewIndexOf(id: string): number {
    const at = this.store.indexOf(id);
    return at === undefined || at >= this.position.length ? -1 : this.position[at];
  }

  private idAt(viewIndex: number): string {
    return this.store.rows[this.order[viewIndex]].id;
  }

  private createRow(): HTMLElement {
    const row = document.createElement('div');
    row.className = 'row';
    row.setAttribute('role', 'option');
    for (const cls of [
      'c-verdict',
      'c-source',
      'c-video',
      'c-duration',
      'c-tpl',
      'c-dyn',
      'c-flags',
      'c-dens',
      'c-id',
    ]) {
      const span = document.createElement('span');
      span.className = cls;
      row.append(span);
    }
    // The video cell shows the clip's poster thumbnail (when analysed) before its name.
    const poster = document.createElement('img');
    poster.className = 'poster';
    poster.alt = '';
    poster.hidden = true;
    const name = document.createElement('span');
    name.className = 'video-name';
    row.children[2].append(poster, name);
    return row;
  }

  private renderRow(element: HTMLElement, index: number): void {
    const row = this.store.rows[this.order[index]];
    const cells = element.children as HTMLCollectionOf<HTMLElement>;
    const tpl = row.tpl !== undefined ? formatNumber(row.tpl, 3) : '—';
    // Per frame of a fast scroll every row on screen is rendered again: only what differs from
    // the row this element showed before is written (unchanged text keeps its layout).
    setText(cells[0], VERDICT_GLYPHS[row.verdict]);
    setClass(cells[0], `c-verdict v-${row.verdict}`);
    setText(cells[1], row.source);
    const [poster, name] = cells[2].children as unknown as [HTMLImageElement, HTMLElement];
    setText(name, row.video);
    if (row.posterUri) {
      if (poster.getAttribute('src') !== row.posterUri) poster.src = row.posterUri;
      if (poster.hidden) poster.hidden = false;
    } else if (!poster.hidden) {
      poster.removeAttribute('src');
      poster.hidden = true;
    }
    setText(cells[3], row.duration !== undefined ? formatSeconds(row.duration) : '—');
    setText(cells[4], tpl);
    // Coloured by the sample's place in the dataset: the bottom 10 % can be answered from one frame.
    const band =
      row.tplPercentile === undefined
        ? 'none'
        : row.tplPercentile < 10
          ? 'low'
          : row.tplPercentile < 50
            ? 'mid'
            : 'high';
    setClass(cells[4], `c-tpl tpl-${band}`);
    setAttribute(
      cells[4],
      'title',
      row.tpl === undefined
        ? (row.tplReason ?? 'TPL not computed yet')
        : row.tplPercentile !== undefined
          ? `TPL ${tpl}, percentile ${Math.round(row.tplPercentile)}`
          : `TPL ${tpl}`,
    );
    setText(cells[5], row.dynamics !== undefined ? formatNumber(row.dynamics, 2) : '—');
    const flags = row.flags.length ? row.flags.join(' ') : '';
    setText(cells[6], flags);
    setText(cells[7], row.density !== undefined ? formatNumber(row.density, 2) : '—');
    setText(cells[8], row.id);
    const selected = this.selection.has(row.id);
    const active = row.id === this.active;
    element.id = `board-row-${index}`;
    element.dataset.sampleId = row.id;
    element.classList.toggle('selected', selected);
    element.classList.toggle('active', active);
    setAttribute(element, 'aria-selected', selected ? 'true' : 'false');
    setAttribute(element, 'aria-posinset', String(index + 1));
    setAttribute(element, 'aria-setsize', String(this.order.length));
    setAttribute(
      element,
      'aria-label',
      `${row.source}, ${row.video}, TPL ${row.tpl === undefined ? 'not available' : tpl}, ${verdictLabel(row.verdict)}${row.flags.length ? `, flags ${row.flags.join(', ')}` : ''}`,
    );
    if (active) this.list.element.setAttribute('aria-activedescendant', element.id);
  }

  private onRangeRendered(first: number, last: number): void {
    if (this.rangeTimer !== undefined) clearTimeout(this.rangeTimer);
    this.rangeTimer = setTimeout(() => {
      this.rangeTimer = undefined;
      const key = `${this.generation}:${first}:${last}:${this.order.length}`;
      if (key === this.postedRange || !this.order.length) return;
      this.postedRange = key;
      const sampleIds: string[] = [];
      for (let i = first; i <= last && i < this.order.length; i++) sampleIds.push(this.idAt(i));
      this.host.post({ type: 'visibleRange', first, last, sampleIds });
    }, 150);
  }

  // ---------- selection ----------

  private onListClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target.closest('.row') : null;
    if (!target) return;
    const index = this.list.indexOf(target);
    if (index === undefined) return;
    const id = this.idAt(index);
    const toggle = event.ctrlKey || event.metaKey;
    if (event.shiftKey && this.anchor && this.viewIndexOf(this.anchor) >= 0) {
      const from = this.viewIndexOf(this.anchor);
      if (!toggle) this.selection.clear();
      for (let i = Math.min(from, index); i <= Math.max(from, index); i++) this.selection.add(this.idAt(i));
    } else if (toggle) {
      if (this.selection.has(id)) this.selection.delete(id);
      else this.selection.add(id);
      this.anchor = id;
    } else {
      this.selection.clear();
      this.selection.add(id);
      this.anchor = id;
    }
    this.activate(id, { reveal: false, post: true });
    this.list.element.focus();
  }

  /** j/k: the next/previous row becomes active and the selection (shift: extends it). */
  private move(delta: number, extend: boolean): void {
    if (!this.order.length) return;
    const current = this.active ? this.viewIndexOf(this.active) : -1;
    const index =
      current < 0
        ? delta > 0
          ? 0
          : this.order.length - 1
        : Math.min(this.order.length - 1, Math.max(0, current + delta));
    const id = this.idAt(index);
    if (extend) this.selection.add(id);
    else {
      this.selection.clear();
      this.selection.add(id);
      this.anchor = id;
    }
    this.activate(id, { reveal: true, post: true });
  }

  private activate(id: string, options: { reveal: boolean; post: boolean }): void {
    const changed = id !== this.active;
    this.active = id;
    const state = this.stateStore.state;
    state.active = id;
    state.selection = [...this.selection];
    this.stateStore.changed();
    const index = this.viewIndexOf(id);
    if (options.reveal && index >= 0) this.list.reveal(index);
    this.list.invalidate();
    this.list.flush();
    this.updateCount();
    if (options.post && changed) this.host.post({ type: 'select', sampleId: id });
    if (!this.details.has(id)) this.requestDetail(id, false);
    this.showDetail();
  }

  private requestDetail(id: string, refresh: boolean): void {
    const existing = this.details.get(id);
    if (!existing || !refresh) this.details.set(id, { status: 'loading' });
    // Holding j down should not flood the host: ask only for where the selection settles.
    if (this.detailTimer !== undefined) clearTimeout(this.detailTimer);
    this.detailTimer = setTimeout(() => {
      this.detailTimer = undefined;
      if (this.active !== id) {
        if (this.details.get(id)?.status === 'loading' && !this.details.get(id)?.detail)
          this.details.delete(id);
        return;
      }
      this.host.post({ type: 'requestDetail', sampleId: id });
      const entry = this.details.get(id);
      if (entry && !refresh)
        entry.timer = setTimeout(() => {
          if (this.details.get(id) !== entry || entry.status !== 'loading') return;
          this.details.set(id, {
            status: 'error',
            error: `the extension did not answer within ${DETAIL_TIMEOUT_MS / 1000} s. Select the sample again to retry.`,
          });
          if (this.active === id) this.showDetail();
          this.details.delete(id);
        }, DETAIL_TIMEOUT_MS);
    }, 80);
  }

  private showDetail(): void {
    const id = this.active;
    const row = id ? this.store.get(id) : undefined;
    const entry = id ? this.details.get(id) : undefined;
    this.detailPane.show(row, entry?.detail, entry?.status ?? 'loading', entry?.error);
  }

  private selectedIds(): string[] {
    if (this.selection.size) return [...this.selection];
    return this.active ? [this.active] : [];
  }

  private applyVerdict(ids: string[], verdict: Verdict): void {
    if (!ids.length) return;
    if (this.settings.readOnly)
      return this.showNotice('This board is read-only; verdicts are disabled.', 'warning');
    this.host.post({ type: 'verdict', sampleIds: ids, verdict });
    this.store.setVerdict(ids, verdict);
    const state = this.stateStore.state;
    if (state.filters.verdict !== 'all' || state.sort.key === 'verdict') this.recompute('verdict');
    else this.list.invalidate();
    if (this.active && ids.includes(this.active)) this.showDetail();
    if (ids.length > 1)
      this.showNotice(`${verdictLabel(verdict)}: ${ids.length.toLocaleString('en-US')} samples`, 'info');
  }

  private showNotice(message: string, level: 'info' | 'warning' | 'error'): void {
    this.notice.textContent = message;
    this.notice.dataset.level = level;
    this.notice.setAttribute('role', level === 'error' ? 'alert' : 'status');
  }

  // ---------- keyboard ----------

  /** A board action from a VS Code command: exactly what its key does. */
  private runAction(action: BoardAction): void {
    if (action === 'next') this.move(1, false);
    else if (action === 'previous') this.move(-1, false);
    else if (action === 'edit') void (this.detailPane.editFocusedDialogue() || this.detailPane.startEdit());
    else if (action === 'search') this.search.focus();
    else this.detailPane.acceptDialogue(Number(action.slice('dialogue-'.length)));
  }

  private onKey(event: KeyboardEvent): void {
    const editing = isTextEntry(event);
    if (event.key === 'Escape') {
      if (this.detailPane.escape()) {
        event.preventDefault();
        return;
      }
      if (editing) {
        event.preventDefault();
        this.list.element.focus();
      }
      return;
    }
    if (editing || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const inList = document.activeElement === this.list.element || document.activeElement === document.body;
    let handled = true;
    switch (event.key) {
      case 'j':
      case 'J':
        this.move(1, event.shiftKey || event.key === 'J');
        break;
      case 'k':
      case 'K':
        this.move(-1, event.shiftKey || event.key === 'K');
        break;
      case 'a':
        this.applyVerdict(this.selectedIds(), 'accept');
        break;
      case 'r':
        this.applyVerdict(this.selectedIds(), 'reject');
        break;
      case 'e':
        // On a focused generated dialogue, e edits that dialogue; elsewhere, the conversation.
        handled = this.detailPane.editFocusedDialogue() || this.detailPane.startEdit();
        break;
      case 'u':
        this.host.post({ type: 'undo' });
        break;
      case '/':
        this.search.focus();
        break;
      default:
        if (/^[1-9]$/.test(event.key)) handled = this.detailPane.acceptDialogue(Number(event.key));
        else if (inList && event.key === 'ArrowDown') this.move(1, event.shiftKey);
        else if (inList && event.key === 'ArrowUp') this.move(-1, event.shiftKey);
        else if (inList && event.key === 'PageDown') this.move(this.pageSize(), event.shiftKey);
        else if (inList && event.key === 'PageUp') this.move(-this.pageSize(), event.shiftKey);
        else if (inList && event.key === 'Home') this.move(-this.order.length, false);
        else if (inList && event.key === 'End') this.move(this.order.length, false);
        else handled = false;
    }
    if (handled) event.preventDefault();
  }

  private pageSize(): number {
    return Math.max(1, Math.floor(this.list.element.clientHeight / ROW_HEIGHT) - 1);
  }
}

/** Sets an element's text, reusing its text node and skipping the write when nothing changed. */
function setText(element: HTMLElement, text: string): void {
  const node = element.firstChild;
  if (node && node === element.lastChild && node.nodeType === Node.TEXT_NODE) {
    if ((node as Text).data !== text) (node as Text).data = text;
  } else if (text || node) element.textContent = text;
}

function setClass(element: HTMLElement, className: string): void {
  if (element.className !== className) element.className = className;
}

function setAttribute(element: HTMLElement, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

/** Whether a key event is typing into a text control (the toolkit's inputs live in shadow roots). */
function isTextEntry(event: KeyboardEvent): boolean {
  const origin = event.composedPath()[0];
  if (origin instanceof HTMLElement) {
    if (origin.isContentEditable) return true;
    const tag = origin.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return true;
  }
  const focused = document.activeElement?.tagName;
  return focused === 'VSCODE-TEXT-FIELD' || focused === 'VSCODE-TEXT-AREA';
}

function start(): void {
  registerComponents();
  const host = connectHost();
  const board = new Board(host);
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    if (isHostMessage(event.data)) board.handle(event.data);
  });
  // Listeners first, then `ready`: the host sends nothing before it.
  host.post({ type: 'ready', protocolVersion: BOARD_PROTOCOL_VERSION });
}

start();
