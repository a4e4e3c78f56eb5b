// Browser side of the board's test harness (bundled to harness.js, loaded before board.js by
// harness.html). It stands in for VS Code: `acquireVsCodeApi()` records what the board posts, the
// test sends host messages through window.postMessage (as VS Code does), and themes set the same
// --vscode-* variables and body classes VS Code sets. Typed without the DOM lib because the root
// tsconfig (Node only) checks it too; the minimal shapes below are all it touches.
import { BOARD_PROTOCOL_VERSION, encodeRows } from '../../src/protocol/board';
import type { BoardRow, FrameBox, HostMessage, RowColumns, SampleDetail } from '../../src/protocol/board';

export type ThemeKind = 'light' | 'dark' | 'high-contrast';

export interface ScrollMeasurement {
  /** requestAnimationFrame deltas (ms) while scrolling. */
  deltas: number[];
  /** Most `.row` elements seen in the DOM in any frame. */
  maxRows: number;
  /** Reached the bottom (or the top, scrolling up). */
  reachedEnd: boolean;
  scrollHeight: number;
}

export interface ColourSample {
  color: string;
  /** First non-transparent background among the element and its ancestors. */
  background: string;
}

export interface HarnessApi {
  /** Everything the board posted, in order. */
  readonly messages: unknown[];
  readonly cspViolations: string[];
  /** What the board last passed to setState. */
  readonly savedState: unknown;
  /** When set, `requestDetail` is answered with `sampleDetail(id)` of this generation. */
  autoDetailGeneration: number | undefined;
  send(message: HostMessage): void;
  makeRows(count: number, options?: { seed?: number; prefix?: string }): BoardRow[];
  /** Rows as the host sends them (columns), for `init` and `rowsUpdated`. */
  columns(rows: BoardRow[]): RowColumns;
  /** Builds rows in the page and posts `init` (100k rows cross the same postMessage path as in VS Code). */
  init(count: number, generation: number): void;
  sampleDetail(sampleId: string): SampleDetail;
  setTheme(kind: ThemeKind): void;
  /** Scrolls `pixelsPerFrame` each frame (negative: up) until the end or `maxFrames`, timing frames. */
  measureScroll(selector: string, pixelsPerFrame: number, maxFrames?: number): Promise<ScrollMeasurement>;
  colours(selector: string): ColourSample | undefined;
  nextFrame(): Promise<void>;
  /** Records requestAnimationFrame deltas for the next `count` frames (read with recordedFrames). */
  recordFrames(count: number): void;
  recordedFrames(): number[];
  /** Controls without an accessible name (outerHTML heads). */
  unnamedControls(): string[];
}

interface StyleLike {
  setProperty(name: string, value: string): void;
  removeProperty(name: string): string;
}

interface ElementLike {
  style: StyleLike;
  className: string;
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  readonly parentElement: ElementLike | null;
  readonly outerHTML: string;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
}

interface HarnessWindow {
  document: {
    documentElement: ElementLike;
    body: ElementLike;
    querySelector(selector: string): ElementLike | null;
    querySelectorAll(selector: string): ArrayLike<ElementLike>;
  };
  getComputedStyle(element: ElementLike): { color: string; backgroundColor: string };
  requestAnimationFrame(callback: (time: number) => void): number;
  postMessage(message: unknown, targetOrigin: string): void;
  addEventListener(
    type: string,
    listener: (event: { violatedDirective?: string; blockedURI?: string }) => void,
  ): void;
  acquireVsCodeApi?: () => unknown;
  harness?: HarnessApi;
}

const win = globalThis as unknown as HarnessWindow;

const FONT = {
  '--vscode-font-family':
    "-apple-system, BlinkMacSystemFont, 'Segoe WPC', 'Segoe UI', 'Ubuntu', 'Droid Sans', sans-serif",
  '--vscode-font-size': '13px',
  '--vscode-font-weight': 'normal',
  '--vscode-editor-font-family': "'Droid Sans Mono', 'monospace', monospace",
};

