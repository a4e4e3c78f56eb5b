// The board's logic, VS Code-free: turns the index, the analysis results and the journal into
// rows and details, and turns the annotator's actions into journal lines. The editor face only
// carries messages (src/vscode/boardPanel.ts); tests drive this class directly.
import type { AnalysisResults, ClipAnalysis, SampleAnalysis, TrackResult } from '../analysis/analysisTypes';
import { percentileRank, sortedFinite } from '../analysis/datasetPercentiles';
import type { Decision, DecisionEdits, DecisionInput } from '../curation/decision';
import type { DecisionJournal } from '../curation/decisionJournal';
import type { DatasetIndex } from '../dataset/indexDataset';
import type { Sample, Turn } from '../dataset/sample';
import { curatedSample } from '../export/curatedSample';
import { BOARD_PROTOCOL_VERSION, RowColumnsBuilder } from '../../protocol/board';
import type {
  BoardRow,
  BoardSettings,
  BoxSource,
  DialogueDetail,
  FrameBox,
  HostMessage,
  RowColumns,
  SampleDetail,
  WebviewMessage,
} from '../../protocol/board';
import { basename, relative } from 'node:path';
import { appendAll } from '../collections';

/** Maps a file on disk (filmstrip JPEG, poster) to a URI the webview may load. */
export type UriForFile = (path: string) => string;

const NOT_ANALYSED = 'not analysed yet: run Video Curator: Analyze Dataset';

/** Boxes sent per filmstrip frame at most (the highest-scoring observations), to keep `detail` small. */
export const MAX_BOXES_PER_FRAME = 48;

export class BoardSession {
  private generation = 0;
  private readonly samples = new Map<string, Sample>();
  private readonly clips = new Map<string, ClipAnalysis>();
  private readonly analyses = new Map<string, SampleAnalysis>();
  private tplSorted: number[] = [];
  /** Annotation file → its path relative to the dataset folder: path.relative per row is slow at 100k rows. */
  private readonly relativeSources = new Map<string, string>();
  private readonly posterUris = new Map<string, string>();
  /** Sample ids in the order verdicts were given in this session, for `undo`. */
  private readonly undoStack: string[] = [];
  private readonly rejectedDialogues = new Map<string, Set<string>>();
  /**
   * Per sample, per dialogue id: the edited turns this session appended to the conversation. The
   * journal keeps only the resulting `edits.turns` (its format has no place for "edited dialogue
   * X"), so a dialogue shows as 'edited' while this block is still in the conversation, and a
   * second edit replaces the block instead of appending another.
   */
  private readonly editedDialogues = new Map<string, Map<string, Turn[]>>();

  constructor(
    private index: DatasetIndex,
    private readonly journal: DecisionJournal,
    private readonly uriFor: UriForFile,
    results: AnalysisResults | undefined,
    private readonly settings: BoardSettings = {},
  ) {
    this.load(index, results);
  }

  /** New index or results (a re-index, an analysis run): the next `init` starts a new generation. */
  load(index: DatasetIndex, results: AnalysisResults | undefined): void {
    this.index = index;
    this.relativeSources.clear();
    this.posterUris.clear();
    this.samples.clear();
    for (const s of index.samples) this.samples.set(s.id, s);
    this.clips.clear();
    for (const c of results?.clips ?? []) this.clips.set(c.video, c);
    this.analyses.clear();
    for (const a of results?.samples ?? []) this.analyses.set(a.sampleId, a);
    this.tplSorted = sortedFinite([...this.analyses.values()].map((a) => a.tpl.tpl));
  }

  /** One clip's analysis, as it arrives during a run (rows then show its signals and poster). */
  addClip(clip: ClipAnalysis): void {
    this.clips.set(clip.video, clip);
  }

  init(): HostMessage {
    this.generation++;
    return {
      type: 'init',
      protocolVersion: BOARD_PROTOCOL_VERSION,
      generation: this.generation,
      samples: this.columns(this.index.samples),
      settings: this.settings,
    };
  }

  /** Rows for some samples, e.g. after verdicts or as analysis results stream in. */
  rowsUpdated(ids: Iterable<string>): HostMessage {
    const samples: Sample[] = [];
    for (const id of ids) {
      const sample = this.samples.get(id);
      if (sample) samples.push(sample);
    }
    return { type: 'rowsUpdated', generation: this.generation, rows: this.columns(samples) };
  }

