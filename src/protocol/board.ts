// Messages between the extension host and the curation board webview (webview/src/main.ts).
//
// Security notes for the host side (src/vscode/, board panel):
// - Strict CSP with a fresh nonce per render, nothing inline:
//     default-src 'none'; img-src ${cspSource}; style-src ${cspSource} 'nonce-${nonce}';
//     font-src ${cspSource}; script-src 'nonce-${nonce}';
//   plus <meta property="csp-nonce" content="${nonce}">: FAST (under the toolkit) reads it for the
//   one <style> element it creates to probe :focus-visible. The board only sets styles through the
//   CSSOM (element.style.x = ...) and the toolkit uses constructable stylesheets, so no
//   'unsafe-inline' is needed (test/webview/harness.html runs under this policy and the tests fail
//   on any violation).
// - localResourceRoots: only the frame cache folder (filmstrips, posters) and the extension's
//   `media/` + `dist/webview/` folders. Frame and poster URIs are `webview.asWebviewUri(...)` strings.
// - Validate every message from the webview with `validateWebviewMessage` and drop what it rejects;
//   the webview is not trusted (it renders dataset text).
// - Messages carry sample ids, never file paths: the host maps ids to samples itself, so a webview
//   can never name a file to read or write. (`source` in rows is display text only.)
//
// Rows travel in columns (`RowColumns`): one array per field, with the strings many rows share
// (annotation files, videos, reasons, flags, poster URIs) sent once in a table and named by index.
// 100,000 rows as objects were a ~20 MB `init` (a 55-byte reason repeated in every unanalysed row);
// in columns they are a few MB, and the page decodes them without parsing "file:line" back apart.
// Protocol 1 sent `BoardRow[]`; a webview of another version is answered as described below.
//
// Handshake: the webview posts `ready` {protocolVersion} once its listeners are in place; the host
// sends nothing before it (and answers a version it does not speak with `init` of no samples plus a
// `notice`). Each `init` starts a generation; `rowsUpdated` and `detail` carry the generation they
// belong to, and the webview drops events from a generation older than the last `init` it saw, so
// results of a superseded analysis run cannot overwrite newer ones.
//
// The HTML the host serves (test/webview/harness.html is a working example): the CSP and csp-nonce
// metas, board.css from media/, the bundle dist/webview/board.js (one script, with the nonce), an
// otherwise empty <body>; the webview builds its own DOM.

export const BOARD_PROTOCOL_VERSION = 2;

