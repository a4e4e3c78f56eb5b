// The detail pane for the active sample: filmstrip with keyframe picks, the candidate score curve,
// the conversation (editable), the TPL breakdown (or why there is none), generated dialogues with
// their evidence (each can be accepted, edited or rejected), and the timestamp windows. A click on
// a filmstrip frame enlarges it with the clip's track and OCR boxes drawn over it.
import type {
  BoardRow,
  BoardTurn,
  BoxSource,
  DialogueDetail,
  DialogueTurn,
  FilmstripFrame,
  FrameBox,
  SampleDetail,
  Verdict,
} from '../../src/protocol/board';
import { button, setDisabled, textArea, textField } from './components';
import type { Field } from './components';
import { formatNumber, formatSeconds, verdictLabel } from './format';

const SVG = 'http://www.w3.org/2000/svg';

const SOURCE_NAMES: Record<BoxSource, string> = {
  motion: 'motion',
  ocr: 'OCR text',
  detector: 'detected object',
  other: 'tracked object',
};

export interface DetailActions {
  verdict(verdict: Verdict): void;
  editTurns(turns: BoardTurn[]): void;
  dialogue(dialogueId: string, action: 'accept' | 'reject'): void;
  editDialogue(dialogueId: string, turns: DialogueTurn[]): void;
  editWindow(index: number, start: number, end: number): void;
}

export type DetailStatus = 'loading' | 'ready' | 'error';

export class DetailPane {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly overlay: HTMLElement;
  private row: BoardRow | undefined;
  private detail: SampleDetail | undefined;
  private status: DetailStatus = 'loading';
  private error = '';
  private readOnly = false;
  private turnFields: { role: BoardTurn['role']; field: Field }[] | undefined;
  /** The generated dialogue being edited, with one field per turn. */
  private dialogueEdit: { id: string; fields: { role: DialogueTurn['role']; field: Field }[] } | undefined;
  private deferred: (() => void) | undefined;
  private frameButtons: { button: HTMLElement; index: number; time: number }[] = [];
  private evidenceLayer: SVGGElement | undefined;
  private duration = 0;
  private focusBeforeOverlay: HTMLElement | undefined;

  constructor(private readonly actions: DetailActions) {
    this.element = document.createElement('section');
    this.element.className = 'detail';
    this.element.setAttribute('aria-label', 'Sample detail');
    this.body = document.createElement('div');
    this.body.className = 'detail-body';
    this.overlay = document.createElement('div');
    this.overlay.className = 'frame-overlay';
    this.overlay.hidden = true;
    this.overlay.setAttribute('role', 'dialog');
    this.overlay.setAttribute('aria-modal', 'true');
    // Any click on the enlarged frame closes it (the Close button and Esc too).
    this.overlay.addEventListener('click', () => this.closeOverlay());
    this.element.append(this.body, this.overlay);
    this.renderEmpty();
  }

  get sampleId(): string | undefined {
    return this.row?.id;
  }

  get editing(): boolean {
    return this.turnFields !== undefined || this.dialogueEdit !== undefined;
  }

  get dialogues(): readonly DialogueDetail[] {
    return this.detail?.dialogues ?? [];
  }

  setReadOnly(readOnly: boolean): void {
    this.readOnly = readOnly;
  }

  show(row: BoardRow | undefined, detail: SampleDetail | undefined, status: DetailStatus, error = ''): void {
    const apply = () => {
      this.row = row;
      this.detail = detail;
      this.status = status;
      this.error = error;
      this.render();
    };
    // An update for the sample being edited waits until the edit ends, so typing is never lost.
    if (this.editing && row?.id === this.row?.id) this.deferred = apply;
    else {
      this.turnFields = undefined;
      this.dialogueEdit = undefined;
      this.deferred = undefined;
      apply();
    }
  }

