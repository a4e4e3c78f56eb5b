// The status bar item: samples, reviewed share, background jobs; a click opens the board.
import * as vscode from 'vscode';
import { summarizeReview } from '../core/curation/reviewSummary';
import type { Curator } from './curator';
import { readSettings } from './settings';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.command = 'videoCurator.openBoard';
    this.item.name = 'Video Curator';
  }

  update(curator: Curator): void {
    if (!curator.index || !curator.journal) return;
    const review = summarizeReview(
      curator.index.samples.map((s) => s.id),
      curator.journal,
    );
    const reviewed = review.total - review.unreviewed;
    const share = review.total ? Math.round((100 * reviewed) / review.total) : 0;
    // The provider the last analysis ran on, else the device setting until something has run.
    const provider = curator.results?.settings.provider ?? readSettings().device;
    const jobs = curator.jobs ? ` $(sync~spin) ${curator.jobs}` : '';
    this.item.text = `$(device-camera-video) ${review.total} samples, ${share}% reviewed${provider ? ` · ${String(provider)}` : ''}${jobs}`;
    this.item.tooltip = `Video Curator: ${reviewed} of ${review.total} reviewed (${review.accept} accepted, ${review.edit} edited, ${review.reject} rejected). Click to open the board.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