/** Board keys that are also commands: j, k, e, /, and 1-9 (accept the n-th generated dialogue). */
export type BoardAction =
  'next' | 'previous' | 'edit' | 'search' | `dialogue-${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;
export const BOARD_ACTIONS: readonly BoardAction[] = [
  'next',
  'previous',
  'edit',
  'search',
  ...([1, 2, 3, 4, 5, 6, 7, 8, 9] as const).map((n) => `dialogue-${n}` as const),
];

export type Verdict = 'accept' | 'reject' | 'pending';
/** A row's verdict as the journal folds it ('edit': accepted with corrected text or windows). */
export type RowVerdict = Verdict | 'edit';

export type TurnRole = 'human' | 'gpt' | 'system';
export interface BoardTurn {
  role: TurnRole;
  text: string;
}

/** One sample as a list row, as the webview holds it (on the wire rows travel as `RowColumns`). */
export interface BoardRow {
  id: string;
  /** Display text "file:line" (relative to the dataset folder). Never sent back. */
  source: string;
  /** Video name (file name or id), for display and search. */
  video: string;
  /** Seconds; absent when unknown. */
  duration?: number;
  /** Temporal perplexity lift (nats/token); absent with `tplReason` when it could not be computed. */
  tpl?: number;
  tplReason?: string;
  /** 0..100 rank of `tpl` in the dataset. */
  tplPercentile?: number;
  /** UTR signals, 0..1. */
  dynamics?: number;
  density?: number;
  /** Machine-readable flags, e.g. 'low-tpl', 'window-insensitive'. */
  flags: string[];
  verdict: RowVerdict;
  /** webview URI of a poster frame. */
  posterUri?: string;
}

export interface BoardSettings {
  /** Initial TPL threshold for the histogram (the user can drag it). */
  tplThreshold?: number;
  /** Rows with TPL below the threshold are shown (review low-TPL samples) or above. */
  tplDirection?: 'below' | 'above';
  /** Disables verdict and edit actions (e.g. untrusted workspace). */
  readOnly?: boolean;
}

/** What saw a tracked object; analysis sources the board has no colour for arrive as 'other'. */
export type BoxSource = 'motion' | 'ocr' | 'detector' | 'other';

/**
 * One track's box on a filmstrip frame, normalised to 0..1 of the frame's width and height
 * (x0 < x1, y0 < y1), from the track's observation nearest in time to the frame.
 */
export interface FrameBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  source: BoxSource;
  /** OCR: the text read; detector: its class label; motion: the track's label or "motion #id". */
  label: string;
  /** Track id within the clip. */
  track: number;
  /** The observation the box comes from (frame index and seconds), which may differ from the filmstrip frame's. */
  frame: number;
  time: number;
}

export interface FilmstripFrame {
  /** webview URI of the frame JPEG. */
  uri: string;
  /** Seconds from the clip start. */
  time: number;
  /** Frame index in the decoded stream. */
  index: number;
  isKeyframe: boolean;
  /** Track and OCR boxes seen on this frame, drawn when the frame is enlarged; absent when none. */
  boxes?: FrameBox[];
}

export type DialogueTurn = { role: 'human' | 'gpt'; text: string };

export interface DialogueDetail {
  id: string;
  kind: string;
  /** As generated; for an 'edited' dialogue, the edited turns the conversation now ends with. */
  turns: DialogueTurn[];
  confidence: number;
  evidence: { frames: number[]; times: number[]; span?: [number, number] };
  state: 'pending' | 'accepted' | 'rejected' | 'edited';
}

export interface SampleDetail {
  filmstrip: FilmstripFrame[];
  /** Keyframe candidate scores over time (seconds). */
  scores: { time: number; score: number }[];
  turns: BoardTurn[];
  tpl: { value?: number; reason?: string; nllFull?: number; nllSingle?: number; bestFrame?: number };
  dialogues: DialogueDetail[];
  /** Annotated windows (seconds) and the temporal sensitivity of the text to them. */
  windows: { start: number; end: number }[];
  sensitivity?: {
    shuffleDelta?: number;
    insideMinusOutside?: number;
    insensitive?: boolean;
    reason?: string;
  };
}

// ---------- rows in columns ----------

/** Verdict codes in `RowColumns.verdict`. */
export const ROW_VERDICTS: readonly RowVerdict[] = ['pending', 'accept', 'reject', 'edit'];

/**
 * Rows in columns: every array has one entry per row, in row order. `strings` holds the text the
 * rows share; `file`, `video`, `tplReason` and `poster` are indices into it (-1: none), `flags` an
 * index into `flagSets` (lists of indices into `strings`). An optional number column is left out
 * when no row has a value, and holds `null` for a row without one. `line` is -1 when the row's
 * source is a bare file name (no ":line").
 */
export interface RowColumns {
  count: number;
  strings: string[];
  id: string[];
  file: number[];
  line: number[];
  video: number[];
  duration?: (number | null)[];
  tpl?: (number | null)[];
  tplReason: number[];
  tplPercentile?: (number | null)[];
  dynamics?: (number | null)[];
  density?: (number | null)[];
  flagSets: number[][];
  flags: number[];
  verdict: number[];
  poster?: number[];
}

const OPTIONAL_NUMBERS = ['duration', 'tpl', 'tplPercentile', 'dynamics', 'density'] as const;

/** Builds `RowColumns` row by row, interning repeated text. */
export class RowColumnsBuilder {
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly flagSets: number[][] = [];
  private readonly flagSetIndex = new Map<string, number>();
  private readonly id: string[] = [];
  private readonly file: number[] = [];
  private readonly line: number[] = [];
  private readonly video: number[] = [];
  private readonly tplReason: number[] = [];
  private readonly flags: number[] = [];
  private readonly verdict: number[] = [];
  private readonly poster: number[] = [];
  private readonly numbers: Record<(typeof OPTIONAL_NUMBERS)[number], (number | null)[]> = {
    duration: [],
    tpl: [],
    tplPercentile: [],
    dynamics: [],
    density: [],
  };
  private readonly present = new Set<(typeof OPTIONAL_NUMBERS)[number]>();
  private hasPoster = false;

  get count(): number {
    return this.id.length;
  }

  /** A row whose source is `file` and `line` (-1: no line), without building "file:line" first. */
  addRow(row: Omit<BoardRow, 'source'>, file: string, line: number): void {
    this.id.push(row.id);
    this.file.push(this.intern(file));
    this.line.push(line);
    this.video.push(this.intern(row.video));
    for (const key of OPTIONAL_NUMBERS) {
      const value = row[key];
      if (value !== undefined && Number.isFinite(value)) {
        this.numbers[key].push(value);
        this.present.add(key);
      } else this.numbers[key].push(null);
    }
    this.tplReason.push(row.tplReason === undefined ? -1 : this.intern(row.tplReason));
    this.flags.push(this.internFlags(row.flags));
    this.verdict.push(Math.max(0, ROW_VERDICTS.indexOf(row.verdict)));
    if (row.posterUri !== undefined) this.hasPoster = true;
    this.poster.push(row.posterUri === undefined ? -1 : this.intern(row.posterUri));
  }

  /** A row as the webview holds it: its source is split back into file and line. */
  add(row: BoardRow): void {
    const [file, line] = splitSource(row.source);
    this.addRow(row, file, line);
  }

  build(): RowColumns {
    const columns: RowColumns = {
      count: this.id.length,
      strings: this.strings,
      id: this.id,
      file: this.file,
      line: this.line,
      video: this.video,
      tplReason: this.tplReason,
      flagSets: this.flagSets,
      flags: this.flags,
      verdict: this.verdict,
    };
    for (const key of OPTIONAL_NUMBERS) if (this.present.has(key)) columns[key] = this.numbers[key];
    if (this.hasPoster) columns.poster = this.poster;
    return columns;
  }

  private intern(text: string): number {
    let at = this.stringIndex.get(text);
    if (at === undefined) {
      at = this.strings.length;
      this.strings.push(text);
      this.stringIndex.set(text, at);
    }
    return at;
  }

  private internFlags(flags: readonly string[]): number {
    const key = flags.join('\n');
    let at = this.flagSetIndex.get(key);
    if (at === undefined) {
      at = this.flagSets.length;
      this.flagSets.push(flags.map((flag) => this.intern(flag)));
      this.flagSetIndex.set(key, at);
    }
    return at;
  }
}

/** Rows in columns (tests, the harness; the host builds columns directly with RowColumnsBuilder). */
export function encodeRows(rows: Iterable<BoardRow>): RowColumns {
  const builder = new RowColumnsBuilder();
  for (const row of rows) builder.add(row);
  return builder.build();
}

/** "file:line" → [file, line]; a source whose tail is not a line number is all file (line -1). */
export function splitSource(source: string): [string, number] {
  const colon = source.lastIndexOf(':');
  if (colon > 0) {
    const tail = source.slice(colon + 1);
    const line = Number(tail);
    if (Number.isInteger(line) && line >= 0 && String(line) === tail) return [source.slice(0, colon), line];
  }
  return [source, -1];
}

/** One decoded row with its source's parts (the board sorts and filters by file and line). */
export interface DecodedRow {
  row: BoardRow;
  file: string;
  line: number;
}

/** The rows of checked columns (see `checkRowColumns`), in order. */
export function decodeRows(columns: RowColumns): DecodedRow[] {
  const { strings, flagSets } = columns;
  const flagLists = flagSets.map((set) => set.map((at) => strings[at]));
  const out: DecodedRow[] = new Array(columns.count);
  for (let i = 0; i < columns.count; i++) {
    const file = strings[columns.file[i]];
    const line = columns.line[i];
    // Same keys in the same order as the host built them, so every row shares one hidden class.
    const row = {
      id: columns.id[i],
      source: line >= 0 ? `${file}:${line}` : file,
      video: strings[columns.video[i]],
    } as BoardRow;
    const duration = columns.duration?.[i];
    if (duration != null) row.duration = duration;
    const tpl = columns.tpl?.[i];
    if (tpl != null) row.tpl = tpl;
    const reason = columns.tplReason[i];
    if (reason >= 0) row.tplReason = strings[reason];
    const percentile = columns.tplPercentile?.[i];
    if (percentile != null) row.tplPercentile = percentile;
    const dynamics = columns.dynamics?.[i];
    if (dynamics != null) row.dynamics = dynamics;
    const density = columns.density?.[i];
    if (density != null) row.density = density;
    // Flag lists are shared between rows with the same flags: the board never mutates them.
    row.flags = flagLists[columns.flags[i]];
    row.verdict = ROW_VERDICTS[columns.verdict[i]];
    const poster = columns.poster?.[i] ?? -1;
    if (poster >= 0) row.posterUri = strings[poster];
    out[i] = { row, file, line };
  }
  return out;
}

/**
 * Whether `value` is well-formed `RowColumns`: every column as long as `count`, every index inside
 * its table, numbers finite. Linear in the rows; the webview runs it on every `init`/`rowsUpdated`
 * so a malformed message is refused whole rather than half-applied.
 */
export function checkRowColumns(value: unknown): string | undefined {
  if (!isObject(value)) return 'rows: not an object';
  const c = value as Fields;
  if (!isCount(c.count)) return 'rows: "count" must be a non-negative integer';
  const count = c.count;
  if (!Array.isArray(c.strings) || !c.strings.every((s) => typeof s === 'string'))
    return 'rows: "strings" must be a list of strings';
  const strings = c.strings.length;
  if (!Array.isArray(c.flagSets)) return 'rows: "flagSets" must be a list';
  for (const set of c.flagSets as unknown[])
    if (!Array.isArray(set) || !set.every((at) => isIndex(at, strings)))
      return 'rows: a flag set names a string that is not in "strings"';
  const column = (name: string): unknown[] | string => {
    const values = c[name];
    return Array.isArray(values) && values.length === count
      ? values
      : `rows: "${name}" must be a list of ${count} entries`;
  };
  const ids = column('id');
  if (typeof ids === 'string') return ids;
  if (!ids.every((id) => typeof id === 'string')) return 'rows: "id" must hold strings';
  const indexed: [string, number, boolean][] = [
    ['file', strings, false],
    ['video', strings, false],
    ['tplReason', strings, true],
    ['flags', c.flagSets.length, false],
    ['verdict', ROW_VERDICTS.length, false],
  ];
  if (c.poster !== undefined) indexed.push(['poster', strings, true]);
  for (const [name, size, optional] of indexed) {
    const values = column(name);
    if (typeof values === 'string') return values;
    if (!values.every((at) => isIndex(at, size) || (optional && at === -1)))
      return `rows: "${name}" holds an index outside its table`;
  }
  const lines = column('line');
  if (typeof lines === 'string') return lines;
  if (!lines.every((line) => line === -1 || isCount(line))) return 'rows: "line" must hold integers >= -1';
  for (const name of OPTIONAL_NUMBERS) {
    if (c[name] === undefined) continue;
    const values = column(name);
    if (typeof values === 'string') return values;
    if (!values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v))))
      return `rows: "${name}" must hold finite numbers or null`;
  }
  return undefined;
}

const isIndex = (value: unknown, size: number): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < size;

// ---------- host → webview ----------
export type HostMessage =
  | {
      type: 'init';
      protocolVersion: number;
      generation: number;
      samples: RowColumns;
      settings: BoardSettings;
    }
  | { type: 'rowsUpdated'; generation: number; rows: RowColumns }
  | { type: 'detail'; generation: number; sampleId: string; detail: SampleDetail }
  /** Answers a `requestDetail` that failed, so the webview never waits forever. */
  | { type: 'detailError'; generation: number; sampleId: string; message: string }
  /** A board action run from a VS Code command (its keybinding, the palette): the same as the key. */
  | { type: 'action'; action: BoardAction }
  /** Select and scroll to a sample (Next Unreviewed Sample, Reveal on Board); the webview answers with `select`. */
  | { type: 'reveal'; generation: number; sampleId: string }
  /** Something the user should know (a verdict that could not be written, a version mismatch). */
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; message: string };

// ---------- webview → host ----------
export type WebviewMessage =
  | { type: 'ready'; protocolVersion: number }
  | { type: 'select'; sampleId: string }
  | { type: 'verdict'; sampleIds: string[]; verdict: Verdict }
  | { type: 'undo' }
  | { type: 'editTurns'; sampleId: string; turns: BoardTurn[] }
  | { type: 'dialogue'; sampleId: string; dialogueId: string; action: 'accept' | 'reject' }
  /** Accepts a generated dialogue with corrected turns (the host appends them to the conversation). */
  | { type: 'editDialogue'; sampleId: string; dialogueId: string; turns: DialogueTurn[] }
  /** `index`: which of the sample's windows (default 0). */
  | { type: 'editWindow'; sampleId: string; start: number; end: number; index?: number }
  | { type: 'requestDetail'; sampleId: string }
  /** Rows on screen (indices into the webview's sorted, filtered view, and their ids) so the host can analyse them first. */
  | { type: 'visibleRange'; first: number; last: number; sampleIds: string[] };

export type WebviewMessageType = WebviewMessage['type'];

/** Limits that keep one message from a misbehaving webview cheap to handle. */
export const MESSAGE_LIMITS = {
  idLength: 512,
  idsPerMessage: 100_000,
  visibleIds: 1_000,
  turns: 200,
  turnText: 100_000,
} as const;

type Fields = Record<string, unknown>;

// Plain data only: a message arrives as JSON, so anything with another prototype (or an accessor)
// did not come from the webview's postMessage and is refused rather than inspected.
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/**
 * Sample ids are `label#hash` (label limited to [A-Za-z0-9_.-], see sampleId.ts) with an optional
 * `~n`, dialogue ids `kind-hash`: no slash, backslash, colon, space or control character, so nothing
 * shaped like a path or a URI (`../../etc/passwd`, `/abs`, `C:\x`, `file:///x`) passes as an id.
 */