/**
 * Colours of VS Code's default themes: Light Modern and Dark Modern (with the Light+/Dark+ values
 * they inherit, as in VS Code 1.100) and Dark High Contrast. High contrast leaves list selection and
 * button backgrounds unset, as VS Code does.
 */
const THEMES: Record<ThemeKind, Record<string, string>> = {
  light: {
    '--vscode-foreground': '#3b3b3b',
    '--vscode-descriptionForeground': '#3b3b3b',
    '--vscode-disabledForeground': 'rgba(97, 97, 97, 0.5)',
    '--vscode-errorForeground': '#f85149',
    '--vscode-focusBorder': '#005fb8',
    '--vscode-editor-background': '#ffffff',
    '--vscode-editor-foreground': '#3b3b3b',
    '--vscode-editorWidget-background': '#f8f8f8',
    '--vscode-sideBar-background': '#f8f8f8',
    '--vscode-sideBar-foreground': '#3b3b3b',
    '--vscode-panel-border': '#e5e5e5',
    '--vscode-list-activeSelectionBackground': '#e8e8e8',
    '--vscode-list-activeSelectionForeground': '#000000',
    '--vscode-list-inactiveSelectionBackground': '#e4e6f1',
    '--vscode-list-hoverBackground': '#f2f2f2',
    '--vscode-list-focusOutline': '#005fb8',
    '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#0258a8',
    '--vscode-button-border': 'rgba(0, 0, 0, 0.1)',
    '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b',
    '--vscode-button-secondaryHoverBackground': '#cccccc',
    '--vscode-input-background': '#ffffff',
    '--vscode-input-border': '#cecece',
    '--vscode-input-foreground': '#3b3b3b',
    '--vscode-input-placeholderForeground': '#767676',
    '--vscode-dropdown-background': '#ffffff',
    '--vscode-dropdown-border': '#cecece',
    '--vscode-dropdown-foreground': '#3b3b3b',
    '--vscode-dropdown-listBackground': '#ffffff',
    '--vscode-checkbox-background': '#f8f8f8',
    '--vscode-checkbox-border': '#cecece',
    '--vscode-checkbox-foreground': '#3b3b3b',
    '--vscode-badge-background': '#cccccc',
    '--vscode-badge-foreground': '#3b3b3b',
    '--vscode-keybindingLabel-border': 'rgba(204, 204, 204, 0.4)',
    '--vscode-textLink-foreground': '#005fb8',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-testing-iconPassed': '#388a34',
    '--vscode-scrollbarSlider-background': 'rgba(100, 100, 100, 0.4)',
  },
  dark: {
    '--vscode-foreground': '#cccccc',
    '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-disabledForeground': 'rgba(204, 204, 204, 0.5)',
    '--vscode-errorForeground': '#f85149',
    '--vscode-focusBorder': '#0078d4',
    '--vscode-editor-background': '#1f1f1f',
    '--vscode-editor-foreground': '#cccccc',
    '--vscode-editorWidget-background': '#202020',
    '--vscode-sideBar-background': '#181818',
    '--vscode-sideBar-foreground': '#cccccc',
    '--vscode-panel-border': '#2b2b2b',
    '--vscode-list-activeSelectionBackground': '#04395e',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-list-inactiveSelectionBackground': '#37373d',
    '--vscode-list-hoverBackground': '#2a2d2e',
    '--vscode-list-focusOutline': '#0078d4',
    '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-hoverBackground': '#026ec1',
    '--vscode-button-border': 'rgba(255, 255, 255, 0.1)',
    '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc',
    '--vscode-button-secondaryHoverBackground': '#3c3c3c',
    '--vscode-input-background': '#313131',
    '--vscode-input-border': '#3c3c3c',
    '--vscode-input-foreground': '#cccccc',
    '--vscode-input-placeholderForeground': '#989898',
    '--vscode-dropdown-background': '#313131',
    '--vscode-dropdown-border': '#3c3c3c',
    '--vscode-dropdown-foreground': '#cccccc',
    '--vscode-dropdown-listBackground': '#1f1f1f',
    '--vscode-checkbox-background': '#313131',
    '--vscode-checkbox-border': '#3c3c3c',
    '--vscode-checkbox-foreground': '#cccccc',
    '--vscode-badge-background': '#616161',
    '--vscode-badge-foreground': '#f8f8f8',
    '--vscode-keybindingLabel-border': 'rgba(51, 51, 51, 0.6)',
    '--vscode-textLink-foreground': '#4daafc',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-testing-iconPassed': '#73c991',
    '--vscode-scrollbarSlider-background': 'rgba(121, 121, 121, 0.4)',
  },
  'high-contrast': {
    '--vscode-foreground': '#ffffff',
    '--vscode-descriptionForeground': '#ffffff',
    '--vscode-disabledForeground': '#a5a5a5',
    '--vscode-errorForeground': '#f48771',
    '--vscode-focusBorder': '#f38518',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-contrastActiveBorder': '#f38518',
    '--vscode-editor-background': '#000000',
    '--vscode-editor-foreground': '#ffffff',
    '--vscode-editorWidget-background': '#0c141f',
    '--vscode-sideBar-background': '#000000',
    '--vscode-panel-border': '#6fc3df',
    '--vscode-list-activeSelectionForeground': '#ffffff',
    '--vscode-list-focusOutline': '#f38518',
    '--vscode-button-foreground': '#ffffff',
    '--vscode-button-border': '#6fc3df',
    '--vscode-button-secondaryForeground': '#ffffff',
    '--vscode-input-background': '#000000',
    '--vscode-input-border': '#6fc3df',
    '--vscode-input-foreground': '#ffffff',
    '--vscode-input-placeholderForeground': 'rgba(255, 255, 255, 0.7)',
    '--vscode-dropdown-background': '#000000',
    '--vscode-dropdown-border': '#6fc3df',
    '--vscode-dropdown-foreground': '#ffffff',
    '--vscode-dropdown-listBackground': '#000000',
    '--vscode-checkbox-background': '#000000',
    '--vscode-checkbox-border': '#6fc3df',
    '--vscode-checkbox-foreground': '#ffffff',
    '--vscode-badge-background': '#000000',
    '--vscode-badge-foreground': '#ffffff',
    '--vscode-keybindingLabel-border': '#6fc3df',
    '--vscode-textLink-foreground': '#21a6ff',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-yellow': '#ffd700',
    '--vscode-testing-iconPassed': '#73c991',
  },
};

