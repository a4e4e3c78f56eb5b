// A virtualized list with fixed row height: only the rows on screen (plus a little overscan) are in
// the DOM, positioned with transforms; scroll events schedule at most one render per animation frame.
// Row elements are recycled by index modulo the pool size, so a small scroll re-renders only the
// rows that came into view.

export interface VirtualListOptions {
  rowHeight: number;
  /** Rows rendered above and below the viewport. */
  overscan: number;
  ariaLabel: string;
  createRow(): HTMLElement;
  /** Fills `element` for view index `index`. Called only when the slot shows a new index or after invalidate(). */
  renderRow(element: HTMLElement, index: number): void;
  /** After each render with the range on screen (inclusive), for prioritising work. */
  onRangeRendered?(first: number, last: number): void;
}

/** Browsers cap element heights (Chromium ~33.5M px); the list caps its spacer below that. */
const MAX_SPACER_PX = 16_000_000;

interface Slot {
  element: HTMLElement;
  index: number;
}

export class VirtualList {
  readonly element: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private slots: Slot[] = [];
  private count = 0;
  private frame = 0;
  private viewportHeight = 0;

  constructor(private readonly options: VirtualListOptions) {
    this.element = document.createElement('div');
    this.element.className = 'vlist';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute('aria-multiselectable', 'true');
    this.element.setAttribute('aria-label', options.ariaLabel);
    this.spacer = document.createElement('div');
    this.spacer.className = 'vlist-spacer';
    this.element.append(this.spacer);
    this.element.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => {
      this.viewportHeight = this.element.clientHeight;
      this.schedule();
    }).observe(this.element);
  }

  get rowCount(): number {
    return this.count;
  }

  get scrollTop(): number {
    return this.element.scrollTop;
  }

  set scrollTop(value: number) {
    this.element.scrollTop = value;
    this.schedule();
  }

  setCount(count: number): void {
    this.count = count;
    this.spacer.style.height = `${Math.min(MAX_SPACER_PX, count * this.options.rowHeight)}px`;
    this.invalidate();
  }

  /** Re-renders every row on screen (data changed under the same indices). */
  invalidate(): void {
    for (const slot of this.slots) slot.index = -1;
    this.schedule();
  }

  /** Re-renders now instead of on the next frame (after a keyboard move, so focus styles follow at once). */
  flush(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.render();
  }

  /** Scrolls the least amount that shows row `index` whole. */
  reveal(index: number): void {
    const { rowHeight } = this.options;
    const top = index * rowHeight;
    const view = this.element.clientHeight;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + rowHeight > this.element.scrollTop + view) this.element.scrollTop = top + rowHeight - view;
    this.schedule();
  }

  /** The rendered element for `index`, if it is in the DOM. */
  elementFor(index: number): HTMLElement | undefined {
    return this.slots.find((slot) => slot.index === index)?.element;
  }

  /** View index under a row element (for clicks). */
  indexOf(element: Element): number | undefined {
    const slot = this.slots.find((s) => s.element === element || s.element.contains(element));
    return slot && slot.index >= 0 ? slot.index : undefined;
  }

  private schedule(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    const { rowHeight, overscan } = this.options;
    const height = this.viewportHeight || this.element.clientHeight;
    const visible = Math.ceil(height / rowHeight) + 1;
    const poolSize = visible + overscan * 2;
    while (this.slots.length < poolSize) {
      const element = this.options.createRow();
      element.style.height = `${rowHeight}px`;
      this.spacer.append(element);
      this.slots.push({ element, index: -1 });
    }
    const top = Math.floor(this.element.scrollTop / rowHeight);
    const first = Math.max(0, Math.min(top - overscan, this.count - poolSize));
    const last = Math.min(this.count - 1, first + poolSize - 1);
    const size = this.slots.length;
    for (let index = first; index <= last; index++) {
      const slot = this.slots[index % size];
      if (slot.index !== index) {
        slot.index = index;
        slot.element.hidden = false;
        slot.element.style.transform = `translateY(${index * rowHeight}px)`;
        this.options.renderRow(slot.element, index);
      }
    }
    // Slots not used by this range (short lists) are hidden, not removed, to be reused.
    for (const slot of this.slots) {
      if (slot.index < first || slot.index > last) {
        slot.index = -1;
        slot.element.hidden = true;
      }
    }
    if (last >= first)
      this.options.onRangeRendered?.(Math.max(first, top), Math.min(last, top + visible - 1));
  }
}