  /** Answers one validated webview message; returns what to send back. */
  async handle(message: WebviewMessage): Promise<HostMessage[]> {
    switch (message.type) {
      case 'ready':
        if (message.protocolVersion !== BOARD_PROTOCOL_VERSION) {
          this.generation++;
          return [
            {
              type: 'init',
              protocolVersion: BOARD_PROTOCOL_VERSION,
              generation: this.generation,
              samples: new RowColumnsBuilder().build(),
              settings: this.settings,
            },
            {
              type: 'notice',
              level: 'error',
              message: `The board speaks protocol ${message.protocolVersion}; this extension speaks ${BOARD_PROTOCOL_VERSION}. Reload the window.`,
            },
          ];
        }
        return [this.init()];
      case 'select':
      case 'requestDetail':
        return [this.detailMessage(message.sampleId)];
      case 'verdict': {
        if (this.settings.readOnly) return [readOnlyNotice()];
        const ids = message.sampleIds.filter((id) => this.samples.has(id));
        // A multi-select verdict is one journal write and one fsync.
        await this.journal.recordMany(
          ids.map((id) => {
            const previous = this.journal.latest(id);
            return {
              sampleId: id,
              verdict: message.verdict,
              // An accepted edit stays an edit; its corrected text is kept.
              ...(message.verdict === 'accept' && previous?.edits
                ? { verdict: 'edit' as const, edits: previous.edits }
                : {}),
              ...(previous?.acceptedDialogues?.length
                ? { acceptedDialogues: previous.acceptedDialogues }
                : {}),
            };
          }),
        );
        appendAll(this.undoStack, ids);
        return [this.rowsUpdated(ids)];
      }
      case 'undo': {
        const id = this.undoStack.pop();
        if (!id) return [{ type: 'notice', level: 'info', message: 'Nothing to undo in this session.' }];
        await this.journal.undo(id);
        return [this.rowsUpdated([id]), this.detailMessage(id)];
      }
      case 'editTurns': {
        if (this.settings.readOnly) return [readOnlyNotice()];
        if (!this.samples.has(message.sampleId)) return [];
        await this.recordEdit(message.sampleId, { turns: message.turns });
        return [this.rowsUpdated([message.sampleId]), this.detailMessage(message.sampleId)];
      }
      case 'editWindow': {
        if (this.settings.readOnly) return [readOnlyNotice()];
        const sample = this.samples.get(message.sampleId);
        if (!sample) return [];
        const previous = this.journal.latest(sample.id);
        const windows = [...(previous?.edits?.windows ?? sample.windows ?? [])];
        const at = message.index ?? 0;
        if (at > windows.length)
          return [
            { type: 'notice', level: 'warning', message: `Sample ${sample.id} has no window ${at + 1}.` },
          ];
        windows[at] = { start: message.start, end: message.end };
        await this.recordEdit(sample.id, { windows });
        return [this.rowsUpdated([sample.id]), this.detailMessage(sample.id)];
      }
      case 'dialogue': {
        if (this.settings.readOnly) return [readOnlyNotice()];
        if (!this.samples.has(message.sampleId)) return [];
        const previous = this.journal.latest(message.sampleId);
        const accepted = new Set(previous?.acceptedDialogues ?? []);
        const rejected = this.rejectedDialogues.get(message.sampleId) ?? new Set<string>();
        if (message.action === 'accept') {
          accepted.add(message.dialogueId);
          rejected.delete(message.dialogueId);
        } else {
          accepted.delete(message.dialogueId);
          rejected.add(message.dialogueId);
        }
        this.rejectedDialogues.set(message.sampleId, rejected);
        // Accepting (as generated) or rejecting an edited dialogue takes its edited turns back out.
        let edits = previous?.edits;
        const turns = edits?.turns;
        const block = this.editedDialogues.get(message.sampleId)?.get(message.dialogueId);
        const at = turns && block ? findBlock(turns, block) : -1;
        if (turns && block && at >= 0)
          edits = { ...edits, turns: [...turns.slice(0, at), ...turns.slice(at + block.length)] };
        this.editedDialogues.get(message.sampleId)?.delete(message.dialogueId);
        await this.record({
          sampleId: message.sampleId,
          verdict: previous?.verdict ?? 'pending',
          ...(edits ? { edits } : {}),
          acceptedDialogues: [...accepted].sort(),
        });
        return [this.rowsUpdated([message.sampleId]), this.detailMessage(message.sampleId)];
      }
      case 'editDialogue': {
        if (this.settings.readOnly) return [readOnlyNotice()];
        const sample = this.samples.get(message.sampleId);
        if (!sample) return [];
        const clip = sample.video ? this.clips.get(sample.video) : undefined;
        if (!clip?.dialogues.some((d) => d.id === message.dialogueId))
          return [
            {
              type: 'notice',
              level: 'warning',
              message: `Sample ${sample.id} has no generated dialogue ${message.dialogueId}; re-run Video Curator: Analyze Dataset.`,
            },
          ];
        await this.recordDialogueEdit(sample, message.dialogueId, message.turns);
        return [this.rowsUpdated([sample.id]), this.detailMessage(sample.id)];
      }
      case 'visibleRange':
        return [];
    }
  }

