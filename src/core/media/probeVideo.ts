// What a video is: duration, frame rates, VFR, frame count, start offset, rotation, codec, audio.
// From the container where it says, else from the packets (demuxing only, no decode).
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { runFfprobe } from './ffprobeRun';
import type { RunOptions } from './ffprobeRun';
import { MediaError } from './mediaError';
import { parseFrameTimeline, readFrameTimeline } from './frameTimeline';
import type { FrameTimeline } from './frameTimeline';

export interface VideoProbe {
  /** Seconds; from the container, else from the last video packet's PTS. */
  duration: number;
  durationSource: 'container' | 'packets';
  /** Seconds; the container's start time (ffmpeg's -ss counts from here). */
  startTime: number;
  /** The first video frame's PTS in seconds (1.075 for a delayed start). */
  videoStartTime: number;
  avgFrameRate: number;
  /** r_frame_rate: the stream's base (nominal) rate. */
  nominalFrameRate: number;
  /** Average and nominal rates differ: frame times are not a uniform grid. */
  vfr: boolean;
  /** From the container's nb_frames, else undefined until counted (see frameTimeline / countFrames). */
  frameCount?: number;
  /** Degrees clockwise the player rotates the picture for display (-90 → portrait for a landscape coding). */
  rotation: number;
  codedWidth: number;
  codedHeight: number;
  /** Size after rotation: what decoded frames look like. */
  width: number;
  height: number;
  codec: string;
  pixelFormat: string;
  hasAudio: boolean;
  container: string;
  /** Index of the video stream in the file (skips cover-art streams). */
  streamIndex: number;
}

interface ProbeJson {
  format?: { duration?: string; start_time?: string; format_name?: string };
  streams?: ProbeStream[];
}

interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  start_time?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}

/** Checks the file itself before ffprobe, so the common failures get precise messages. */
export async function checkVideoFile(path: string): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new MediaError('missing', path, 'file not found');
    throw new MediaError('unreadable', path, error.message);
  });
  if (info.isDirectory()) throw new MediaError('unreadable', path, 'is a folder, not a video file');
  if (info.size === 0) throw new MediaError('empty', path, 'file is empty (0 bytes)');
  await access(path, constants.R_OK).catch(() => {
    throw new MediaError('unreadable', path, 'permission denied: the file cannot be read');
  });
}

/**
 * Probe and frame timeline from ONE ffprobe run (format, streams and every packet), which saves a
 * process per clip over probeVideo + readFrameTimeline.
 */
export async function probeVideoWithTimeline(
  ffprobe: string,
  path: string,
  options: RunOptions = {},
): Promise<{ probe: VideoProbe; timeline: FrameTimeline }> {
  const packets: PacketJson[] = [];
  const probe = await probeVideo(ffprobe, path, options, packets);
  const csv = packets
    .filter((p) => p.stream_index === probe.streamIndex)
    .map((p) => `${p.pts_time ?? 'N/A'},${p.dts_time ?? 'N/A'},${p.size ?? 0},${p.flags ?? ''}`)
    .join('\n');
  const timeline = parseFrameTimeline(csv);
  if (timeline.times.length === 0) throw new MediaError('corrupt', path, 'no video frames could be read');
  return { probe, timeline };
}

interface PacketJson {
  stream_index?: number;
  pts_time?: string;
  dts_time?: string;
  size?: string;
  flags?: string;
}