  /** Starts editing the conversation; false when there is nothing to edit. */
  startEdit(): boolean {
    if (this.readOnly || !this.row || !this.detail || this.editing) return false;
    this.turnFields = this.detail.turns.map((turn, i) => ({
      role: turn.role,
      field: textArea({
        ariaLabel: `Turn ${i + 1} (${turn.role})`,
        value: turn.text,
        rows: Math.min(8, Math.max(2, Math.ceil(turn.text.length / 60))),
      }),
    }));
    this.render();
    this.turnFields[0]?.field.focus();
    return true;
  }

  /** Starts editing a generated dialogue's turns; false when there is nothing to edit. */
  editDialogue(dialogueId: string): boolean {
    const dialogue = this.detail?.dialogues.find((d) => d.id === dialogueId);
    if (this.readOnly || !this.row || !dialogue || this.editing) return false;
    const n = this.detail?.dialogues.indexOf(dialogue) ?? 0;
    this.dialogueEdit = {
      id: dialogue.id,
      fields: dialogue.turns.map((turn, i) => ({
        role: turn.role,
        field: textArea({
          ariaLabel: `Dialogue ${n + 1}, turn ${i + 1} (${turn.role})`,
          value: turn.text,
          rows: Math.min(6, Math.max(2, Math.ceil(turn.text.length / 60))),
        }),
      })),
    };
    this.render();
    this.dialogueEdit.fields[0]?.field.focus();
    return true;
  }

  /** `e` while a generated dialogue (or one of its buttons) has focus: edits that dialogue. */
  editFocusedDialogue(): boolean {
    const focused = document.activeElement?.closest<HTMLElement>('.dialogue');
    const id = focused && this.element.contains(focused) ? focused.dataset.dialogueId : undefined;
    return id !== undefined && this.editDialogue(id);
  }

  /** Esc: closes an enlarged frame, else leaves edit mode without saving. True when it did either. */
  escape(): boolean {
    if (!this.overlay.hidden) {
      this.closeOverlay();
      return true;
    }
    if (this.editing) {
      this.leaveEdit();
      return true;
    }
    return false;
  }

  saveDialogueEdit(): void {
    const edit = this.dialogueEdit;
    if (!edit || !this.detail) return;
    const turns = edit.fields.map(({ role, field }) => ({ role, text: field.value }));
    this.detail = {
      ...this.detail,
      dialogues: this.detail.dialogues.map((d) =>
        d.id === edit.id ? { ...d, turns, state: 'edited' as const } : d,
      ),
    };
    this.actions.editDialogue(edit.id, turns);
    this.leaveEdit();
  }

  saveEdit(): void {
    if (!this.turnFields) return;
    const turns = this.turnFields.map(({ role, field }) => ({ role, text: field.value }));
    if (this.detail) this.detail = { ...this.detail, turns };
    this.actions.editTurns(turns);
    this.leaveEdit();
  }

  /** Accepts the n-th (1-based) generated dialogue; false when there is none. */
  acceptDialogue(n: number): boolean {
    const dialogue = this.detail?.dialogues[n - 1];
    if (!dialogue || this.readOnly) return false;
    this.setDialogueState(dialogue.id, 'accept');
    return true;
  }

  private leaveEdit(): void {
    this.turnFields = undefined;
    this.dialogueEdit = undefined;
    const deferred = this.deferred;
    this.deferred = undefined;
    if (deferred) deferred();
    else this.render();
    this.element.dispatchEvent(new CustomEvent('editend', { bubbles: true }));
  }

  private setDialogueState(dialogueId: string, action: 'accept' | 'reject'): void {
    if (!this.detail) return;
    const state = action === 'accept' ? 'accepted' : 'rejected';
    this.detail = {
      ...this.detail,
      dialogues: this.detail.dialogues.map((d) => (d.id === dialogueId ? { ...d, state } : d)),
    };
    this.actions.dialogue(dialogueId, action);
    this.render();
  }

  private renderEmpty(): void {
    const empty = document.createElement('p');
    empty.className = 'detail-empty';
    empty.textContent = 'Select a sample to see its frames, scores and dialogues.';
    this.body.replaceChildren(empty);
  }