  /** Selects and scrolls the board to a sample. */
  reveal(sampleId: string): HostMessage {
    return { type: 'reveal', generation: this.generation, sampleId };
  }

  /** The next sample without a verdict after `afterId` (wrapping), for "Next Unreviewed Sample". */
  nextUnreviewed(afterId?: string): string | undefined {
    const ids = this.index.samples.map((s) => s.id);
    const start = afterId ? ids.indexOf(afterId) + 1 : 0;
    for (let k = 0; k < ids.length; k++) {
      const id = ids[(start + k) % ids.length];
      const verdict = this.journal.latest(id)?.verdict;
      if (!verdict || verdict === 'pending') return id;
    }
    return undefined;
  }

  private async recordEdit(sampleId: string, edits: DecisionEdits): Promise<void> {
    const previous = this.journal.latest(sampleId);
    await this.record({
      sampleId,
      verdict: 'edit',
      edits: { ...previous?.edits, ...edits },
      ...(previous?.acceptedDialogues?.length ? { acceptedDialogues: previous.acceptedDialogues } : {}),
    });
  }

  /**
   * An edited generated dialogue is recorded as an edit of the sample's conversation: its turns
   * (without a <video> token: the conversation has one already) are appended to the current
   * conversation (edits.turns), and its id is taken out of acceptedDialogues, so export writes the
   * edited turns once and never the generated ones. The verdict becomes 'edit' (the journal only
   * allows edits with it): the sample is kept with corrected text, as with any other edit.
   */
  private async recordDialogueEdit(sample: Sample, dialogueId: string, edited: Turn[]): Promise<void> {
    const previous = this.journal.latest(sample.id);
    // The conversation export would write today, without appended accepted dialogues.
    const current = curatedSample(
      sample,
      previous ? { ...previous, acceptedDialogues: [] } : undefined,
    ).turns;
    const block = edited.map((t) => ({ role: t.role, text: t.text.replace(/<video>\s*/g, '') }));
    const before = this.editedDialogues.get(sample.id)?.get(dialogueId);
    const at = before ? findBlock(current, before) : -1;
    const turns =
      before && at >= 0
        ? [...current.slice(0, at), ...block, ...current.slice(at + before.length)]
        : [...current, ...block];
    const accepted = (previous?.acceptedDialogues ?? []).filter((id) => id !== dialogueId);
    this.rejectedDialogues.get(sample.id)?.delete(dialogueId);
    await this.record({
      sampleId: sample.id,
      verdict: 'edit',
      edits: { ...previous?.edits, turns },
      ...(accepted.length ? { acceptedDialogues: accepted } : {}),
    });
    const edits = this.editedDialogues.get(sample.id) ?? new Map<string, Turn[]>();
    edits.set(dialogueId, block);
    this.editedDialogues.set(sample.id, edits);
  }

  private async record(input: DecisionInput): Promise<Decision> {
    const decision = await this.journal.record(input);
    this.undoStack.push(input.sampleId);
    return decision;
  }

  private columns(samples: readonly Sample[]): RowColumns {
    const builder = new RowColumnsBuilder();
    for (const sample of samples) this.addRow(builder, sample);
    return builder.build();
  }

  private addRow(builder: RowColumnsBuilder, sample: Sample): void {
    const analysis = this.analyses.get(sample.id);
    const clip = sample.video ? this.clips.get(sample.video) : undefined;
    const decision = this.journal.latest(sample.id);
    const tpl = analysis?.tpl.tpl;
    const poster = clip?.poster ?? clip?.filmstrip[Math.floor(clip.filmstrip.length / 2)]?.file;
    // Built field by field (no spreads): 100k rows per init. The source goes as file and line.
    const row = {
      id: sample.id,
      video: sample.videoRef ?? (sample.video ? basename(sample.video) : ''),
    } as Omit<BoardRow, 'source'>;
    if (clip) row.duration = clip.duration;
    if (tpl !== undefined) {
      row.tpl = tpl;
      row.tplPercentile = Math.round(100 * percentileRank(tpl, this.tplSorted));
    } else row.tplReason = analysis?.tpl.reason ?? NOT_ANALYSED;
    if (clip) {
      row.dynamics = clip.signals.dynamics;
      row.density = clip.signals.density;
    }
    row.flags = analysis?.flags ?? [];
    row.verdict = decision?.verdict ?? 'pending';
    if (poster) row.posterUri = this.posterUri(poster);
    builder.addRow(row, this.relativeSource(sample.source.file), sample.source.line);
  }

