// The board's logic, VS Code-free: turns the index, the analysis results and the journal into
// rows and details, and turns the annotator's actions into journal lines. The editor face only
// carries messages (src/vscode/boardPanel.ts); tests drive this class directly.
import type { AnalysisResults, ClipAnalysis, SampleAnalysis } from '../analysis/analysisTypes';
import { percentileRank, sortedFinite } from '../analysis/datasetPercentiles';
import type { Decision, DecisionEdits, DecisionInput } from '../curation/decision';
import type { DecisionJournal } from '../curation/decisionJournal';
import type { DatasetIndex } from '../dataset/indexDataset';
import type { Sample } from '../dataset/sample';
import { BOARD_PROTOCOL_VERSION } from '../../protocol/board';
import type {
  BoardRow,
  BoardSettings,
  HostMessage,
  SampleDetail,
  WebviewMessage,
} from '../../protocol/board';
import { basename, relative } from 'node:path';

/** Maps a file on disk (filmstrip JPEG, poster) to a URI the webview may load. */
export type UriForFile = (path: string) => string;

export class BoardSession {
  private generation = 0;
  private readonly samples = new Map<string, Sample>();
  private readonly clips = new Map<string, ClipAnalysis>();
  private readonly analyses = new Map<string, SampleAnalysis>();
  private tplSorted: number[] = [];
  /** Sample ids in the order verdicts were given in this session, for `undo`. */
  private readonly undoStack: string[] = [];
  private readonly rejectedDialogues = new Map<string, Set<string>>();

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
    this.samples.clear();
    for (const s of index.samples) this.samples.set(s.id, s);
    this.clips.clear();
    for (const c of results?.clips ?? []) this.clips.set(c.video, c);
    this.analyses.clear();
    for (const a of results?.samples ?? []) this.analyses.set(a.sampleId, a);
    this.tplSorted = sortedFinite([...this.analyses.values()].map((a) => a.tpl.tpl));
  }

  init(): HostMessage {
    this.generation++;
    return {
      type: 'init',
      protocolVersion: BOARD_PROTOCOL_VERSION,
      generation: this.generation,
      samples: this.index.samples.map((s) => this.row(s)),
      settings: this.settings,
    };
  }

  /** Rows for some samples, e.g. after verdicts or as analysis results stream in. */
  rowsUpdated(ids: Iterable<string>): HostMessage {
    const rows: BoardRow[] = [];
    for (const id of ids) {
      const sample = this.samples.get(id);
      if (sample) rows.push(this.row(sample));
    }
    return { type: 'rowsUpdated', generation: this.generation, rows };
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
              samples: [],
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
        for (const id of ids) {
          const previous = this.journal.latest(id);
          await this.record({
            sampleId: id,
            verdict: message.verdict,
            // An accepted edit stays an edit; its corrected text is kept.
            ...(message.verdict === 'accept' && previous?.edits
              ? { verdict: 'edit' as const, edits: previous.edits }
              : {}),
            ...(previous?.acceptedDialogues?.length ? { acceptedDialogues: previous.acceptedDialogues } : {}),
          });
        }
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
        await this.record({
          sampleId: message.sampleId,
          verdict: previous?.verdict ?? 'pending',
          ...(previous?.edits ? { edits: previous.edits } : {}),
          acceptedDialogues: [...accepted].sort(),
        });
        return [this.rowsUpdated([message.sampleId]), this.detailMessage(message.sampleId)];
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

  private async record(input: DecisionInput): Promise<Decision> {
    const decision = await this.journal.record(input);
    this.undoStack.push(input.sampleId);
    return decision;
  }

  private row(sample: Sample): BoardRow {
    const analysis = this.analyses.get(sample.id);
    const clip = sample.video ? this.clips.get(sample.video) : undefined;
    const decision = this.journal.latest(sample.id);
    const tpl = analysis?.tpl.tpl;
    const poster = clip?.poster ?? clip?.filmstrip[Math.floor(clip.filmstrip.length / 2)]?.file;
    return {
      id: sample.id,
      source: `${relative(this.index.folder, sample.source.file)}:${sample.source.line}`,
      video: sample.videoRef ?? (sample.video ? basename(sample.video) : ''),
      ...(clip ? { duration: clip.duration } : {}),
      ...(tpl !== undefined
        ? { tpl, tplPercentile: Math.round(100 * percentileRank(tpl, this.tplSorted)) }
        : { tplReason: analysis?.tpl.reason ?? 'not analysed yet: run Video Curator: Analyze Dataset' }),
      ...(clip ? { dynamics: clip.signals.dynamics, density: clip.signals.density } : {}),
      flags: analysis?.flags ?? [],
      verdict: decision?.verdict ?? 'pending',
      ...(poster ? { posterUri: this.uriFor(poster) } : {}),
    };
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
    return {
      filmstrip: (clip?.filmstrip ?? []).map((f) => ({
        uri: this.uriFor(f.file),
        time: f.frame.time,
        index: f.frame.index,
        isKeyframe: nearestPick(f.frame.time),
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
      dialogues: (clip?.dialogues ?? []).map((d) => ({
        id: d.id,
        kind: d.kind,
        turns: d.turns,
        confidence: d.confidence,
        evidence: {
          frames: d.evidence.frames.map((f) => f.index),
          times: d.evidence.frames.map((f) => f.time),
          ...(d.evidence.span ? { span: d.evidence.span } : {}),
        },
        state: accepted.has(d.id) ? 'accepted' : rejected.has(d.id) ? 'rejected' : 'pending',
      })),
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

function readOnlyNotice(): HostMessage {
  return {
    type: 'notice',
    level: 'warning',
    message: 'This workspace is not trusted: the board is read-only.',
  };
}