  private render(): void {
    const row = this.row;
    if (!row) return this.renderEmpty();
    const parts: HTMLElement[] = [this.renderHeader(row)];
    if (this.status === 'error') {
      const p = document.createElement('p');
      p.className = 'detail-error';
      p.setAttribute('role', 'alert');
      p.textContent = `Could not load this sample's detail: ${this.error}`;
      parts.push(p);
    } else if (!this.detail) {
      const p = document.createElement('p');
      p.className = 'detail-loading';
      p.textContent = 'Loading detail…';
      parts.push(p);
    } else {
      const detail = this.detail;
      this.duration = Math.max(
        row.duration ?? 0,
        ...detail.filmstrip.map((f) => f.time),
        ...detail.scores.map((s) => s.time),
      );
      parts.push(
        this.renderFilmstrip(detail),
        this.renderTurns(detail),
        this.renderTpl(detail),
        this.renderDialogues(detail),
        this.renderWindows(detail),
      );
    }
    this.body.replaceChildren(...parts);
  }

  private renderHeader(row: BoardRow): HTMLElement {
    const header = document.createElement('header');
    header.className = 'detail-header';
    const title = document.createElement('h2');
    title.textContent = row.video || row.id;
    const meta = document.createElement('p');
    meta.className = 'detail-meta';
    meta.textContent = [
      row.source,
      row.duration !== undefined ? formatSeconds(row.duration) : undefined,
      `verdict: ${verdictLabel(row.verdict)}`,
    ]
      .filter(Boolean)
      .join(' · ');
    const actions = document.createElement('div');
    actions.className = 'detail-actions';
    const buttons = [
      button({
        label: 'Accept',
        ariaLabel: 'Accept sample (a)',
        appearance: 'primary',
        onClick: () => this.actions.verdict('accept'),
      }),
      button({
        label: 'Reject',
        ariaLabel: 'Reject sample (r)',
        onClick: () => this.actions.verdict('reject'),
      }),
      button({
        label: 'Pending',
        ariaLabel: 'Mark sample pending',
        onClick: () => this.actions.verdict('pending'),
      }),
    ];
    for (const b of buttons) setDisabled(b, this.readOnly);
    actions.append(...buttons);
    header.append(title, meta, actions);
    return header;
  }

  private section(title: string, className: string): HTMLElement {
    const section = document.createElement('section');
    section.className = `detail-section ${className}`;
    const h = document.createElement('h3');
    h.textContent = title;
    section.append(h);
    return section;
  }