  /** Poster URIs per file: a clip's few hundred samples share one poster (asWebviewUri once). */
  private posterUri(file: string): string {
    let uri = this.posterUris.get(file);
    if (uri === undefined) this.posterUris.set(file, (uri = this.uriFor(file)));
    return uri;
  }

  private relativeSource(file: string): string {
    let found = this.relativeSources.get(file);
    if (found === undefined) this.relativeSources.set(file, (found = relative(this.index.folder, file)));
    return found;
  }

  private detailMessage(sampleId: string): HostMessage {
    const sample = this.samples.get(sampleId);
    if (!sample)
      return { type: 'detailError', generation: this.generation, sampleId, message: `no sample ${sampleId}` };
    return { type: 'detail', generation: this.generation, sampleId, detail: this.detail(sample) };
  }

  private detail(sample: Sample): SampleDetail {
    const analysis = this.analyses.get(sample.id);
    const clip = sample.video ? this.clips.get(sample.video) : undefined;
    const decision = this.journal.latest(sample.id);
    const keyframes = analysis?.keyframes ?? clip?.keyframes;
    const pickTimes = (keyframes?.picks ?? []).map((i) => keyframes!.candidates[i].time);
    const nearestPick = (time: number): boolean =>
      pickTimes.some(
        (t) => Math.abs(t - time) <= (clip ? clip.duration / Math.max(1, clip.filmstrip.length) / 2 : 0),
      );
    const accepted = new Set(decision?.acceptedDialogues ?? []);
    const rejected = this.rejectedDialogues.get(sample.id) ?? new Set<string>();
    const profile = analysis?.tpl.profile;
    const best = profile?.length ? profile.reduce((a, b) => (b.nll < a.nll ? b : a)).frame.index : undefined;
    const filmstrip = clip?.filmstrip ?? [];
    const boxes = clip?.tracks
      ? filmstripBoxes(
          filmstrip.map((f) => f.frame.time),
          clip.tracks,
        )
      : [];
    const edited = this.editedDialogues.get(sample.id);
    const conversation = decision?.edits?.turns;
    const editedTurns = (id: string): Turn[] | undefined => {
      const block = edited?.get(id);
      return block && conversation && findBlock(conversation, block) >= 0 ? block : undefined;
    };
    return {
      filmstrip: filmstrip.map((f, i) => ({
        uri: this.uriFor(f.file),
        time: f.frame.time,
        index: f.frame.index,
        isKeyframe: nearestPick(f.frame.time),
        ...(boxes[i]?.length ? { boxes: boxes[i] } : {}),
      })),
      scores: (keyframes?.candidates ?? []).map((c) => ({ time: c.time, score: c.score })),
      turns: decision?.edits?.turns ?? sample.turns,
      tpl: {
        ...(analysis?.tpl.tpl !== undefined
          ? { value: analysis.tpl.tpl }
          : { reason: analysis?.tpl.reason ?? 'not analysed yet' }),
        ...(analysis?.tpl.nllFull !== undefined ? { nllFull: analysis.tpl.nllFull } : {}),
        ...(analysis?.tpl.nllSingle !== undefined ? { nllSingle: analysis.tpl.nllSingle } : {}),
        ...(best !== undefined ? { bestFrame: best } : {}),
      },
      dialogues: (clip?.dialogues ?? []).map((d): DialogueDetail => {
        const turns = editedTurns(d.id);
        return {
          id: d.id,
          kind: d.kind,
          turns: turns ? (turns as DialogueDetail['turns']) : d.turns,
          confidence: d.confidence,
          evidence: {
            frames: d.evidence.frames.map((f) => f.index),
            times: d.evidence.frames.map((f) => f.time),
            ...(d.evidence.span ? { span: d.evidence.span } : {}),
          },
          state: turns
            ? 'edited'
            : accepted.has(d.id)
              ? 'accepted'
              : rejected.has(d.id)
                ? 'rejected'
                : 'pending',
        };
      }),
      windows: decision?.edits?.windows ?? sample.windows ?? [],
      ...(analysis?.sensitivity
        ? {
            sensitivity: {
              ...(analysis.sensitivity.shuffleDelta !== undefined
                ? { shuffleDelta: analysis.sensitivity.shuffleDelta }
                : {}),
              ...(analysis.sensitivity.insideMinusOutside !== undefined
                ? { insideMinusOutside: analysis.sensitivity.insideMinusOutside }
                : {}),
              ...(analysis.sensitivity.insensitive !== undefined
                ? { insensitive: analysis.sensitivity.insensitive }
                : {}),
              ...(analysis.sensitivity.reason ? { reason: analysis.sensitivity.reason } : {}),
            },
          }
        : {}),
    };
  }
}

