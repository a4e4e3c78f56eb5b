// What analysis produces, per clip and per sample. Every number carries how it was made
// (models with versions, frames with PTS, parameters), so a user can trace it to its inputs.

/** A model as used for a result. */
export interface ModelUse {
  id: string;
  version: string;
}

/** A frame as used for a result: its index in the decoded stream and its time. */
export interface FrameRef {
  index: number;
  /** Stream PTS, seconds. */
  pts: number;
  /** Seconds from the clip start. */
  time: number;
}

/** Per-frame descriptor sequence the clip-level analyses share (dense: every decoded frame, or a subsample). */
export interface DescriptorTrack {
  frames: FrameRef[];
  /** frames.length x dim, L2-normalised rows. */
  descriptors: Float32Array;
  dim: number;
  /** Motion energy between frames[i] and frames[i+1] (length frames.length - 1), 0..1. */
  motionEnergy: Float32Array;
}

// ---------- 1. Shots ----------
export interface Shot {
  /** First and last frame of the shot (inclusive). */
  start: FrameRef;
  end: FrameRef;
}

export interface ShotResult {
  /** Frames where a new shot begins (the first frame after each hard cut). */
  cuts: FrameRef[];
  shots: Shot[];
  /** Per boundary between frames[i] and frames[i+1]: the descriptor distance used. */
  params: Record<string, number>;
}

// ---------- 2. UTR signals ----------
export interface UtrSignals {
  /** Frame information density in 0..1: how non-redundant the sampled frames are. */
  density: number;
  /** Inter-frame dynamics in 0..1: how much changes between consecutive frames. */
  dynamics: number;
  /** The parts each signal is made of, for display and tracing. */
  components: Record<string, number>;
  frames: FrameRef[];
}

// ---------- 3. Keyframes ----------
export interface KeyframeCandidate extends FrameRef {
  relevance?: number;
  novelty: number;
  /** relevance + novelty, smoothed over the local window. */
  score: number;
}

export interface KeyframePicks {
  candidates: KeyframeCandidate[];
  /** Indices into candidates, in time order. */
  picks: number[];
  mode: 'top-k' | 'bins';
  k: number;
  /** Whether relevance used a text encoder (else: novelty only) and what query text it used. */
  query?: { text: string; model: ModelUse };
  params: Record<string, number | string>;
}

// ---------- 4. Trajectories ----------
export type Box = [number, number, number, number]; // x0, y0, x1, y1 in frame pixels of the analysis size

export interface Observation {
  frame: FrameRef;
  box: Box;
  score: number;
  /** What saw it: 'motion', 'ocr', 'detector', 'colour'. */
  source: string;
  label?: string;
  text?: string;
}

export interface Track {
  id: number;
  source: string;
  label?: string;
  text?: string;
  observations: Observation[];
  confidence: number;
  firstSeen: number;
  lastSeen: number;
}

export interface TrackResult {
  tracks: Track[];
  /** Frame size the boxes refer to. */
  width: number;
  height: number;
  params: Record<string, number | string>;
}

// ---------- 5. UTR dialogues ----------
export interface DialogueEvidence {
  tracks: number[];
  frames: FrameRef[];
  /** Seconds from the clip start. */
  span?: [number, number];
}

export interface GeneratedDialogue {
  /** Stable within a clip for a given seed: kind + content hash. */
  id: string;
  kind: 'space-to-time' | 'time-to-space' | 'text-to-time' | 'ordering' | 'counting' | 'description';
  turns: { role: 'human' | 'gpt'; text: string }[];
  evidence: DialogueEvidence;
  confidence: number;
}

// ---------- 6. TPL ----------
export interface TplResult {
  /** NLL(single) - NLL(full), nats per token; absent with `reason` when no scorer is available. */
  tpl?: number;
  reason?: string;
  nllFull?: number;
  nllSingle?: number;
  /** The frames scored: N uniform, and the K single frames drawn. */
  fullFrames?: FrameRef[];
  singleFrames?: FrameRef[];
  /** Optional single-frame profile: NLL of the text given each of the full frames alone. */
  profile?: { frame: FrameRef; nll: number }[];
  model?: ModelUse;
  params: Record<string, number | string>;
}

// ---------- 7. Temporal sensitivity ----------
export interface SensitivityResult {
  /** Change in the text's mean log-probability when frames near the window's edges are shuffled. */
  shuffleDelta?: number;
  /** Mean log-probability of the text given frames inside the window minus outside it. */
  insideMinusOutside?: number;
  /** True when the text does not depend on its window (the annotation may be wrong). */
  insensitive?: boolean;
  reason?: string;
  model?: ModelUse;
  /** The frames scored: edge frames in time order and each shuffle of them; inside and outside the window(s). */
  frames?: { ordered: FrameRef[]; shuffled: FrameRef[][]; inside?: FrameRef[]; outside?: FrameRef[] };
  params: Record<string, number | string>;
}

// ---------- Results of a run ----------
export interface ClipAnalysis {
  /** Absolute video path and its content identity (size, mtime, partial hash). */
  video: string;
  identity: string;
  duration: number;
  frameCount: number;
  /** Size of the frames boxes refer to. */
  analysisWidth: number;
  analysisHeight: number;
  /** 1-fps candidates (capped), shared by keyframes, OCR and tracks. */
  candidates: FrameRef[];
  /** Filmstrip JPEGs (absolute paths) and the frames they show. */
  filmstrip: { frame: FrameRef; file: string }[];
  poster?: string;
  shots: ShotResult;
  signals: UtrSignals;
  /** Query-free keyframe picks (novelty only); samples with text get their own in SampleAnalysis. */
  keyframes: KeyframePicks;
  tracks: TrackResult;
  dialogues: GeneratedDialogue[];
  models: ModelUse[];
  params: Record<string, number | string>;
  /** Seconds this clip took to analyse (not counting cache hits). */
  seconds: number;
  /** Where those seconds went, stage by stage (what the analyze benchmark sums). */
  stageSeconds?: Record<string, number>;
}

export interface SampleAnalysis {
  sampleId: string;
  video?: string;
  keyframes?: KeyframePicks;
  tpl: TplResult;
  sensitivity?: SensitivityResult;
  /** Short machine-readable flags, e.g. 'low-tpl', 'window-insensitive', 'unreadable-video'. */
  flags: string[];
}

export interface AnalysisResults {
  version: number;
  folder: string;
  createdAt: string;
  settings: Record<string, unknown>;
  clips: ClipAnalysis[];
  samples: SampleAnalysis[];
  /** Clips whose media failed, with the reason. */
  failures: { video: string; code: string; message: string }[];
  dataset: {
    tplPercentiles?: { p10: number; p50: number; p90: number };
    samples: number;
    clips: number;
    seconds: number;
  };
}