  private renderFilmstrip(detail: SampleDetail): HTMLElement {
    const section = this.section('Frames', 'filmstrip-section');
    const strip = document.createElement('div');
    strip.className = 'filmstrip';
    this.frameButtons = detail.filmstrip.map((frame) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = frame.isKeyframe ? 'frame keyframe' : 'frame';
      const label = `Frame ${frame.index} at ${formatSeconds(frame.time)}${frame.isKeyframe ? ', keyframe pick' : ''}`;
      b.setAttribute('aria-label', `${label}. Enlarge`);
      b.title = label;
      const img = document.createElement('img');
      img.src = frame.uri;
      img.alt = '';
      img.loading = 'lazy';
      img.draggable = false;
      const time = document.createElement('span');
      time.className = 'frame-time';
      time.textContent = formatSeconds(frame.time);
      b.append(img, time);
      if (frame.isKeyframe) {
        const mark = document.createElement('span');
        mark.className = 'keyframe-mark';
        mark.textContent = 'K';
        mark.setAttribute('aria-hidden', 'true');
        b.append(mark);
      }
      b.addEventListener('click', () => this.openOverlay(frame, label));
      strip.append(b);
      return { button: b, index: frame.index, time: frame.time };
    });
    section.append(strip, this.renderCurve(detail));
    return section;
  }

  private renderCurve(detail: SampleDetail): SVGSVGElement {
    const width = 1000;
    const height = 60;
    const svg = document.createElementNS(SVG, 'svg');
    svg.classList.add('score-curve');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    const keyframes = detail.filmstrip.filter((f) => f.isKeyframe);
    svg.setAttribute(
      'aria-label',
      `Keyframe score over time, ${detail.scores.length} candidates; keyframes at ${keyframes.map((f) => formatSeconds(f.time)).join(', ') || 'none'}`,
    );
    const span = this.duration || 1;
    const scores = detail.scores;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of scores) {
      lo = Math.min(lo, s.score);
      hi = Math.max(hi, s.score);
    }
    const range = hi - lo || 1;
    const x = (t: number) => (t / span) * width;
    const y = (v: number) => height - 4 - ((v - lo) / range) * (height - 8);
    this.evidenceLayer = document.createElementNS(SVG, 'g');
    svg.append(this.evidenceLayer);
    for (const frame of detail.filmstrip) {
      const tick = document.createElementNS(SVG, 'line');
      tick.setAttribute('class', frame.isKeyframe ? 'curve-keyframe' : 'curve-tick');
      tick.setAttribute('x1', String(x(frame.time)));
      tick.setAttribute('x2', String(x(frame.time)));
      tick.setAttribute('y1', frame.isKeyframe ? '0' : String(height - 6));
      tick.setAttribute('y2', String(height));
      tick.setAttribute('vector-effect', 'non-scaling-stroke');
      svg.append(tick);
    }
    if (scores.length) {
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('class', 'curve-line');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      line.setAttribute(
        'points',
        scores.map((s) => `${x(s.time).toFixed(1)},${y(s.score).toFixed(1)}`).join(' '),
      );
      svg.append(line);
    }
    return svg;
  }

  private highlightEvidence(dialogue: DialogueDetail | undefined): void {
    const frames = new Set(dialogue?.evidence.frames ?? []);
    const times = dialogue?.evidence.times ?? [];
    for (const { button: b, index, time } of this.frameButtons) {
      const hit =
        dialogue !== undefined && (frames.has(index) || times.some((t) => Math.abs(t - time) < 0.5));
      b.classList.toggle('evidence', hit);
    }
    const layer = this.evidenceLayer;
    if (!layer) return;
    const span = this.duration || 1;
    const marks: SVGElement[] = [];
    if (dialogue?.evidence.span) {
      const [a, b] = dialogue.evidence.span;
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('class', 'curve-evidence-span');
      rect.setAttribute('x', String((a / span) * 1000));
      rect.setAttribute('width', String(Math.max(2, ((b - a) / span) * 1000)));
      rect.setAttribute('y', '0');
      rect.setAttribute('height', '60');
      marks.push(rect);
    }
    for (const t of times) {
      const line = document.createElementNS(SVG, 'line');
      line.setAttribute('class', 'curve-evidence');
      line.setAttribute('vector-effect', 'non-scaling-stroke');
      line.setAttribute('x1', String((t / span) * 1000));
      line.setAttribute('x2', String((t / span) * 1000));
      line.setAttribute('y1', '0');
      line.setAttribute('y2', '60');
      marks.push(line);
    }
    layer.replaceChildren(...marks);
  }

  private openOverlay(frame: FilmstripFrame, label: string): void {
    this.focusBeforeOverlay =
      document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    const boxes = frame.boxes ?? [];
    const stage = document.createElement('div');
    stage.className = 'frame-stage';
    const img = document.createElement('img');
    img.alt = label;
    // The stage takes the image's aspect ratio, so boxes placed in % of it land on the picture.
    const fit = () => {
      if (!img.naturalWidth || !img.naturalHeight) return;
      const aspect = img.naturalWidth / img.naturalHeight;
      stage.style.aspectRatio = `${img.naturalWidth} / ${img.naturalHeight}`;
      stage.style.width = `min(92vw, calc(78vh * ${aspect.toFixed(5)}))`;
      stage.classList.add('loaded');
    };
    img.addEventListener('load', fit);
    img.src = frame.uri;
    const layer = document.createElement('div');
    layer.className = 'frame-boxes';
    layer.setAttribute('role', 'list');
    layer.setAttribute('aria-label', `${boxes.length} tracked ${boxes.length === 1 ? 'box' : 'boxes'}`);
    layer.append(...boxes.map((box) => this.renderBox(box)));
    stage.append(img, layer);
    const caption = document.createElement('p');
    caption.className = 'frame-caption';
    caption.textContent = `${label} · ${boxSummary(boxes)}`;
    const close = button({
      label: 'Close',
      ariaLabel: 'Close enlarged frame (Esc)',
      onClick: () => this.closeOverlay(),
    });
    this.overlay.setAttribute('aria-label', `${label}, ${boxSummary(boxes)}`);
    this.overlay.replaceChildren(stage, caption, close);
    this.overlay.hidden = false;
    if (img.complete) fit();
    close.focus();
  }

  private renderBox(box: FrameBox): HTMLElement {
    const element = document.createElement('div');
    element.className = `frame-box box-${box.source}`;
    element.setAttribute('role', 'listitem');
    element.setAttribute(
      'aria-label',
      `${SOURCE_NAMES[box.source]} ${box.label ? `"${box.label}"` : ''}, track ${box.track}, seen at ${formatSeconds(box.time)} (frame ${box.frame})`,
    );
    element.dataset.track = String(box.track);
    element.style.left = `${box.x0 * 100}%`;
    element.style.top = `${box.y0 * 100}%`;
    element.style.width = `${(box.x1 - box.x0) * 100}%`;
    element.style.height = `${(box.y1 - box.y0) * 100}%`;
    if (box.label) {
      const tag = document.createElement('span');
      // Near the top edge the label goes inside the box, so it stays on the picture.
      tag.className = box.y0 < 0.08 ? 'frame-box-label inside' : 'frame-box-label';
      tag.textContent = box.label;
      tag.setAttribute('aria-hidden', 'true');
      element.append(tag);
    }
    return element;
  }

  private closeOverlay(): void {
    if (this.overlay.hidden) return;
    this.overlay.hidden = true;
    this.overlay.replaceChildren();
    this.focusBeforeOverlay?.focus();
  }

  private renderTurns(detail: SampleDetail): HTMLElement {
    const section = this.section('Conversation', 'turns-section');
    const list = document.createElement('div');
    list.className = 'turns';
    if (this.turnFields) {
      this.appendTurnEditor(list, this.turnFields, 'Save conversation (Ctrl+Enter)', () => this.saveEdit());
    } else {
      for (const turn of detail.turns) {
        const wrap = document.createElement('div');
        wrap.className = `turn turn-${turn.role}`;
        const label = document.createElement('span');
        label.className = 'turn-role';
        label.textContent = turn.role;
        const text = document.createElement('p');
        text.textContent = turn.text;
        wrap.append(label, text);
        list.append(wrap);
      }
      if (!detail.turns.length) list.textContent = 'No conversation text.';
      const edit = button({
        label: 'Edit',
        ariaLabel: 'Edit conversation (e)',
        onClick: () => this.startEdit(),
      });
      setDisabled(edit, this.readOnly);
      list.append(edit);
    }
    section.append(list);
    return section;
  }

  private renderTpl(detail: SampleDetail): HTMLElement {
    const section = this.section('Temporal perplexity (TPL)', 'tpl-section');
    const tpl = detail.tpl;
    if (tpl.value === undefined) {
      const p = document.createElement('p');
      p.className = 'tpl-reason';
      p.textContent = tpl.reason ?? 'Not computed yet.';
      section.append(p);
      return section;
    }
    const dl = document.createElement('dl');
    const entries: [string, string][] = [
      ['TPL', formatNumber(tpl.value, 3)],
      ['NLL, all frames', tpl.nllFull !== undefined ? formatNumber(tpl.nllFull, 3) : '—'],
      ['NLL, single frame', tpl.nllSingle !== undefined ? formatNumber(tpl.nllSingle, 3) : '—'],
    ];
    if (tpl.bestFrame !== undefined) entries.push(['Best single frame', `#${tpl.bestFrame}`]);
    for (const [term, value] of entries) {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = value;
      dl.append(dt, dd);
    }
    section.append(dl);
    return section;
  }

  private renderDialogues(detail: SampleDetail): HTMLElement {
    const section = this.section('Generated dialogues', 'dialogues-section');
    if (!detail.dialogues.length) {
      const p = document.createElement('p');
      p.textContent = 'None generated for this clip.';
      section.append(p);
      return section;
    }
    const list = document.createElement('ol');
    list.className = 'dialogues';
    detail.dialogues.forEach((dialogue, i) => {
      const item = document.createElement('li');
      item.className = `dialogue dialogue-${dialogue.state}`;
      item.dataset.dialogueId = dialogue.id;
      // Focusable so `e` can edit the focused dialogue.
      item.tabIndex = 0;
      item.setAttribute(
        'aria-label',
        `Dialogue ${i + 1}, ${dialogue.kind}, ${dialogue.state}. Press e to edit${i < 9 ? `, ${i + 1} to accept` : ''}`,
      );
      const head = document.createElement('div');
      head.className = 'dialogue-head';
      const key = document.createElement('kbd');
      key.textContent = i < 9 ? String(i + 1) : '';
      const kind = document.createElement('span');
      kind.className = 'dialogue-kind';
      kind.textContent = `${dialogue.kind} · ${Math.round(dialogue.confidence * 100)}% · ${dialogue.state}`;
      const accept = button({
        label: 'Accept',
        ariaLabel: `Accept dialogue ${i + 1} (${dialogue.kind})${i < 9 ? `, key ${i + 1}` : ''}`,
        appearance: dialogue.state === 'accepted' ? 'primary' : 'secondary',
        onClick: () => this.setDialogueState(dialogue.id, 'accept'),
      });
      const reject = button({
        label: 'Reject',
        ariaLabel: `Reject dialogue ${i + 1} (${dialogue.kind})`,
        onClick: () => this.setDialogueState(dialogue.id, 'reject'),
      });
      const edit = button({
        label: 'Edit',
        ariaLabel: `Edit dialogue ${i + 1} (${dialogue.kind}), e`,
        appearance: dialogue.state === 'edited' ? 'primary' : 'secondary',
        onClick: () => this.editDialogue(dialogue.id),
      });
      setDisabled(accept, this.readOnly);
      setDisabled(edit, this.readOnly);
      setDisabled(reject, this.readOnly);
      head.append(key, kind, accept, edit, reject);
      const turns = document.createElement('div');
      turns.className = 'dialogue-turns';
      if (this.dialogueEdit?.id === dialogue.id) this.renderDialogueEditor(turns);
      else
        for (const turn of dialogue.turns) {
          const p = document.createElement('p');
          const role = document.createElement('span');
          role.className = 'turn-role';
          role.textContent = turn.role;
          p.append(role, document.createTextNode(` ${turn.text}`));
          turns.append(p);
        }
      const evidence = document.createElement('p');
      evidence.className = 'dialogue-evidence';
      const ev = dialogue.evidence;
      evidence.textContent = [
        ev.frames.length ? `frames ${ev.frames.join(', ')}` : '',
        ev.times.length ? `at ${ev.times.map(formatSeconds).join(', ')}` : '',
        ev.span ? `span ${formatSeconds(ev.span[0])}–${formatSeconds(ev.span[1])}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      item.append(head, turns, evidence);
      const on = () => this.highlightEvidence(dialogue);
      const off = () => this.highlightEvidence(undefined);
      item.addEventListener('mouseenter', on);
      item.addEventListener('focusin', on);
      item.addEventListener('mouseleave', off);
      item.addEventListener('focusout', off);
      list.append(item);
    });
    section.append(list);
    return section;
  }

  /** Editable turns with Save/Cancel; Ctrl+Enter saves (the conversation and a dialogue share this). */
  private appendTurnEditor(
    into: HTMLElement,
    fields: readonly { role: string; field: { element: HTMLElement } }[],
    saveLabel: string,
    save: () => void,
  ): void {
    for (const { role, field } of fields) {
      const wrap = document.createElement('div');
      wrap.className = `turn turn-${role} editing`;
      const label = document.createElement('span');
      label.className = 'turn-role';
      label.textContent = role;
      wrap.append(label, field.element);
      into.append(wrap);
    }
    const actions = document.createElement('div');
    actions.className = 'turn-actions';
    actions.append(
      button({ label: 'Save', ariaLabel: saveLabel, appearance: 'primary', onClick: save }),
      button({ label: 'Cancel', ariaLabel: 'Cancel editing (Esc)', onClick: () => this.leaveEdit() }),
    );
    into.append(actions);
    into.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        event.stopPropagation();
        save();
      }
    });
  }

  private renderDialogueEditor(into: HTMLElement): void {
    const edit = this.dialogueEdit;
    if (!edit) return;
    into.classList.add('editing');
    this.appendTurnEditor(into, edit.fields, 'Save edited dialogue (Ctrl+Enter)', () =>
      this.saveDialogueEdit(),
    );
  }

  private renderWindows(detail: SampleDetail): HTMLElement {
    const section = this.section('Timestamp windows', 'windows-section');
    detail.windows.forEach((span, i) => {
      const form = document.createElement('div');
      form.className = 'window-row';
      const start = textField({
        ariaLabel: `Window ${i + 1} start (seconds)`,
        value: String(span.start),
        inputMode: 'decimal',
        size: 8,
      });
      const end = textField({
        ariaLabel: `Window ${i + 1} end (seconds)`,
        value: String(span.end),
        inputMode: 'decimal',
        size: 8,
      });
      const message = document.createElement('span');
      message.className = 'window-message';
      message.setAttribute('aria-live', 'polite');
      const apply = button({
        label: 'Apply',
        ariaLabel: `Apply window ${i + 1}`,
        onClick: () => {
          const s = Number(start.value);
          const e = Number(end.value);
          if (!Number.isFinite(s) || !Number.isFinite(e) || s < 0 || e <= s) {
            message.textContent = 'Start and end must be seconds with start < end.';
            return;
          }
          if (this.duration && e > this.duration + 0.5) {
            message.textContent = `End is past the clip's end (${formatSeconds(this.duration)}).`;
            return;
          }
          message.textContent = '';
          this.actions.editWindow(i, s, e);
        },
      });
      setDisabled(apply, this.readOnly);
      const label = document.createElement('span');
      label.textContent = `#${i + 1}`;
      form.append(label, start.element, document.createTextNode('–'), end.element, apply, message);
      section.append(form);
    });
    if (!detail.windows.length) {
      const p = document.createElement('p');
      p.textContent = 'This sample has no timestamp windows.';
      section.append(p);
    }
    const s = detail.sensitivity;
    if (s) {
      const p = document.createElement('p');
      p.className = s.insensitive ? 'sensitivity insensitive' : 'sensitivity';
      p.textContent = s.reason
        ? `Sensitivity: ${s.reason}`
        : [
            s.insensitive
              ? 'The text does not depend on its window (the window may be wrong).'
              : 'The text depends on its window.',
            s.shuffleDelta !== undefined ? `shuffle Δ ${formatNumber(s.shuffleDelta, 3)}` : '',
            s.insideMinusOutside !== undefined
              ? `inside − outside ${formatNumber(s.insideMinusOutside, 3)}`
              : '',
          ]
            .filter(Boolean)
            .join(' · ');
      section.append(p);
    }
    return section;
  }
}

/** "3 boxes: 2 motion, 1 OCR text" (or "no tracked boxes"). */
function boxSummary(boxes: readonly FrameBox[]): string {
  if (!boxes.length) return 'no tracked boxes';
  const counts = new Map<BoxSource, number>();
  for (const box of boxes) counts.set(box.source, (counts.get(box.source) ?? 0) + 1);
  const parts = [...counts].map(([source, n]) => `${n} ${SOURCE_NAMES[source]}`);
  return `${boxes.length} ${boxes.length === 1 ? 'box' : 'boxes'}: ${parts.join(', ')}`;
}
