// TPL histogram (SVG) with a draggable threshold. Dragging or arrow keys on the handle move the
// threshold; the board filters the list to the rows on the chosen side of it.
import { button } from './components';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 56;

export interface HistogramOptions {
  onThreshold(value: number | null): void;
  onDirection(direction: 'below' | 'above'): void;
}

export class Histogram {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly bars: SVGGElement;
  private readonly line: SVGLineElement;
  private readonly handle: SVGRectElement;
  private readonly caption: HTMLElement;
  private readonly directionButton: HTMLElement;
  private bins: Int32Array = new Int32Array(0);
  private min = 0;
  private max = 1;
  private threshold: number | null = null;
  private direction: 'below' | 'above' = 'below';
  private shown = 0;
  private pending: number | null | undefined;
  private frame = 0;

  constructor(private readonly options: HistogramOptions) {
    this.element = document.createElement('section');
    this.element.className = 'histogram';
    this.element.setAttribute('aria-label', 'TPL histogram');

    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('height', String(HEIGHT));
    this.svg.classList.add('histogram-chart');
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute('aria-label', 'Distribution of TPL over the samples');
    this.bars = document.createElementNS(SVG, 'g');
    this.line = document.createElementNS(SVG, 'line');
    this.line.classList.add('threshold-line');
    this.handle = document.createElementNS(SVG, 'rect');
    this.handle.classList.add('threshold-handle');
    this.handle.setAttribute('tabindex', '0');
    this.handle.setAttribute('role', 'slider');
    this.handle.setAttribute('aria-label', 'TPL threshold');
    this.handle.setAttribute('width', '10');
    this.handle.setAttribute('height', String(HEIGHT));
    this.svg.append(this.bars, this.line, this.handle);

    this.caption = document.createElement('span');
    this.caption.className = 'histogram-caption';
    this.caption.setAttribute('aria-live', 'polite');
    this.directionButton = button({
      label: 'Show below',
      ariaLabel: 'Toggle whether rows below or above the TPL threshold are shown',
      onClick: () => {
        this.direction = this.direction === 'below' ? 'above' : 'below';
        this.options.onDirection(this.direction);
      },
    });
    const clear = button({
      label: 'Clear',
      ariaLabel: 'Clear the TPL threshold',
      onClick: () => this.options.onThreshold(null),
    });
    const controls = document.createElement('div');
    controls.className = 'histogram-controls';
    controls.append(this.caption, this.directionButton, clear);
    this.element.append(this.svg, controls);

    this.svg.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      this.svg.setPointerCapture(event.pointerId);
      this.svg.classList.add('dragging');
      this.drag(event);
      this.handle.focus();
    });
    this.svg.addEventListener('pointermove', (event) => {
      if (this.svg.hasPointerCapture(event.pointerId)) this.drag(event);
    });
    const end = (event: PointerEvent) => {
      if (this.svg.hasPointerCapture(event.pointerId)) this.svg.releasePointerCapture(event.pointerId);
      this.svg.classList.remove('dragging');
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
    this.handle.addEventListener('keydown', (event) => this.onKey(event));
    new ResizeObserver(() => this.draw()).observe(this.svg);
  }

  update(
    bins: Int32Array,
    min: number,
    max: number,
    threshold: number | null,
    direction: 'below' | 'above',
    shown: number,
  ): void {
    this.bins = bins;
    this.min = min;
    this.max = max;
    this.threshold = threshold;
    this.direction = direction;
    this.shown = shown;
    this.draw();
  }

  private get width(): number {
    return this.svg.clientWidth || 400;
  }

  private valueAt(clientX: number): number {
    const rect = this.svg.getBoundingClientRect();
    const t = Math.min(1, Math.max(0, (clientX - rect.left) / (rect.width || 1)));
    return this.min + t * (this.max - this.min);
  }

  private drag(event: PointerEvent): void {
    // Coalesce pointer moves to one filter pass per frame.
    this.pending = this.valueAt(event.clientX);
    if (!this.frame)
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        if (this.pending !== undefined) this.options.onThreshold(this.pending);
        this.pending = undefined;
      });
  }

  private onKey(event: KeyboardEvent): void {
    const step = (this.max - this.min) / (this.bins.length || 40);
    const current = this.threshold ?? (this.direction === 'below' ? this.max : this.min);
    let next: number | null | undefined;
    if (event.key === 'ArrowLeft' || event.key === 'ArrowDown') next = current - step;
    else if (event.key === 'ArrowRight' || event.key === 'ArrowUp') next = current + step;
    else if (event.key === 'Home') next = this.min;
    else if (event.key === 'End') next = this.max;
    else if (event.key === 'Delete' || event.key === 'Backspace') next = null;
    if (next === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    this.options.onThreshold(next === null ? null : Math.min(this.max, Math.max(this.min, next)));
  }

  private draw(): void {
    const width = this.width;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    this.svg.setAttribute('width', '100%');
    const n = this.bins.length;
    let peak = 1;
    for (const count of this.bins) peak = Math.max(peak, count);
    const barWidth = n ? width / n : width;
    const xOf = (value: number) => ((value - this.min) / (this.max - this.min || 1)) * width;
    const threshold = this.threshold;
    const rects: SVGRectElement[] = [];
    for (let i = 0; i < n; i++) {
      const count = this.bins[i];
      const h = count ? Math.max(1, (count / peak) * (HEIGHT - 4)) : 0;
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('x', String(i * barWidth + 0.5));
      rect.setAttribute('y', String(HEIGHT - h));
      rect.setAttribute('width', String(Math.max(1, barWidth - 1)));
      rect.setAttribute('height', String(h));
      const centre = this.min + ((i + 0.5) / n) * (this.max - this.min);
      const inside =
        threshold === null || (this.direction === 'below' ? centre <= threshold : centre >= threshold);
      rect.setAttribute('class', inside ? 'bar bar-in' : 'bar bar-out');
      rects.push(rect);
    }
    this.bars.replaceChildren(...rects);
    const x = threshold === null ? (this.direction === 'below' ? width : 0) : xOf(threshold);
    this.line.setAttribute('x1', String(x));
    this.line.setAttribute('x2', String(x));
    this.line.setAttribute('y1', '0');
    this.line.setAttribute('y2', String(HEIGHT));
    this.line.classList.toggle('inactive', threshold === null);
    this.handle.setAttribute('x', String(Math.min(width - 10, Math.max(0, x - 5))));
    this.handle.setAttribute('aria-valuemin', this.min.toFixed(3));
    this.handle.setAttribute('aria-valuemax', this.max.toFixed(3));
    this.handle.setAttribute('aria-valuenow', (threshold ?? this.min).toFixed(3));
    this.handle.setAttribute(
      'aria-valuetext',
      threshold === null ? 'No threshold' : `${this.direction} ${threshold.toFixed(3)}`,
    );
    this.directionButton.textContent = this.direction === 'below' ? 'Show below' : 'Show above';
    this.caption.textContent =
      threshold === null
        ? `TPL ${this.min.toFixed(2)} to ${this.max.toFixed(2)} (drag to filter)`
        : `TPL ${this.direction === 'below' ? '≤' : '≥'} ${threshold.toFixed(3)}: ${this.shown.toLocaleString('en-US')} shown`;
  }
}