const BODY_CLASS: Record<ThemeKind, string> = {
  light: 'vscode-light',
  dark: 'vscode-dark',
  'high-contrast': 'vscode-high-contrast',
};

let appliedVariables: string[] = [];

function setTheme(kind: ThemeKind): void {
  const root = win.document.documentElement;
  for (const name of appliedVariables) root.style.removeProperty(name);
  const variables = { ...FONT, ...THEMES[kind] };
  for (const [name, value] of Object.entries(variables)) root.style.setProperty(name, value);
  appliedVariables = Object.keys(variables);
  const body = win.document.body;
  body.setAttribute('data-vscode-theme-kind', BODY_CLASS[kind]);
  body.setAttribute('data-vscode-theme-name', kind);
  // The toolkit re-reads the variables when the body's class changes, as in VS Code.
  body.className = BODY_CLASS[kind];
}

/** Deterministic rows: 4 annotation files, TPL spread over [-0.2, 1.2], some without TPL. */
function makeRows(count: number, options: { seed?: number; prefix?: string } = {}): BoardRow[] {
  let state = (options.seed ?? 7) >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const prefix = options.prefix ?? 's';
  const rows: BoardRow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const hasTpl = i % 23 !== 5;
    const tpl = hasTpl ? Math.round((random() + random() + random()) * 0.466 * 1000 - 200) / 1000 : undefined;
    const flags: string[] = [];
    if (tpl !== undefined && tpl < 0.1) flags.push('low-tpl');
    if (i % 37 === 3) flags.push('window-insensitive');
    const row: BoardRow = {
      id: `${prefix}${i}`,
      source: `annotations/part-${i % 4}.jsonl:${Math.floor(i / 4) + 1}`,
      video: `clip_${String(i % 5000).padStart(4, '0')}.mp4`,
      duration: Math.round((5 + random() * 115) * 10) / 10,
      flags,
      verdict: 'pending',
      dynamics: Math.round(random() * 100) / 100,
      density: Math.round(random() * 100) / 100,
    };
    if (tpl === undefined) row.tplReason = 'No scorer model available';
    else {
      row.tpl = tpl;
      row.tplPercentile = Math.round(((tpl + 0.2) / 1.4) * 100);
    }
    rows[i] = row;
  }
  return rows;
}

