// Every command the extension contributes (category "Video Curator"). Thin: each one asks the
// Curator (state + services) or the board to do the work and reports the outcome.
import * as vscode from 'vscode';
import { analysisProblems } from '../core/analysis/analysisProblems';
import { DEVICE_SETTINGS } from '../core/inference/deviceSetting';
import { MediaCache } from '../core/media/mediaCache';
import { summarizeIndex } from '../core/dataset/indexSummary';
import { exportDataset } from '../core/export/exportDataset';
import type { ExportFormat } from '../core/export/exportDataset';
import { BoardPanel } from './boardPanel';
import type { BoardAction } from '../protocol/board';
import type { Curator } from './curator';
import { pickDatasetFolder } from './datasetFolder';
import { manageModels } from './manageModels';
import { publishProblems } from './problemDiagnostics';
import { readSettings } from './settings';
import { pushTo } from '../core/collections';

export interface CommandServices {
  output: vscode.OutputChannel;
  diagnostics: vscode.DiagnosticCollection;
  curatorFor: (folder: string) => Curator;
}

export function registerCommands(context: vscode.ExtensionContext, services: CommandServices): void {
  const register = (id: string, handler: (...args: unknown[]) => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await handler(...args);
        } catch (error) {
          if (error instanceof vscode.CancellationError || (error as Error).name === 'AbortError') return;
          services.output.appendLine(`[error] ${id}: ${(error as Error).stack ?? String(error)}`);
          void vscode.window
            .showErrorMessage(`Video Curator: ${(error as Error).message}`, 'Show Log')
            .then((choice) => {
              if (choice) services.output.show();
            });
        }
      }),
    );
  };

  const curator = async (): Promise<Curator | undefined> => {
    const folder = await pickDatasetFolder();
    return folder ? services.curatorFor(folder.fsPath) : undefined;
  };

  /**
   * The curator with an index. `fresh`: index again (Index, Analyze, Open Board, Export); quick
   * actions on one sample reuse the index already loaded instead of re-reading the whole dataset.
   */
  const loaded = async (fresh = true): Promise<Curator | undefined> => {
    const c = await curator();
    if (!c) return undefined;
    if (!fresh && c.index && c.journal) {
      await c.journal.refresh();
      return c;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Video Curator: indexing', cancellable: true },
      async (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const index = await c.load(controller.signal);
        publishProblems(services.diagnostics, [
          ...index.problems,
          ...(c.results ? analysisProblems(index, c.results) : []),
        ]);
      },
    );
    return c;
  };

  /** The sample whose record holds the cursor, when an annotation file is the active editor. */
  const sampleUnderCursor = async (): Promise<string | undefined> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme !== 'file') return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
    const c = folder ? services.curatorFor(folder.uri.fsPath) : undefined;
    if (!c) return undefined;
    if (!c.index) await c.load();
    const line = editor.selection.active.line + 1;
    const file = editor.document.uri.fsPath;
    return c.index?.samples.find(
      (s) => s.source.file === file && s.source.line <= line && line <= (s.source.endLine ?? s.source.line),
    )?.id;
  };

  const board = (): BoardPanel => {
    const panel = BoardPanel.active;
    if (!panel) throw new Error('Open the curation board first (Video Curator: Open Curation Board).');
    return panel;
  };

  /** Boards whose verdicts already update the status bar (one listener per board). */
  const watched = new WeakSet<BoardPanel>();
  const openBoard = async (): Promise<BoardPanel | undefined> => {
    const c = await loaded();
    if (!c?.index || !c.journal) return undefined;
    const panel = BoardPanel.show(
      context.extensionUri,
      {
        index: c.index,
        results: c.results,
        journal: c.journal,
        cacheRoot: c.cacheRoot,
        readOnly: !vscode.workspace.isTrusted,
      },
      services.output,
    );
    if (!watched.has(panel)) {
      watched.add(panel);
      context.subscriptions.push(panel.onDidRecord.event(() => c.onDidChange.fire()));
    }
    return panel;
  };

  register('videoCurator.openBoard', openBoard);

  register('videoCurator.indexDataset', async () => {
    const c = await loaded();
    if (!c?.index) return;
    const t = summarizeIndex(c.index).totals;
    void vscode.window.showInformationMessage(
      `Video Curator: ${t.samples} samples in ${t.annotationFiles} annotation files; ` +
        `${t.problemsBySeverity.error} errors, ${t.problemsBySeverity.warning} warnings.`,
    );
  });

  const analyze = async (only?: ReadonlySet<string>): Promise<void> => {
    const c = await loaded();
    if (!c?.index) return;
    const idsByVideo = new Map<string, string[]>();
    for (const sample of c.index.samples) {
      if (sample.video) pushTo(idsByVideo, sample.video, sample.id);
    }
    // Clips taken from the cache (a re-run, or one resumed after a crash) and clips run now.
    let clipsReused = 0;
    let clipsRun = 0;
    const results = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: 'Video Curator: analysing',
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        // Cancelling aborts the signal every ffmpeg process and inference request listens to.
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return c.analyze({
          ...(only ? { only } : {}),
          signal: controller.signal,
          onClip: (clip) => void BoardPanel.active?.addClip(clip, idsByVideo.get(clip.video) ?? []),
          prioritize: () => BoardPanel.active?.visibleSampleIds ?? new Set(),
          onProgress: (p) => {
            if (p.stage === 'clips') {
              if (p.cached) clipsReused++;
              else clipsRun++;
            }
            const share =
              Math.round((100 * p.done) / Math.max(1, p.total)) / 2 + (p.stage === 'samples' ? 50 : 0);
            const eta = p.etaSeconds === undefined ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
            progress.report({
              message: `${p.stage} ${p.done}/${p.total}${eta}`,
              increment: share - reported,
            });
            reported = share;
          },
        });
      },
    );
    // The same counts as the CLI's analysis.cache (a failed clip is run, never cached).
    const clipsAnalysed = clipsRun - results.failures.length;
    services.output.appendLine(
      `[analysis] ${clipsReused + clipsAnalysed} clips: ${clipsReused} reused from the cache, ` +
        `${clipsAnalysed} analysed; ${results.failures.length} could not be read`,
    );
    BoardPanel.active?.refresh(c.index, results);
    publishProblems(services.diagnostics, [...c.index.problems, ...analysisProblems(c.index, results)]);
    const failed = results.failures.length
      ? `; ${results.failures.length} clips could not be read (see Problems)`
      : '';
    void vscode.window.showInformationMessage(
      `Video Curator: analysed ${results.clips.length} clips and ${results.samples.length} samples${failed}.`,
    );
  };
  register('videoCurator.analyzeDataset', () => analyze());
  register('videoCurator.analyzeSelected', async () => {
    const id = board().selectedSampleId;
    if (!id) throw new Error('Select a sample on the board first.');
    await analyze(new Set([id]));
  });

  const verdict = (value: 'accept' | 'reject') => async (sampleId?: unknown) => {
    const panel = BoardPanel.active;
    const id =
      typeof sampleId === 'string' ? sampleId : ((await sampleUnderCursor()) ?? panel?.selectedSampleId);
    if (!id) throw new Error('Select a sample on the board first (or use the quick fix on its problem).');
    if (panel) {
      await panel.act({ type: 'verdict', sampleIds: [id], verdict: value });
      return;
    }
    // From a quick fix with no board open: straight to the journal.
    const c = await loaded(false);
    if (!c?.journal) return;
    await c.journal.record({ sampleId: id, verdict: value });
    c.onDidChange.fire();
    void vscode.window.showInformationMessage(
      `Video Curator: ${id} ${value === 'accept' ? 'accepted' : 'rejected'}.`,
    );
  };
  register('videoCurator.acceptSample', verdict('accept'));
  register('videoCurator.rejectSample', verdict('reject'));

  register('videoCurator.nextUnreviewed', async () => {
    const panel = BoardPanel.active ?? (await openBoard());
    if (!panel) return;
    const next = panel.nextUnreviewed();
    if (!next) {
      void vscode.window.showInformationMessage('Video Curator: every sample has a verdict.');
      return;
    }
    await panel.reveal(next);
  });

  /** Records new turns for a sample, through the board when it is open (so it updates), else the journal. */
  const recordTurns = async (
    c: Curator,
    sampleId: string,
    turns: { role: 'human' | 'gpt' | 'system'; text: string }[],
  ) => {
    const panel = BoardPanel.active;
    if (panel) return panel.act({ type: 'editTurns', sampleId, turns });
    const previous = c.journal?.latest(sampleId);
    await c.journal?.record({ sampleId, verdict: 'edit', edits: { ...previous?.edits, turns } });
    c.onDidChange.fire();
  };

  register('videoCurator.relabelSample', async (sampleId?: unknown) => {
    const id =
      typeof sampleId === 'string'
        ? sampleId
        : ((await sampleUnderCursor()) ?? BoardPanel.active?.selectedSampleId);
    if (!id) throw new Error('Select a sample on the board first (or use the quick fix on its problem).');
    const c = await loaded(false);
    const sample = c?.index?.samples.find((s) => s.id === id);
    if (!c || !sample) throw new Error(`no sample ${id}`);
    const clip = c.results?.clips.find((x) => x.video === sample.video);
    type Pick = vscode.QuickPickItem & { turns?: { role: 'human' | 'gpt'; text: string }[] };
    const picks: Pick[] = [
      ...(clip?.dialogues ?? []).map((d) => ({
        label: d.turns[0].text.replace(/<video>\s*/g, ''),
        description:
          d.kind === 'description' ? 'VLM caption' : `${d.kind}, confidence ${d.confidence.toFixed(2)}`,
        detail: d.turns[1]?.text,
        turns: d.turns,
      })),
      { label: '$(edit) Type your own answer…', alwaysShow: true },
    ];
    const picked = await vscode.window.showQuickPick(picks, {
      title: `Relabel ${id}`,
      placeHolder: clip
        ? 'Replace the conversation with a generated dialogue, or type your own answer'
        : 'Analyse the dataset to get generated dialogues',
      matchOnDetail: true,
    });
    if (!picked) return;
    if (picked.turns) {
      await recordTurns(c, id, picked.turns);
      return;
    }
    const text = await vscode.window.showInputBox({
      title: `Relabel ${id}`,
      prompt: 'New answer (the last assistant turn); recorded in the journal as an edit',
    });
    if (text === undefined) return;
    const turns = [...sample.turns];
    const last = turns.map((t) => t.role).lastIndexOf('gpt');
    const previous = last >= 0 ? turns[last].text : undefined;
    if (last >= 0) turns[last] = { role: 'gpt', text };
    else turns.push({ role: 'gpt', text });
    await recordTurns(c, id, turns);
    if (previous === undefined) return;
    const apply = await vscode.window.showInformationMessage(
      `Relabelled ${id} in the journal. Also change the annotation file?`,
      'Apply to File',
    );
    if (apply) await applyAnswerToFile(sample.source, previous, text);
  });

  register('videoCurator.clampTimestamps', async (sampleId?: unknown) => {
    if (typeof sampleId !== 'string')
      throw new Error('Clamp Timestamps runs from the quick fix on a problem.');
    const c = await loaded(false);
    const sample = c?.index?.samples.find((s) => s.id === sampleId);
    if (!c?.journal || !sample) throw new Error(`no sample ${sampleId}`);
    const duration = c.results?.clips.find((x) => x.video === sample.video)?.duration ?? sample.duration;
    if (duration === undefined)
      throw new Error(`the duration of ${sampleId}'s video is unknown: analyse it first`);
    const windows = (sample.windows ?? []).map((w) => ({
      start: Math.min(w.start, duration),
      end: Math.min(w.end, duration),
    }));
    const panel = BoardPanel.active;
    if (panel) {
      for (const [index, w] of windows.entries())
        await panel.act({ type: 'editWindow', sampleId, start: w.start, end: w.end, index });
    } else {
      const previous = c.journal.latest(sampleId);
      await c.journal.record({ sampleId, verdict: 'edit', edits: { ...previous?.edits, windows } });
      c.onDidChange.fire();
    }
    void vscode.window.showInformationMessage(
      `Video Curator: ${sampleId} clamped to ${duration.toFixed(2)} s (recorded in the journal).`,
    );
  });

  register('videoCurator.relinkVideo', async (sampleId?: unknown, uri?: unknown, range?: unknown) => {
    if (typeof sampleId !== 'string' || !(uri instanceof vscode.Uri) || !(range instanceof vscode.Range)) {
      throw new Error('Relink Video runs from the quick fix on a missing-video problem.');
    }
    const c = await curator();
    const sample = c?.index?.samples.find((s) => s.id === sampleId);
    if (!c || !sample?.videoRef) throw new Error(`no sample ${sampleId} with a video reference`);
    const [chosen] =
      (await vscode.window.showOpenDialog({
        title: `Video for ${sampleId} (was "${sample.videoRef}")`,
        canSelectMany: false,
        filters: { Videos: ['mp4', 'm4v', 'mov', 'mkv', 'webm', 'avi', 'mpg', 'mpeg', 'ts', 'flv', 'wmv'] },
        defaultUri: vscode.Uri.file(c.folder),
      })) ?? [];
    if (!chosen) return;
    const document = await vscode.workspace.openTextDocument(uri);
    const lines = new vscode.Range(
      range.start.line,
      0,
      range.end.line,
      document.lineAt(range.end.line).text.length,
    );
    const text = document.getText(lines);
    const at = text.indexOf(sample.videoRef);
    if (at < 0)
      throw new Error(`"${sample.videoRef}" is not written literally in the record; edit the file by hand`);
    const relative = vscode.workspace.asRelativePath(chosen, false);
    const start = document.positionAt(document.offsetAt(lines.start) + at);
    const edit = new vscode.WorkspaceEdit();
    // An undoable edit of the annotation file, which the user chose explicitly.
    edit.replace(
      uri,
      new vscode.Range(start, start.translate(0, sample.videoRef.length)),
      relative.replace(/\\/g, '/'),
    );
    if (await vscode.workspace.applyEdit(edit)) {
      void vscode.window.showInformationMessage(
        `Video Curator: relinked ${sampleId} to ${relative} (Undo reverts it; save to keep it).`,
      );
    }
  });

  register('videoCurator.exportCurated', async () => {
    const picked = await vscode.window.showQuickPick(
      [
        {
          label: 'LLaVA JSONL',
          description: 'one conversation per line with the <video> token',
          format: 'llava-jsonl' as ExportFormat,
        },
        {
          label: 'Source formats',
          description: 'Charades-STA, ActivityNet, grounding JSONL kept in their own format',
          format: 'source' as ExportFormat,
        },
      ],
      { placeHolder: 'Export format' },
    );
    if (!picked) return;
    const c = await loaded();
    if (!c?.index || !c.journal) return;
    const dialogues = (sampleId: string, dialogueId: string) => {
      const sample = c.index?.samples.find((s) => s.id === sampleId);
      const clip = c.results?.clips.find((x) => x.video === sample?.video);
      return clip?.dialogues.find((d) => d.id === dialogueId)?.turns;
    };
    const report = await exportDataset(c.index, c.journal.all(), { format: picked.format, dialogues });
    services.output.appendLine(`[export] ${JSON.stringify(report.outputs)} report: ${report.reportPath}`);
    const choice = await vscode.window.showInformationMessage(
      `Video Curator: exported ${report.exported} samples.`,
      'Open Export',
    );
    if (choice && report.outputs[0])
      await vscode.window.showTextDocument(vscode.Uri.file(report.outputs[0].path));
  });

  register('videoCurator.selectDevice', async () => {
    const current = vscode.workspace.getConfiguration('videoCurator').get<string>('inference.device');
    const picked = await vscode.window.showQuickPick(
      DEVICE_SETTINGS.map((d) => ({ label: d, description: d === current ? 'current' : '' })),
      { placeHolder: 'Where should models run?' },
    );
    if (!picked) return;
    await vscode.workspace
      .getConfiguration('videoCurator')
      .update('inference.device', picked.label, vscode.ConfigurationTarget.Global);
    const c = await curator();
    await c?.resetInference();
    if (c)
      void vscode.window.showInformationMessage(
        `Video Curator: inference now runs on ${await c.inferenceStatus()}.`,
      );
  });

  register('videoCurator.manageModels', async () => {
    const c = await curator();
    if (!c) return;
    await manageModels(await c.getInference(), readSettings().allowDownload);
    await c.resetInference();
  });

  // The board's own keys, as commands (palette, keybindings scoped to the board).
  const actions: [string, BoardAction][] = [
    ['videoCurator.nextSample', 'next'],
    ['videoCurator.previousSample', 'previous'],
    ['videoCurator.editSample', 'edit'],
    ['videoCurator.searchSamples', 'search'],
    ...([1, 2, 3, 4, 5, 6, 7, 8, 9] as const).map((n): [string, BoardAction] => [
      `videoCurator.acceptDialogue${n}`,
      `dialogue-${n}`,
    ]),
  ];
  for (const [id, action] of actions) register(id, () => board().runAction(action));

  register('videoCurator.undo', async () => {
    await board().act({ type: 'undo' });
  });

  register('videoCurator.revealSample', async (sampleId?: unknown) => {
    const c = await curator();
    const id = typeof sampleId === 'string' ? sampleId : BoardPanel.active?.selectedSampleId;
    const sample = c?.index?.samples.find((s) => s.id === id);
    if (!sample) throw new Error('Select a sample on the board first.');
    const position = new vscode.Position(sample.source.line - 1, sample.source.column - 1);
    await vscode.window.showTextDocument(vscode.Uri.file(sample.source.file), {
      selection: new vscode.Range(position, position),
    });
  });

  register('videoCurator.clearCache', async () => {
    const c = await curator();
    if (!c) return;
    const removed = await new MediaCache(c.cacheRoot).clear();
    void vscode.window.showInformationMessage(
      `Video Curator: removed ${removed.entries} cached entries (${(removed.bytes / 1e6).toFixed(1)} MB).`,
    );
  });

  register('videoCurator.showReviewStatus', async () => {
    await vscode.commands.executeCommand('videoCurator.openBoard');
  });
}