/** Where `block` occurs in `turns` (the last occurrence), or -1. */
function findBlock(turns: readonly Turn[], block: readonly Turn[]): number {
  if (!block.length) return -1;
  for (let at = turns.length - block.length; at >= 0; at--)
    if (block.every((t, k) => turns[at + k].role === t.role && turns[at + k].text === t.text)) return at;
  return -1;
}

const BOX_SOURCES: readonly BoxSource[] = ['motion', 'ocr', 'detector'];

/**
 * Per filmstrip frame (by time), each track's observation nearest in time, as a box normalised to
 * the analysis frame size. An observation counts when it is within half the larger of the
 * filmstrip spacing and the analysis step: a filmstrip denser than the analysed frames still shows
 * the nearest analysed boxes, a sparser one only what was seen around each of its frames. Each box
 * carries its observation's frame and time, so an offset between the two stays visible.
 */
export function filmstripBoxes(times: readonly number[], tracks: TrackResult): FrameBox[][] {
  const { width, height } = tracks;
  if (!(width > 0) || !(height > 0) || !times.length) return times.map(() => []);
  const byTrack = tracks.tracks
    .map((track) => ({
      track,
      observations: [...track.observations].sort((a, b) => a.frame.time - b.frame.time),
    }))
    .filter((t) => t.observations.length > 0);
  const tolerance =
    Math.max(
      smallestGap(times),
      smallestGap(byTrack.flatMap((t) => t.observations.map((o) => o.frame.time))),
    ) / 2;
  const clamp = (v: number) => Math.min(1, Math.max(0, Math.round(v * 10_000) / 10_000));
  return times.map((time) => {
    const found: { box: FrameBox; score: number }[] = [];
    for (const { track, observations } of byTrack) {
      const o = nearestInTime(observations, time);
      if (!o || Math.abs(o.frame.time - time) > tolerance + 1e-9) continue;
      const [ax, ay, bx, by] = o.box;
      const source: BoxSource = BOX_SOURCES.find((s) => s === track.source) ?? 'other';
      const label =
        source === 'ocr'
          ? (o.text ?? track.text ?? '')
          : (o.label ?? track.label ?? o.text ?? track.text ?? `${track.source} #${track.id}`);
      found.push({
        score: o.score,
        box: {
          x0: clamp(Math.min(ax, bx) / width),
          y0: clamp(Math.min(ay, by) / height),
          x1: clamp(Math.max(ax, bx) / width),
          y1: clamp(Math.max(ay, by) / height),
          source,
          label,
          track: track.id,
          frame: o.frame.index,
          time: o.frame.time,
        },
      });
    }
    return found
      .sort((a, b) => b.score - a.score || a.box.track - b.box.track)
      .slice(0, MAX_BOXES_PER_FRAME)
      .map((f) => f.box)
      .sort((a, b) => a.track - b.track);
  });
}

/** The smallest positive gap between distinct times (the sampling step), 0 when there is none. */
function smallestGap(times: readonly number[]): number {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++) gap = Math.min(gap, sorted[i] - sorted[i - 1]);
  return Number.isFinite(gap) ? gap : 0;
}

/** The element of `sorted` (ascending by frame time) nearest to `time`; the earlier one on a tie. */
function nearestInTime<T extends { frame: { time: number } }>(
  sorted: readonly T[],
  time: number,
): T | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].frame.time < time) lo = mid + 1;
    else hi = mid;
  }
  const after = sorted[lo];
  const before = sorted[lo - 1];
  if (!before) return after;
  if (!after) return before;
  return time - before.frame.time <= after.frame.time - time ? before : after;
}

function readOnlyNotice(): HostMessage {
  return {
    type: 'notice',
    level: 'warning',
    message: 'This workspace is not trusted: the board is read-only.',
  };
}
