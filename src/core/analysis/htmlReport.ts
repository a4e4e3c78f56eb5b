// The main job's report: one self-contained HTML file (no scripts, no external requests) that a person
// can open anywhere, share, or attach to a dataset review. Filmstrip JPEGs are inlined as data: URIs,
// each file once (as a CSS class), so samples that share a clip do not repeat its images.
import { readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative } from 'node:path';
import { writeFileAtomic } from '../export/atomicFile';
import type { Sample } from '../dataset/sample';
import type {
  AnalysisResults,
  ClipAnalysis,
  GeneratedDialogue,
  KeyframePicks,
  SampleAnalysis,
  SensitivityResult,
  TplResult,
} from './analysisTypes';

export interface HtmlReportOptions {
  /** Samples shown in full; the rest are counted in a note (the JSON results file has them all). */
  maxSamples?: number;
  /** Inline filmstrip JPEGs as data: URIs (default true); false shows frame times only, for a small file. */
  inlineImages?: boolean;
}

export const DEFAULT_MAX_SAMPLES = 500;
/** Filmstrip frames per sample in the report, to keep the file small on large datasets. */
export const REPORT_FILMSTRIP_FRAMES = 8;

export async function renderHtmlReport(
  results: AnalysisResults,
  samples: Sample[],
  options: HtmlReportOptions = {},
): Promise<string> {
  const maxSamples = Math.max(0, options.maxSamples ?? DEFAULT_MAX_SAMPLES);
  const images = new ImageBook(options.inlineImages ?? true);
  const analyses = new Map(results.samples.map((a) => [a.sampleId, a]));
  const clips = new Map(results.clips.map((c) => [c.video, c]));
  const tplValues = results.samples.flatMap((a) => (isNumber(a.tpl.tpl) ? [a.tpl.tpl] : []));
  const ranks = new PercentileRank(tplValues);

  // Only the samples this run analysed (a run may be limited to some); the header counts the others.
  const analysed = samples.filter((s) => analyses.has(s.id));
  const shown = analysed.slice(0, maxSamples);
  const sampleHtml = shown.map((sample) => {
    const analysis = analyses.get(sample.id);
    const video = analysis?.video ?? sample.video;
    return renderSample(sample, analysis, video ? clips.get(video) : undefined, results, ranks, images);
  });
  const imageCss = await images.css();

  const body = [
    renderHeader(results, samples),
    renderHistogram(results, tplValues),
    renderFailures(results, samples),
    images.unreadable.length
      ? `<p class="note warn">${images.unreadable.length} filmstrip image(s) could not be read and are shown as blanks, e.g. ${esc(images.unreadable[0])}. Run the analysis again to rebuild the cache.</p>`
      : '',
    `<h2>Samples</h2>`,
    analysed.length > shown.length
      ? `<p class="note truncated">Showing the first ${shown.length} of ${analysed.length} samples (maxSamples ${maxSamples}); the JSON results file has all of them.</p>`
      : '',
    analysed.length === 0 ? `<p class="note">No samples were analysed.</p>` : '',
    ...sampleHtml,
  ].join('\n');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Video Curator report: ${esc(basename(results.folder) || results.folder)}</title>
<style>${STYLE}${imageCss}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Renders and writes atomically, so a reader never sees half a report. */
export async function writeHtmlReport(
  path: string,
  results: AnalysisResults,
  samples: Sample[],
  options: HtmlReportOptions = {},
): Promise<void> {
  await writeFileAtomic(path, await renderHtmlReport(results, samples, options));
}

// ---------- Header, histogram, failures ----------

function renderHeader(results: AnalysisResults, samples: Sample[]): string {
  const flagged = results.samples.filter((a) => a.flags.length > 0).length;
  const videoSeconds = results.clips.reduce((sum, c) => sum + (c.duration || 0), 0);
  const models = new Map<string, string>();
  for (const m of [
    ...results.clips.flatMap((c) => c.models),
    ...results.samples.flatMap((a) => [a.tpl.model, a.sensitivity?.model]),
  ]) {
    if (m) models.set(`${m.id}@${m.version}`, `${m.id} ${m.version}`);
  }
  const indexed = new Set(samples.map((s) => s.id));
  const analysed = new Set(results.samples.map((a) => a.sampleId));
  const orphaned = results.samples.filter((a) => !indexed.has(a.sampleId)).length;
  const settings = Object.entries(results.settings);
  const rows: [string, string][] = [
    ['Dataset folder', esc(results.folder)],
    ['Created', esc(results.createdAt)],
    [
      'Counts',
      `${results.dataset.samples} samples, ${results.dataset.clips} clips (${esc(formatDuration(videoSeconds))} of video), ${results.failures.length} failed clips, ${flagged} flagged samples`,
    ],
    ['Analysis time', esc(formatDuration(results.dataset.seconds))],
    ['Models', models.size ? [...models.values()].map(esc).join(', ') : 'none'],
    ['Results version', String(results.version)],
  ];
  const skipped = samples.filter((s) => !analysed.has(s.id)).length;
  if (skipped) rows.push(['Not analysed', `${plural(skipped, 'sample')} of the index not part of this run`]);
  if (orphaned)
    rows.push(['Not in the index', `${plural(orphaned, 'analysed sample')} no longer in the dataset`]);
  return `<header>
<h1>Video Curator report</h1>
<table class="kv">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
<details><summary>Settings (${settings.length})</summary>
<table class="kv">${settings.map(([k, v]) => `<tr><th>${esc(k)}</th><td><code>${esc(JSON.stringify(v))}</code></td></tr>`).join('')}</table>
</details>
</header>`;
}

function renderHistogram(results: AnalysisResults, values: number[]): string {
  const title = `<h2>Temporal perplexity (TPL)</h2>
<p class="muted">TPL = NLL(text | single frame) &minus; NLL(text | all frames), nats per token: how much the text needs more than one frame. Low values suggest the text could be answered from a single frame.</p>`;
  if (values.length === 0) {
    const reasons = countBy(results.samples.map((a) => a.tpl.reason ?? 'no reason recorded'));
    const why = [...reasons].map(([reason, n]) => `<li>${esc(reason)} (${n} samples)</li>`).join('');
    return `${title}<div class="note histogram-empty"><p>No sample has a TPL, so there is no histogram.</p>${why ? `<ul>${why}</ul>` : '<p>No samples were analysed.</p>'}</div>`;
  }
  // Loops, not Math.min(...values): a large dataset would overflow the argument list.
  const min = values.reduce((a, b) => Math.min(a, b), Infinity);
  const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
  const binCount = Math.max(1, Math.min(30, Math.ceil(Math.sqrt(values.length))));
  const width = max > min ? (max - min) / binCount : 1;
  const bins = new Array<number>(binCount).fill(0);
  for (const v of values) bins[Math.min(binCount - 1, Math.floor((v - min) / width))]++;
  const [w, h, pad] = [600, 160, 24];
  const top = Math.max(...bins);
  const barWidth = (w - 2 * pad) / binCount;
  const x = (v: number) => pad + ((v - min) / (width * binCount)) * (w - 2 * pad);
  const bars = bins
    .map((n, i) => {
      const bh = (n / top) * (h - 2 * pad);
      const from = min + i * width;
      return `<rect class="bar" x="${f(pad + i * barWidth)}" y="${f(h - pad - bh)}" width="${f(Math.max(1, barWidth * 0.92))}" height="${f(bh)}"><title>${fmt(from)} to ${fmt(from + width)}: ${n} samples</title></rect>`;
    })
    .join('');
  const p = results.dataset.tplPercentiles;
  const marks = p
    ? (['p10', 'p50', 'p90'] as const)
        .map(
          (key) =>
            `<line class="mark" x1="${f(x(p[key]))}" x2="${f(x(p[key]))}" y1="${pad - 8}" y2="${h - pad}"/><text class="label" x="${f(x(p[key]))}" y="${pad - 10}" text-anchor="middle">${key}</text>`,
        )
        .join('')
    : '';
  const axis = `<line class="axis" x1="${pad}" x2="${w - pad}" y1="${h - pad}" y2="${h - pad}"/><text class="label" x="${pad}" y="${h - 6}">${fmt(min)}</text><text class="label" x="${w - pad}" y="${h - 6}" text-anchor="end">${fmt(max)}</text>`;
  const without = results.samples.length - values.length;
  return `${title}
<svg class="histogram" data-samples="${values.length}" viewBox="0 0 ${w} ${h}" role="img" aria-label="TPL histogram over ${values.length} samples">${bars}${marks}${axis}</svg>
<p class="muted">${values.length} samples with a TPL in ${binCount} bins${p ? `; p10 ${fmt(p.p10)}, p50 ${fmt(p.p50)}, p90 ${fmt(p.p90)}` : ''}.${without ? ` Without a TPL: ${plural(without, 'sample')} (the reason is shown with each).` : ''}</p>`;
}

function renderFailures(results: AnalysisResults, samples: Sample[]): string {
  if (results.failures.length === 0) return '';
  const users = countBy(samples.flatMap((s) => (s.video ? [s.video] : [])));
  const rows = results.failures
    .map(
      (fail) =>
        `<tr><td>${esc(relativeTo(results.folder, fail.video))}</td><td><code>${esc(fail.code)}</code></td><td>${esc(fail.message)}</td><td>${users.get(fail.video) ?? 0}</td></tr>`,
    )
    .join('');
  return `<h2>Failed clips (${results.failures.length})</h2>
<table class="failures"><tr><th>Video</th><th>Code</th><th>Reason</th><th>Samples</th></tr>${rows}</table>`;
}

// ---------- One sample ----------

function renderSample(
  sample: Sample,
  analysis: SampleAnalysis | undefined,
  clip: ClipAnalysis | undefined,
  results: AnalysisResults,
  ranks: PercentileRank,
  images: ImageBook,
): string {
  const duration = clip?.duration ?? sample.duration;
  const videoName = sample.video ? basename(sample.video) : (sample.videoRef ?? 'no video');
  const keyframes = analysis?.keyframes ?? clip?.keyframes;
  const flags = analysis?.flags ?? [];
  const meta = [
    `<span class="id">${esc(sample.id)}</span>`,
    `<span>${esc(relativeTo(results.folder, sample.source.file))}:${sample.source.line}</span>`,
    `<span>${esc(videoName)}</span>`,
    `<span>${isNumber(duration) ? esc(formatDuration(duration)) : 'duration unknown'}</span>`,
  ].join(' &middot; ');
  const parts: string[] = [`<div class="meta">${meta}</div>`];
  if (flags.length)
    parts.push(
      `<div class="flags">${flags.map((x) => `<span class="flag">${esc(x)}</span>`).join('')}</div>`,
    );
  if (clip) {
    parts.push(renderFilmstrip(clip, keyframes, images));
    parts.push(renderTimeline(clip, keyframes, sample));
    parts.push(renderSignals(clip));
  } else if (sample.video) {
    const failure = results.failures.find((x) => x.video === sample.video);
    parts.push(`<p class="note warn">No clip analysis${failure ? `: ${esc(failure.message)}` : ''}.</p>`);
  }
  if (analysis) parts.push(renderTpl(analysis.tpl, ranks, results.dataset.tplPercentiles));
  if (sample.windows?.length || analysis?.sensitivity)
    parts.push(renderSensitivity(sample, analysis?.sensitivity));
  parts.push(renderTurns(sample));
  if (clip?.dialogues.length) parts.push(renderDialogues(clip));
  return `<section class="sample${flags.length ? ' flagged' : ''}" id="s-${esc(sample.id.replace(/[^\w-]/g, '_'))}">${parts.join('\n')}</section>`;
}

function renderFilmstrip(
  clip: ClipAnalysis,
  keyframes: KeyframePicks | undefined,
  images: ImageBook,
): string {
  const frames = evenlySpaced(clip.filmstrip, REPORT_FILMSTRIP_FRAMES);
  if (frames.length === 0) return `<p class="note">No filmstrip.</p>`;
  // Picks rarely land on a filmstrip frame: mark the shown frame nearest to each pick.
  const picked = new Set<number>();
  for (const time of pickTimes(keyframes)) {
    let best = 0;
    for (let i = 1; i < frames.length; i++) {
      if (Math.abs(frames[i].frame.time - time) < Math.abs(frames[best].frame.time - time)) best = i;
    }
    picked.add(best);
  }
  const aspect =
    clip.analysisWidth > 0 && clip.analysisHeight > 0
      ? `${clip.analysisWidth} / ${clip.analysisHeight}`
      : '16 / 9';
  const cells = frames
    .map((item, i) => {
      const label = `frame ${item.frame.index} at ${fmt(item.frame.time)} s${picked.has(i) ? ', nearest to a keyframe pick' : ''}`;
      return `<figure class="frame${picked.has(i) ? ' pick' : ''}"><span class="thumb ${images.classFor(item.file)}" style="aspect-ratio: ${aspect}" role="img" aria-label="${esc(label)}" title="${esc(label)}"></span><figcaption>${fmt(item.frame.time, 1)} s</figcaption></figure>`;
    })
    .join('');
  return `<div class="filmstrip">${cells}</div>`;
}

/** Keyframe score curve over the clip, with picks, cuts and the annotated windows marked. */
function renderTimeline(clip: ClipAnalysis, keyframes: KeyframePicks | undefined, sample: Sample): string {
  const duration = clip.duration > 0 ? clip.duration : 1;
  const [w, h] = [600, 48];
  const x = (t: number) => f((Math.min(Math.max(t, 0), duration) / duration) * w);
  const windows = (sample.windows ?? [])
    .map(
      (win) =>
        `<rect class="window" x="${x(win.start)}" y="0" width="${f(Math.max(1, Number(x(win.end)) - Number(x(win.start))))}" height="${h}"/>`,
    )
    .join('');
  const cuts = clip.shots.cuts
    .map((c) => `<line class="cut" x1="${x(c.time)}" x2="${x(c.time)}" y1="0" y2="${h}"/>`)
    .join('');
  let curve = '';
  let picks = '';
  const candidates = keyframes?.candidates ?? [];
  if (candidates.length) {
    const scores = candidates.map((c) => c.score);
    const lo = Math.min(...scores);
    const span = Math.max(...scores) - lo || 1;
    const y = (s: number) => f(h - 4 - ((s - lo) / span) * (h - 8));
    curve = `<polyline class="curve" points="${candidates.map((c) => `${x(c.time)},${y(c.score)}`).join(' ')}"/>`;
    picks = (keyframes?.picks ?? [])
      .filter((i) => candidates[i])
      .map(
        (i) =>
          `<circle class="pickdot" cx="${x(candidates[i].time)}" cy="${y(candidates[i].score)}" r="3"><title>pick at ${fmt(candidates[i].time)} s, score ${fmt(candidates[i].score)}</title></circle>`,
      )
      .join('');
  }
  const legend = [
    candidates.length
      ? `keyframe score (${esc(keyframes!.mode)}, k=${keyframes!.k}${keyframes!.query ? `, query by ${esc(keyframes!.query.model.id)}` : ', novelty only'})`
      : 'no keyframe candidates',
    `${clip.shots.shots.length} shots${clip.shots.cuts.length ? `, cuts at ${clip.shots.cuts.map((c) => fmt(c.time, 1)).join(', ')} s` : ', no cuts'}`,
    sample.windows?.length
      ? `windows ${sample.windows.map((win) => `${fmt(win.start, 1)}&ndash;${fmt(win.end, 1)} s`).join(', ')}`
      : '',
  ].filter(Boolean);
  return `<svg class="timeline" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="keyframe scores over time">${windows}${cuts}${curve}${picks}</svg>
<div class="muted small">${legend.join(' &middot; ')}</div>`;
}

function renderSignals(clip: ClipAnalysis): string {
  const bar = (name: string, value: number) =>
    `<div class="signal"><span class="name">${name}</span><span class="track"><span class="fill" style="width: ${f(clamp01(value) * 100)}%"></span></span><span class="value">${fmt(value)}</span></div>`;
  return `<div class="signals">${bar('density', clip.signals.density)}${bar('dynamics', clip.signals.dynamics)}</div>`;
}

function renderTpl(
  tpl: TplResult,
  ranks: PercentileRank,
  percentiles: AnalysisResults['dataset']['tplPercentiles'],
): string {
  if (!isNumber(tpl.tpl))
    return `<div class="tpl none">TPL: <span class="reason">${esc(tpl.reason ?? 'not computed')}</span></div>`;
  const pct = ranks.of(tpl.tpl);
  // Bands follow the stored dataset percentiles when present (they are what flags use), else the ranks.
  const band = percentiles
    ? tpl.tpl <= percentiles.p10 // the same test as the 'low-tpl' flag
      ? 0
      : [percentiles.p50, percentiles.p90].filter((p) => tpl.tpl! >= p).length + 1
    : [10, 50, 90].filter((p) => pct >= p).length;
  const model = tpl.model ? ` by ${esc(tpl.model.id)} ${esc(tpl.model.version)}` : '';
  return `<div class="tpl">TPL: <span class="tpl-value band${band}">${fmt(tpl.tpl)}</span> nats/token, percentile ${Math.round(pct)} in this dataset${model}</div>`;
}

function renderSensitivity(sample: Sample, result: SensitivityResult | undefined): string {
  if (!result) return `<div class="sensitivity muted">Temporal sensitivity: not computed.</div>`;
  if (result.reason && !isNumber(result.shuffleDelta) && !isNumber(result.insideMinusOutside)) {
    return `<div class="sensitivity">Temporal sensitivity: <span class="reason">${esc(result.reason)}</span></div>`;
  }
  const verdict = result.insensitive
    ? `<span class="flag">the text does not depend on its window</span>`
    : result.insensitive === false
      ? 'the text depends on its window'
      : '';
  const windows = sample.windows?.length ? ` for ${sample.windows.length} window(s)` : '';
  return `<div class="sensitivity">Temporal sensitivity${windows}: shuffle &Delta; ${fmt(result.shuffleDelta)}, inside &minus; outside ${fmt(result.insideMinusOutside)} ${verdict}</div>`;
}

function renderTurns(sample: Sample): string {
  if (sample.turns.length === 0) return `<p class="muted">No text.</p>`;
  const turns = sample.turns
    .map(
      (turn) =>
        `<div class="turn ${turn.role}"><span class="role">${turn.role}</span><div class="text">${esc(turn.text)}</div></div>`,
    )
    .join('');
  return `<div class="turns">${turns}</div>`;
}

function renderDialogues(clip: ClipAnalysis): string {
  const tracks = new Map(clip.tracks.tracks.map((t) => [t.id, t]));
  const items = clip.dialogues
    .map((d: GeneratedDialogue) => {
      const span = d.evidence.span
        ? `${fmt(d.evidence.span[0], 1)}&ndash;${fmt(d.evidence.span[1], 1)} s`
        : 'no span';
      const evidenceTracks = d.evidence.tracks
        .map((id) => {
          const t = tracks.get(id);
          const what = t?.label ?? t?.text ?? t?.source;
          return `#${id}${what ? ` ${esc(what)}` : ''}`;
        })
        .join(', ');
      const frames = d.evidence.frames.length
        ? `frames at ${d.evidence.frames.map((fr) => fmt(fr.time, 1)).join(', ')} s`
        : '';
      const evidence = [span, evidenceTracks ? `tracks ${evidenceTracks}` : '', frames]
        .filter(Boolean)
        .join('; ');
      const turns = d.turns
        .map(
          (turn) =>
            `<div class="turn ${turn.role}"><span class="role">${turn.role}</span><div class="text">${esc(turn.text)}</div></div>`,
        )
        .join('');
      return `<li><div class="muted small"><code>${esc(d.kind)}</code> confidence ${fmt(d.confidence)} &middot; evidence: ${evidence}</div>${turns}</li>`;
    })
    .join('');
  return `<details class="dialogues"><summary>Generated UTR dialogues (${clip.dialogues.length})</summary><ol>${items}</ol></details>`;
}

// ---------- Helpers ----------

/** Collects the image files the report uses and inlines each once as a CSS background. */
class ImageBook {
  private readonly classes = new Map<string, string>();
  readonly unreadable: string[] = [];

  constructor(private readonly inline: boolean) {}

  classFor(file: string): string {
    let name = this.classes.get(file);
    if (!name) {
      name = `img${this.classes.size}`;
      this.classes.set(file, name);
    }
    return name;
  }

  async css(): Promise<string> {
    if (!this.inline) return '';
    const rules = await Promise.all(
      [...this.classes].map(async ([file, name]) => {
        try {
          const bytes = await readFile(file);
          return `.${name}{background-image:url(data:${mimeType(file)};base64,${bytes.toString('base64')})}`;
        } catch {
          // Counted and shown in the report: a stale cache should not make the whole report fail.
          this.unreadable.push(file);
          return '';
        }
      }),
    );
    return rules.join('\n');
  }
}

/** Percentile rank (0..100) of a value among the dataset's TPL values: share of values below it, ties half. */
class PercentileRank {
  private readonly sorted: number[];
  constructor(values: number[]) {
    this.sorted = [...values].sort((a, b) => a - b);
  }
  of(value: number): number {
    const n = this.sorted.length;
    if (n <= 1) return 50;
    const below = this.firstIndex((v) => v >= value);
    const notAbove = this.firstIndex((v) => v > value);
    return ((below + 0.5 * (notAbove - below)) / n) * 100;
  }
  /** Binary search: the first index whose value passes `test` (monotone over the sorted values). */
  private firstIndex(test: (v: number) => boolean): number {
    let [lo, hi] = [0, this.sorted.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (test(this.sorted[mid])) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

function pickTimes(keyframes: KeyframePicks | undefined): number[] {
  if (!keyframes) return [];
  return keyframes.picks.flatMap((i) => (keyframes.candidates[i] ? [keyframes.candidates[i].time] : []));
}

function evenlySpaced<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]);
}

function mimeType(file: string): string {
  const ext = extname(file).toLowerCase();
  return ext === '.png' ? 'image/png' : ext === '.webp' ? 'image/webp' : 'image/jpeg';
}

function relativeTo(folder: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(folder, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function countBy(keys: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const esc = escapeHtml;
const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function clamp01(value: number): number {
  return isNumber(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/** A number for display: fixed digits, or a dash when missing. */
function fmt(value: number | undefined, digits = 3): string {
  return isNumber(value) ? value.toFixed(digits) : '&ndash;';
}

/** A coordinate for SVG: short, and never NaN. */
function f(value: number): string {
  return isNumber(value) ? String(Math.round(value * 10) / 10) : '0';
}

function formatDuration(seconds: number): string {
  if (!isNumber(seconds)) return 'unknown';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return m < 60 ? `${m} min ${s} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const STYLE = `
:root { --bg: #ffffff; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --card: #f6f8fa; --accent: #0969da;
  --warn: #9a6700; --bad: #cf222e; --b0: #cf222e; --b1: #bc4c00; --b2: #1a7f37; --b3: #116329; --window: rgba(9,105,218,.15); }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --card: #161b22; --accent: #4493f8;
    --warn: #d29922; --bad: #f85149; --b0: #f85149; --b1: #db6d28; --b2: #3fb950; --b3: #56d364; --window: rgba(68,147,248,.2); }
}
body { background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 18px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; } th, td { text-align: left; vertical-align: top; padding: 2px 10px 2px 0; }
.failures td, .failures th { border-bottom: 1px solid var(--line); padding: 4px 10px 4px 0; }
code { font-size: 12px; word-break: break-all; }
.muted { color: var(--muted); } .small { font-size: 12px; }
.note { background: var(--card); border-left: 3px solid var(--accent); padding: 6px 10px; }
.note.warn { border-left-color: var(--warn); }
svg { display: block; width: 100%; height: auto; }
.histogram { max-width: 600px; } .histogram .bar { fill: var(--accent); }
.mark { stroke: var(--muted); stroke-dasharray: 3 3; } .axis { stroke: var(--line); }
.label { fill: var(--muted); font-size: 10px; }
.sample { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin: 12px 0; padding: 10px 12px; }
.sample.flagged { border-left: 4px solid var(--warn); }
.meta { font-size: 13px; } .meta .id { font-weight: 600; font-family: ui-monospace, monospace; }
.flag { display: inline-block; border: 1px solid var(--warn); color: var(--warn); border-radius: 10px; padding: 0 8px; margin: 2px 4px 2px 0; font-size: 12px; }
.filmstrip { display: flex; gap: 4px; margin: 8px 0 4px; overflow-x: auto; }
.frame { margin: 0; flex: 0 0 auto; text-align: center; } .frame figcaption { font-size: 11px; color: var(--muted); }
.thumb { display: block; height: 54px; background: var(--line) center / cover no-repeat; border: 2px solid transparent; border-radius: 3px; }
.frame.pick .thumb { border-color: var(--accent); } .frame.pick figcaption { color: var(--accent); font-weight: 600; }
.timeline { height: 48px; background: var(--bg); border: 1px solid var(--line); border-radius: 3px; }
.timeline .curve { fill: none; stroke: var(--muted); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
.timeline .pickdot { fill: var(--accent); } .timeline .cut { stroke: var(--bad); stroke-width: 1; vector-effect: non-scaling-stroke; }
.timeline .window { fill: var(--window); }
.signals { display: flex; gap: 24px; margin: 6px 0; flex-wrap: wrap; }
.signal { display: flex; align-items: center; gap: 6px; font-size: 12px; }
.signal .track { width: 140px; height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; }
.signal .fill { display: block; height: 100%; background: var(--accent); }
.tpl-value { font-weight: 600; } .band0 { color: var(--b0); } .band1 { color: var(--b1); } .band2 { color: var(--b2); } .band3 { color: var(--b3); }
.reason { color: var(--muted); font-style: italic; }
.turns, .dialogues { margin-top: 6px; } .dialogues ol { padding-left: 20px; } .dialogues li { margin: 6px 0; }
.turn { display: flex; gap: 8px; margin: 2px 0; } .turn .role { flex: 0 0 48px; color: var(--muted); font-size: 12px; }
.turn .text { white-space: pre-wrap; overflow-wrap: anywhere; }
`;