const ID_PATTERN = /^[A-Za-z0-9_.#~-]+$/;
const isId = (value: unknown): value is string =>
  typeof value === 'string' &&
  value.length > 0 &&
  value.length <= MESSAGE_LIMITS.idLength &&
  ID_PATTERN.test(value) &&
  !/^\.+$/.test(value);
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isSeconds = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isIdList = (value: unknown, max: number): value is string[] =>
  Array.isArray(value) && value.length <= max && value.every(isId);
const extraKeys = (message: Fields, keys: readonly string[]): string[] =>
  Object.keys(message).filter((key) => !keys.includes(key));

const TURN_ROLES: readonly string[] = ['human', 'gpt', 'system'];
const DIALOGUE_ROLES: readonly string[] = ['human', 'gpt'];
const VERDICTS: readonly string[] = ['accept', 'reject', 'pending'];

function isTurnList(value: unknown, roles: readonly string[] = TURN_ROLES): value is BoardTurn[] {
  return (
    Array.isArray(value) &&
    value.length <= MESSAGE_LIMITS.turns &&
    value.every(
      (turn) =>
        isObject(turn) &&
        extraKeys(turn, ['role', 'text']).length === 0 &&
        typeof turn.role === 'string' &&
        roles.includes(turn.role) &&
        typeof turn.text === 'string' &&
        turn.text.length <= MESSAGE_LIMITS.turnText,
    )
  );
}

/** A webview message checked: the typed copy, or why it was refused (for the log). */
export type CheckedWebviewMessage = { ok: true; message: WebviewMessage } | { ok: false; reason: string };

const FIELDS: Record<WebviewMessageType, readonly string[]> = {
  ready: ['type', 'protocolVersion'],
  select: ['type', 'sampleId'],
  requestDetail: ['type', 'sampleId'],
  verdict: ['type', 'sampleIds', 'verdict'],
  undo: ['type'],
  editTurns: ['type', 'sampleId', 'turns'],
  dialogue: ['type', 'sampleId', 'dialogueId', 'action'],
  editDialogue: ['type', 'sampleId', 'dialogueId', 'turns'],
  editWindow: ['type', 'sampleId', 'start', 'end', 'index'],
  visibleRange: ['type', 'first', 'last', 'sampleIds'],
};

/**
 * Checks a message from the webview. It passes only when it is exactly one of the shapes above (no
 * extra fields, ids bounded and id-shaped, numbers finite); the copy holds only the known fields, so
 * nothing the webview added travels further. Never throws.
 */
export function checkWebviewMessage(value: unknown): CheckedWebviewMessage {
  const no = (reason: string): CheckedWebviewMessage => ({ ok: false, reason });
  if (!isObject(value)) return no('not a plain JSON object');
  if (!Object.hasOwn(value, 'type') || typeof value.type !== 'string') return no('no "type" string');
  const m = value as Fields & { type: string };
  if (!Object.hasOwn(FIELDS, m.type)) return no(`unknown type ${JSON.stringify(m.type.slice(0, 40))}`);
  const type = m.type as WebviewMessageType;
  const extra = extraKeys(m, FIELDS[type]);
  if (extra.length > 0)
    return no(
      `${type}: unexpected field(s) ${extra
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}`,
    );
  const badId = (field: string) => no(`${type}: "${field}" is not a sample/dialogue id`);
  switch (type) {
    case 'ready':
      return isCount(m.protocolVersion)
        ? { ok: true, message: { type, protocolVersion: m.protocolVersion } }
        : no('ready: "protocolVersion" must be a non-negative integer');
    case 'select':
    case 'requestDetail':
      return isId(m.sampleId) ? { ok: true, message: { type, sampleId: m.sampleId } } : badId('sampleId');
    case 'verdict':
      if (!isIdList(m.sampleIds, MESSAGE_LIMITS.idsPerMessage) || m.sampleIds.length === 0)
        return no(`verdict: "sampleIds" must be 1 to ${MESSAGE_LIMITS.idsPerMessage} ids`);
      if (typeof m.verdict !== 'string' || !VERDICTS.includes(m.verdict))
        return no(`verdict: "verdict" must be one of ${VERDICTS.join(', ')}`);
      return { ok: true, message: { type, sampleIds: [...m.sampleIds], verdict: m.verdict as Verdict } };
    case 'undo':
      return { ok: true, message: { type } };
    case 'editTurns':
      if (!isId(m.sampleId)) return badId('sampleId');
      if (!isTurnList(m.turns)) return no('editTurns: "turns" must be a list of {role, text}');
      return {
        ok: true,
        message: {
          type,
          sampleId: m.sampleId,
          turns: m.turns.map((turn) => ({ role: turn.role, text: turn.text })),
        },
      };
    case 'dialogue':
      if (!isId(m.sampleId)) return badId('sampleId');
      if (!isId(m.dialogueId)) return badId('dialogueId');
      if (m.action !== 'accept' && m.action !== 'reject')
        return no('dialogue: "action" must be accept or reject');
      return {
        ok: true,
        message: { type, sampleId: m.sampleId, dialogueId: m.dialogueId, action: m.action },
      };
    case 'editDialogue':
      if (!isId(m.sampleId)) return badId('sampleId');
      if (!isId(m.dialogueId)) return badId('dialogueId');
      // An edited dialogue keeps at least one turn (rejecting it is how to drop it).
      if (!isTurnList(m.turns, DIALOGUE_ROLES) || m.turns.length === 0)
        return no('editDialogue: "turns" must be a non-empty list of human/gpt turns');
      return {
        ok: true,
        message: {
          type,
          sampleId: m.sampleId,
          dialogueId: m.dialogueId,
          turns: m.turns.map((turn) => ({ role: turn.role as DialogueTurn['role'], text: turn.text })),
        },
      };
    case 'editWindow': {
      if (!isId(m.sampleId)) return badId('sampleId');
      if (!isSeconds(m.start) || !isSeconds(m.end) || m.end <= m.start)
        return no('editWindow: needs finite seconds 0 <= start < end');
      if (m.index !== undefined && !isCount(m.index))
        return no('editWindow: "index" must be a non-negative integer');
      const message: WebviewMessage = { type, sampleId: m.sampleId, start: m.start, end: m.end };
      if (m.index !== undefined) message.index = m.index;
      return { ok: true, message };
    }
    case 'visibleRange':
      if (!isCount(m.first) || !isCount(m.last) || m.last < m.first)
        return no('visibleRange: needs integers 0 <= first <= last');
      if (!isIdList(m.sampleIds, MESSAGE_LIMITS.visibleIds))
        return no(`visibleRange: "sampleIds" must be at most ${MESSAGE_LIMITS.visibleIds} ids`);
      return { ok: true, message: { type, first: m.first, last: m.last, sampleIds: [...m.sampleIds] } };
  }
}

/** The typed message, or undefined when `checkWebviewMessage` refuses it. */
export function validateWebviewMessage(value: unknown): WebviewMessage | undefined {
  const checked = checkWebviewMessage(value);
  return checked.ok ? checked.message : undefined;
}

/**
 * A light shape check of host messages on the webview side (the host is trusted, but a message
 * from an older host or another extension's postMessage should not crash the board).
 */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'init':
      // A host of another protocol version still gets through (the board says to reload); its rows
      // are checked where they are used.
      return isCount(value.generation) && isObject(value.settings);
    case 'rowsUpdated':
      return isCount(value.generation) && checkRowColumns(value.rows) === undefined;
    case 'detail':
      return isCount(value.generation) && isId(value.sampleId) && isObject(value.detail);
    case 'detailError':
      return isCount(value.generation) && isId(value.sampleId) && typeof value.message === 'string';
    case 'notice':
      return typeof value.message === 'string';
    case 'reveal':
      return isCount(value.generation) && isId(value.sampleId);
    case 'action':
      return typeof value.action === 'string' && (BOARD_ACTIONS as readonly string[]).includes(value.action);
    default:
      return false;
  }
}

/** Whether an event of `generation` should be applied when the board is at `current`. */
export function isCurrentGeneration(generation: number, current: number): boolean {
  return generation >= current;
}