/**
 * Replaces the old answer with the new one inside the record's own lines of the annotation file,
 * as an undoable workspace edit (the user asked for exactly this). JSON files hold the answer
 * JSON-escaped; where it is not written literally exactly once, nothing is changed and the user is told.
 */
async function applyAnswerToFile(
  source: { file: string; line: number; endLine?: number },
  previous: string,
  next: string,
): Promise<void> {
  const uri = vscode.Uri.file(source.file);
  const document = await vscode.workspace.openTextDocument(uri);
  const last = Math.min(document.lineCount - 1, (source.endLine ?? source.line) - 1);
  const lines = new vscode.Range(source.line - 1, 0, last, document.lineAt(last).text.length);
  const text = document.getText(lines);
  const json = /\.(json|jsonl|ndjson)$/i.test(source.file);
  const escape = (value: string): string => (json ? JSON.stringify(value).slice(1, -1) : value);
  const at = text.indexOf(escape(previous));
  if (at < 0 || text.indexOf(escape(previous), at + 1) >= 0) {
    void vscode.window.showWarningMessage(
      'The old answer is not written exactly once in the record, so the file was left as it is; the relabel is in the journal.',
    );
    return;
  }
  const start = document.positionAt(document.offsetAt(lines.start) + at);
  const end = document.positionAt(document.offsetAt(lines.start) + at + escape(previous).length);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(start, end), escape(next));
  if (await vscode.workspace.applyEdit(edit)) {
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(start, start) });
    void vscode.window.showInformationMessage('Changed in the editor: Undo reverts it, Save keeps it.');
  }
}