/** `packetsOut`: when given, the packets are read in the same run and pushed into it. */
export async function probeVideo(
  ffprobe: string,
  path: string,
  options: RunOptions = {},
  packetsOut?: PacketJson[],
): Promise<VideoProbe> {
  await checkVideoFile(path);
  const text = await runFfprobe(
    ffprobe,
    path,
    packetsOut
      ? [
          '-v',
          'error',
          '-print_format',
          'json',
          '-show_entries',
          'format:stream:packet=stream_index,pts_time,dts_time,size,flags',
        ]
      : ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'],
    options,
  );
  let json: ProbeJson & { packets?: PacketJson[] };
  try {
    json = JSON.parse(text) as ProbeJson;
  } catch {
    throw new MediaError('corrupt', path, 'ffprobe returned no readable description of the file');
  }
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = [...new Set(streams.map((s) => s.codec_type).filter(Boolean))];
    // No stream with a known codec is a damaged header (an upload cut inside it leaves a codec-less
    // "data" stream), not an audio file.
    if (!streams.some((s) => s.codec_name && s.codec_name !== 'none'))
      throw new MediaError(
        'corrupt',
        path,
        'no stream could be read: the header is damaged or the file was cut short; re-download or re-encode it',
      );
    throw new MediaError(
      'no-video-stream',
      path,
      kinds.length ? `no video stream (the file holds ${kinds.join(' and ')} only)` : 'no video stream',
    );
  }
  if (!video.codec_name || video.codec_name === 'none') {
    const tag = video.codec_tag_string ? ` "${video.codec_tag_string}"` : '';
    throw new MediaError(
      'unsupported-codec',
      path,
      `the video codec${tag} is unknown to this ffmpeg; re-encode the file (e.g. to H.264)`,
    );
  }
  const rotation = rotationOf(video);
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  const quarterTurn = Math.abs(rotation) % 180 === 90;
  const avgFrameRate = rate(video.avg_frame_rate);
  const nominalFrameRate = rate(video.r_frame_rate);
  const startTime = num(json.format?.start_time) ?? 0;
  const containerDuration = num(json.format?.duration);
  const nbFrames = num(video.nb_frames);
  const probe: VideoProbe = {
    duration: containerDuration ?? 0,
    durationSource: 'container',
    startTime,
    videoStartTime: num(video.start_time) ?? startTime,
    avgFrameRate,
    nominalFrameRate,
    vfr: isVariableRate(avgFrameRate, nominalFrameRate),
    ...(nbFrames ? { frameCount: nbFrames } : {}),
    rotation,
    codedWidth,
    codedHeight,
    width: quarterTurn ? codedHeight : codedWidth,
    height: quarterTurn ? codedWidth : codedHeight,
    codec: video.codec_name,
    pixelFormat: video.pix_fmt ?? 'unknown',
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    container: json.format?.format_name ?? 'unknown',
    streamIndex: video.index ?? 0,
  };
  if (packetsOut && json.packets) for (const p of json.packets) packetsOut.push(p);
  if (containerDuration === undefined || containerDuration <= 0) {
    const lastPts = packetsOut
      ? lastPtsOf(packetsOut.filter((p) => p.stream_index === probe.streamIndex))
      : (await readFrameTimeline(ffprobe, path, probe.streamIndex, options)).times.at(-1);
    if (lastPts === undefined) throw new MediaError('corrupt', path, 'no video packets could be read');
    probe.duration = Math.max(0, lastPts - startTime);
    probe.durationSource = 'packets';
  }
  return probe;
}

function lastPtsOf(packets: PacketJson[]): number | undefined {
  let last: number | undefined;
  for (const p of packets) {
    const value = Number.parseFloat(p.pts_time ?? '');
    if (Number.isFinite(value) && (last === undefined || value > last)) last = value;
  }
  return last;
}

/** Average and nominal rates differ by more than rounding: frames are not on one uniform grid. */
export function isVariableRate(avg: number, nominal: number): boolean {
  if (!(avg > 0) || !(nominal > 0)) return false;
  return Math.abs(avg - nominal) / nominal > 0.0005;
}

function rotationOf(stream: ProbeStream): number {
  const fromMatrix = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const raw = fromMatrix ?? num(stream.tags?.rotate) ?? 0;
  // ffprobe's display-matrix rotation is counter-clockwise-negative; normalise to -180..180.
  return ((((raw + 180) % 360) + 360) % 360) - 180;
}

function rate(text: string | undefined): number {
  if (!text) return 0;
  const [n, d] = text.split('/').map(Number);
  if (!d) return Number.isFinite(n) ? n : 0;
  return n / d;
}

function num(text: string | number | undefined): number | undefined {
  if (text === undefined || text === 'N/A') return undefined;
  const value = typeof text === 'number' ? text : Number.parseFloat(text);
  return Number.isFinite(value) ? value : undefined;
}