/** Track boxes on frame 2 (one per source, one touching the top edge) and frame 6; none elsewhere. */
const HARNESS_BOXES: Record<number, FrameBox[]> = {
  2: [
    {
      x0: 0.1,
      y0: 0.2,
      x1: 0.35,
      y1: 0.8,
      source: 'motion',
      label: 'motion #1',
      track: 1,
      frame: 100,
      time: 4,
    },
    { x0: 0.5, y0: 0, x1: 0.9, y1: 0.15, source: 'ocr', label: 'EXIT', track: 2, frame: 100, time: 4 },
    {
      x0: 0.55,
      y0: 0.4,
      x1: 0.95,
      y1: 0.95,
      source: 'detector',
      label: 'person',
      track: 3,
      frame: 98,
      time: 3.9,
    },
  ],
  6: [
    {
      x0: 0.25,
      y0: 0.25,
      x1: 0.75,
      y1: 0.75,
      source: 'motion',
      label: 'motion #1',
      track: 1,
      frame: 300,
      time: 12,
    },
  ],
};

function sampleDetail(sampleId: string): SampleDetail {
  const frames = Array.from({ length: 10 }, (_, k) => ({
    uri: `frames/${k}.svg`,
    time: k * 2,
    index: k * 50,
    isKeyframe: k === 2 || k === 6,
    ...(HARNESS_BOXES[k] ? { boxes: HARNESS_BOXES[k] } : {}),
  }));
  return {
    filmstrip: frames,
    scores: Array.from({ length: 20 }, (_, k) => ({ time: k, score: Math.sin(k / 3) + 1 })),
    turns: [
      { role: 'human', text: `<video>\nWhat happens in ${sampleId}?` },
      { role: 'gpt', text: 'A person opens the door, then walks to the window.' },
    ],
    tpl: { value: 0.42, nllFull: 1.9, nllSingle: 2.32, bestFrame: 150 },
    dialogues: [
      {
        id: `${sampleId}-d1`,
        kind: 'ordering',
        turns: [
          { role: 'human', text: 'Which happens first: the door opens or the person reaches the window?' },
          { role: 'gpt', text: 'The door opens first.' },
        ],
        confidence: 0.82,
        evidence: { frames: [100, 300], times: [4, 12], span: [4, 12] },
        state: 'pending',
      },
      {
        id: `${sampleId}-d2`,
        kind: 'counting',
        turns: [
          { role: 'human', text: 'How many people appear?' },
          { role: 'gpt', text: 'One.' },
        ],
        confidence: 0.64,
        evidence: { frames: [0], times: [0] },
        state: 'pending',
      },
    ],
    windows: [{ start: 2, end: 9.5 }],
    sensitivity: { shuffleDelta: 0.31, insideMinusOutside: 0.12, insensitive: false },
  };
}

const messages: unknown[] = [];
const cspViolations: string[] = [];
let savedState: unknown;

function send(message: HostMessage): void {
  win.postMessage(message, '*');
}

const nextFrame = () => new Promise<void>((resolve) => win.requestAnimationFrame(() => resolve()));

function measureScroll(
  selector: string,
  pixelsPerFrame: number,
  maxFrames = 5000,
): Promise<ScrollMeasurement> {
  const list = win.document.querySelector(selector);
  if (!list) return Promise.reject(new Error(`no element matches ${selector}`));
  return new Promise((resolve) => {
    const deltas: number[] = [];
    let last = 0;
    let maxRows = 0;
    let settle = 0;
    const step = (time: number) => {
      if (last) deltas.push(time - last);
      last = time;
      maxRows = Math.max(maxRows, win.document.querySelectorAll('.row').length);
      const atEnd =
        pixelsPerFrame > 0
          ? list.scrollTop + list.clientHeight >= list.scrollHeight - 1
          : list.scrollTop <= 0;
      // A few frames after reaching the end let the last render land.
      if ((atEnd && ++settle > 3) || deltas.length >= maxFrames) {
        resolve({ deltas, maxRows, reachedEnd: atEnd, scrollHeight: list.scrollHeight });
        return;
      }
      list.scrollTop += pixelsPerFrame;
      win.requestAnimationFrame(step);
    };
    win.requestAnimationFrame(step);
  });
}

function colours(selector: string): ColourSample | undefined {
  const element = win.document.querySelector(selector);
  if (!element) return undefined;
  const color = win.getComputedStyle(element).color;
  let background = 'rgba(0, 0, 0, 0)';
  for (let e: ElementLike | null = element; e; e = e.parentElement) {
    const bg = win.getComputedStyle(e).backgroundColor;
    if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) {
      background = bg;
      break;
    }
  }
  return { color, background };
}

let frames: number[] = [];

function recordFrames(count: number): void {
  frames = [];
  let last = 0;
  const tick = (time: number) => {
    if (last) frames.push(time - last);
    last = time;
    if (frames.length < count) win.requestAnimationFrame(tick);
  };
  win.requestAnimationFrame(tick);
}

function unnamedControls(): string[] {
  const controls = win.document.querySelectorAll(
    'vscode-button, vscode-text-field, vscode-text-area, vscode-dropdown, vscode-checkbox, [role="slider"], button',
  );
  return Array.from(controls)
    .filter((element) => !element.getAttribute('aria-label'))
    .map((element) => element.outerHTML.slice(0, 100));
}

const harness: HarnessApi = {
  messages,
  cspViolations,
  get savedState() {
    return savedState;
  },
  autoDetailGeneration: undefined,
  send,
  makeRows,
  columns: encodeRows,
  init(count, generation) {
    send({
      type: 'init',
      protocolVersion: BOARD_PROTOCOL_VERSION,
      generation,
      samples: encodeRows(makeRows(count)),
      settings: {},
    });
  },
  sampleDetail,
  setTheme,
  measureScroll,
  colours,
  nextFrame,
  recordFrames,
  recordedFrames: () => [...frames],
  unnamedControls,
};

let acquired = false;
win.acquireVsCodeApi = () => {
  if (acquired) throw new Error('acquireVsCodeApi may only be called once');
  acquired = true;
  return {
    postMessage(message: unknown) {
      // Structured clone, as VS Code's postMessage does: the board must not post live objects.
      const copy: unknown = JSON.parse(JSON.stringify(message));
      messages.push(copy);
      const m = copy as { type?: string; sampleId?: string };
      const generation = harness.autoDetailGeneration;
      if (m.type === 'requestDetail' && m.sampleId && generation !== undefined) {
        const sampleId = m.sampleId;
        setTimeout(() => send({ type: 'detail', generation, sampleId, detail: sampleDetail(sampleId) }), 5);
      }
    },
    getState: () => savedState,
    setState(state: unknown) {
      savedState = JSON.parse(JSON.stringify(state));
    },
  };
};
win.addEventListener('securitypolicyviolation', (event) => {
  cspViolations.push(`${event.violatedDirective ?? '?'} ${event.blockedURI ?? ''}`);
});
win.harness = harness;
setTheme('dark');
