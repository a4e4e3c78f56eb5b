// Probe and frame timeline of a plain H.264 MP4 read straight from its moov box, in process: the
// same answer ffprobe gives (a test holds the two equal on every real and generated clip), without
// starting a process per clip (Debian's ffprobe takes ~80 ms just to start). Only the common,
// unambiguous layout is read here; anything else (fragments, several tracks, edit lists beyond a
// start delay, rotation, variable frame durations, other codecs, damage) returns undefined and
// the caller asks ffprobe, which knows every container.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { FrameTimeline } from './frameTimeline';
import { isVariableRate } from './probeVideo';
import type { VideoProbe } from './probeVideo';

/** moov boxes bigger than this are left to ffprobe (a 3-hour clip's index is ~10 MB). */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

interface Box {
  type: string;
  /** First byte of the content (after the header) and one past the last, in the buffer. */
  start: number;
  end: number;
}

export type Mp4Read = { probe: VideoProbe; timeline: FrameTimeline } | { ffprobe: string };

/** The probe and timeline, or `{ ffprobe: why }` when the file is for ffprobe to read. */
export async function readMp4Index(path: string): Promise<Mp4Read> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return parseMoov(await findMoov(file, size), size);
  } catch (error) {
    // A layout this reader does not follow, or bytes it cannot make sense of, are ffprobe's job:
    // it names the damage precisely (see MediaError), so nothing here is an error of the clip.
    if (error instanceof NotSimple) return { ffprobe: error.message };
    return { ffprobe: `box data this reader cannot follow (${(error as Error).message})` };
  } finally {
    await file.close();
  }
}

class NotSimple extends Error {}

function need(condition: unknown, why = 'a box layout this reader does not follow'): asserts condition {
  if (!condition) throw new NotSimple(why);
}

async function findMoov(file: FileHandle, size: number): Promise<Buffer> {
  const header = Buffer.alloc(16);
  let offset = 0;
  let first = true;
  while (offset + 8 <= size) {
    const { bytesRead } = await file.read(header, 0, 16, offset);
    need(bytesRead >= 8, 'the file ends inside a box header');
    let boxSize = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let headerSize = 8;
    if (boxSize === 1) {
      need(bytesRead >= 16, 'the file ends inside a box header');
      boxSize = Number(header.readBigUInt64BE(8));
      headerSize = 16;
    } else if (boxSize === 0) boxSize = size - offset;
    need(!first || type === 'ftyp', 'not an MP4/MOV file (no ftyp box first)');
    first = false;
    need(
      boxSize >= headerSize && offset + boxSize <= size,
      'a box runs past the end of the file (damaged or cut short)',
    );
    need(type !== 'moof', 'a fragmented MP4');
    if (type === 'moov') {
      need(boxSize <= MAX_MOOV_BYTES, 'a moov box over 64 MB');
      const moov = Buffer.alloc(boxSize - headerSize);
      const { bytesRead: got } = await file.read(moov, 0, moov.length, offset + headerSize);
      need(got === moov.length, 'the moov box could not be read whole');
      return moov;
    }
    offset += boxSize;
  }
  throw new NotSimple('no moov box');
}

function children(buf: Buffer, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      need(at + 16 <= end);
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = end - at;
    need(size >= header && at + size <= end);
    boxes.push({ type, start: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

function only(buf: Buffer, parent: Box, type: string): Box | undefined {
  const found = children(buf, parent.start, parent.end).filter((b) => b.type === type);
  need(found.length <= 1);
  return found[0];
}

function must(buf: Buffer, parent: Box, type: string): Box {
  const box = only(buf, parent, type);
  need(box);
  return box;
}

function parseMoov(moov: Buffer, fileSize: number): { probe: VideoProbe; timeline: FrameTimeline } {
  const root: Box = { type: 'moov', start: 0, end: moov.length };
  const top = children(moov, root.start, root.end);
  need(!top.some((b) => b.type === 'mvex'), 'a fragmented MP4');
  const traks = top.filter((b) => b.type === 'trak');
  // Cover art in the metadata becomes a stream of its own in ffmpeg.
  need(!moov.includes('covr', 0, 'latin1'), 'cover art');
  const mvhd = must(moov, root, 'mvhd');
  const movie = readMvhd(moov, mvhd);
  need(identityMatrix(moov, mvhd), 'a movie display matrix (rotation)');
  // ffmpeg numbers streams in track order. One video track, and audio tracks whose start is read
  // from their edit list; a timecode, subtitle or second video track is ffprobe's.
  const tracks = traks.map((trak) => {
    const mdia = must(moov, trak, 'mdia');
    return { trak, mdia, handler: handlerOf(moov, must(moov, mdia, 'hdlr')) };
  });
  const videos = tracks.filter((t) => t.handler === 'vide');
  need(videos.length === 1, `${videos.length} video tracks`);
  const other = tracks.find((t) => t.handler !== 'vide' && t.handler !== 'soun');
  need(!other, `a "${other?.handler}" track`);
  const audioStarts = tracks
    .filter((t) => t.handler === 'soun')
    .map((t) => {
      const clock = readMdhd(moov, must(moov, t.mdia, 'mdhd'));
      need(clock.timescale > 0, 'an audio track without a timescale');
      // ffmpeg reads audio and video packets interleaved: a damaged audio table cuts the video short.
      const audioTable = must(moov, must(moov, t.mdia, 'minf'), 'stbl');
      const audioSizes = sampleSizes(moov, must(moov, audioTable, 'stsz'), fileSize);
      need(samplesInFile(moov, audioTable, audioSizes, fileSize), 'audio samples past the end of the file');
      return seconds(readEdit(moov, t.trak, movie.timescale, clock.timescale).delay, clock.timescale);
    });
  const video = videos[0];
  need(identityMatrix(moov, must(moov, video.trak, 'tkhd')), 'a display matrix (rotation)');
  const media = readMdhd(moov, must(moov, video.mdia, 'mdhd'));
  const stbl = must(moov, must(moov, video.mdia, 'minf'), 'stbl');
  const read = buildProbe(moov, video.trak, stbl, movie, media, fileSize);
  read.probe.streamIndex = tracks.indexOf(video);
  read.probe.hasAudio = audioStarts.length > 0;
  // The container starts with its earliest stream.
  read.probe.startTime = Math.min(read.probe.videoStartTime, ...audioStarts);
  return read;
}

/** Ticks to seconds as ffprobe prints them (6 decimals). */
function seconds(ticks: number, timescale: number): number {
  return Number((ticks / timescale).toFixed(6));
}

interface Clock {
  timescale: number;
  duration: number;
}

function fullBoxVersion(buf: Buffer, box: Box): number {
  need(box.end - box.start >= 4);
  const version = buf.readUInt8(box.start);
  need(version <= 1, `a ${box.type} box of version ${version}`);
  return version;
}

function readMvhd(buf: Buffer, box: Box): Clock {
  const v = fullBoxVersion(buf, box);
  const at = box.start + 4;
  return v === 1
    ? { timescale: buf.readUInt32BE(at + 16), duration: Number(buf.readBigUInt64BE(at + 20)) }
    : { timescale: buf.readUInt32BE(at + 8), duration: buf.readUInt32BE(at + 12) };
}

const readMdhd = readMvhd; // same layout up to the duration

function handlerOf(buf: Buffer, hdlr: Box): string {
  return buf.toString('latin1', hdlr.start + 8, hdlr.start + 12);
}

/** The display matrix of a tkhd or mvhd box (ffmpeg combines both) is the identity: no rotation. */
function identityMatrix(buf: Buffer, box: Box): boolean {
  const v = fullBoxVersion(buf, box);
  // tkhd: times, track id, duration, then layer/volume; mvhd: times, timescale, duration, then rate/volume.
  const before = box.type === 'tkhd' ? (v === 1 ? 32 : 20) : v === 1 ? 28 : 16;
  const matrix = box.start + 4 + before + 16;
  need(matrix + 36 <= box.end);
  const m = Array.from({ length: 9 }, (_, i) => buf.readInt32BE(matrix + 4 * i));
  return (
    m[0] === 0x10000 &&
    m[1] === 0 &&
    m[2] === 0 &&
    m[3] === 0 &&
    m[4] === 0x10000 &&
    m[5] === 0 &&
    m[6] === 0 &&
    m[7] === 0 &&
    m[8] === 0x40000000
  );
}

function buildProbe(
  buf: Buffer,
  trak: Box,
  stbl: Box,
  movie: Clock,
  media: Clock,
  fileSize: number,
): { probe: VideoProbe; timeline: FrameTimeline } {
  need(movie.timescale > 0 && media.timescale > 0 && movie.duration > 0, 'no duration in the header');
  const codec = readAvcSampleEntry(buf, must(buf, stbl, 'stsd'));
  const deltas = runs(buf, must(buf, stbl, 'stts'), false);
  const ctts = only(buf, stbl, 'ctts');
  const offsets = ctts ? runs(buf, ctts, fullBoxVersion(buf, ctts) === 1) : undefined;
  const sizes = sampleSizes(buf, must(buf, stbl, 'stsz'), fileSize);
  const count = sizes.length;
  need(count > 0 && deltas.total === count && (!offsets || offsets.total === count));
  need(samplesInFile(buf, stbl, sizes, fileSize), 'samples past the end of the file (cut short)');
  // One frame duration for all (the last may differ): ffmpeg's own condition for taking the rate
  // from the table rather than estimating it.
  const entries = deltas.entries;
  need(entries.length === 1 || (entries.length === 2 && entries[1].count === 1), 'variable frame durations');
  const edit = readEdit(buf, trak, movie.timescale, media.timescale);

  // Without a sync-sample table ffmpeg finds keyframes by parsing the stream itself.
  const stss = only(buf, stbl, 'stss');
  need(stss, 'no sync-sample table');
  const sync = syncSamples(buf, stss);
  const frames: { pts: number; key: boolean }[] = [];
  let dts = 0;
  let d = 0;
  let dLeft = entries[0].count;
  let o = 0;
  let oLeft = offsets?.entries[0]?.count ?? 0;
  let editStartsOnAFrame = edit.mediaTime === 0;
  let lastCts = -Infinity;
  for (let i = 0; i < count; i++) {
    while (dLeft === 0) dLeft = entries[++d].count;
    let cts = dts;
    if (offsets) {
      while (oLeft === 0) oLeft = offsets.entries[++o].count;
      cts += offsets.entries[o].value;
      oLeft--;
    }
    if (cts === edit.mediaTime) editStartsOnAFrame = true;
    lastCts = Math.max(lastCts, cts);
    // Frames before the edit's media start are decoded for reference only (ffmpeg marks them discard).
    const shown = cts >= edit.mediaTime;
    if (sizes[i] > 0 && shown) frames.push({ pts: cts - edit.mediaTime + edit.delay, key: sync.has(i + 1) });
    dts += entries[d].value;
    dLeft--;
  }
  need(frames.length > 0, 'no frame to show');
  // Encoders start the edit on a frame and end it after the last one; an edit that starts inside
  // a frame or cuts frames off the end is ffmpeg's to interpret.
  need(editStartsOnAFrame, 'an edit that starts between frames');
  need(
    edit.span === undefined || lastCts < edit.mediaTime + edit.span,
    'an edit that ends before the last frame',
  );
  frames.sort((a, b) => a.pts - b.pts);
  const times = frames.map((f) => seconds(f.pts, media.timescale));
  const keyframes: number[] = [];
  frames.forEach((f, i) => f.key && keyframes.push(i));
  if (keyframes[0] !== 0) keyframes.unshift(0);

  const avg = reduce(media.timescale * deltas.total, deltas.sum);
  const nominal = reduce(media.timescale, entries[0].value);
  const avgFrameRate = avg[0] / avg[1];
  const nominalFrameRate = nominal[0] / nominal[1];
  const startTime = times[0];
  const probe: VideoProbe = {
    duration: Math.round((movie.duration * 1e6) / movie.timescale) / 1e6,
    durationSource: 'container',
    startTime,
    videoStartTime: startTime,
    avgFrameRate,
    nominalFrameRate,
    vfr: isVariableRate(avgFrameRate, nominalFrameRate),
    frameCount: count,
    rotation: 0,
    codedWidth: codec.width,
    codedHeight: codec.height,
    width: codec.width,
    height: codec.height,
    codec: 'h264',
    pixelFormat: codec.pixelFormat,
    hasAudio: false,
    container: 'mov,mp4,m4a,3gp,3g2,mj2',
    streamIndex: 0,
  };
  return { probe, timeline: { times, keyframes } };
}

interface Runs {
  entries: { count: number; value: number }[];
  total: number;
  /** Sum of count x value. */
  sum: number;
}

function runs(buf: Buffer, box: Box, signed: boolean): Runs {
  const n = buf.readUInt32BE(box.start + 4);
  need(box.start + 8 + n * 8 <= box.end);
  const entries: Runs['entries'] = [];
  let total = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const at = box.start + 8 + i * 8;
    const count = buf.readUInt32BE(at);
    // ffmpeg reads composition offsets as signed whatever the box version says.
    const value = signed || box.type === 'ctts' ? buf.readInt32BE(at + 4) : buf.readUInt32BE(at + 4);
    if (count === 0) continue;
    entries.push({ count, value });
    total += count;
    sum += count * value;
  }
  need(entries.length > 0);
  return { entries, total, sum };
}

function sampleSizes(buf: Buffer, stsz: Box, fileSize: number): number[] {
  const fixed = buf.readUInt32BE(stsz.start + 4);
  const n = buf.readUInt32BE(stsz.start + 8);
  // A damaged count must not become a huge allocation: the samples have to fit in the file.
  need(n * Math.max(1, fixed) <= fileSize, 'more samples than the file can hold');
  if (fixed !== 0) return new Array<number>(n).fill(fixed);
  need(stsz.start + 12 + n * 4 <= stsz.end);
  return Array.from({ length: n }, (_, i) => buf.readUInt32BE(stsz.start + 12 + i * 4));
}

/** Every sample's bytes lie inside the file (a cut-short upload is ffprobe's to describe). */
function samplesInFile(buf: Buffer, stbl: Box, sizes: number[], fileSize: number): boolean {
  const stco = only(buf, stbl, 'stco');
  const co64 = only(buf, stbl, 'co64');
  need((stco === undefined) !== (co64 === undefined));
  const table = (stco ?? co64)!;
  const chunks = buf.readUInt32BE(table.start + 4);
  const wide = table.type === 'co64';
  need(table.start + 8 + chunks * (wide ? 8 : 4) <= table.end);
  const chunkOffset = (c: number) =>
    wide ? Number(buf.readBigUInt64BE(table.start + 8 + c * 8)) : buf.readUInt32BE(table.start + 8 + c * 4);
  const stsc = must(buf, stbl, 'stsc');
  const n = buf.readUInt32BE(stsc.start + 4);
  need(n > 0 && stsc.start + 8 + n * 12 <= stsc.end);
  const firstChunk = (k: number) => buf.readUInt32BE(stsc.start + 8 + k * 12);
  const perChunk = (k: number) => buf.readUInt32BE(stsc.start + 8 + k * 12 + 4);
  let sample = 0;
  for (let k = 0; k < n; k++) {
    const from = firstChunk(k) - 1;
    const to = k + 1 < n ? firstChunk(k + 1) - 1 : chunks;
    for (let c = from; c < to && sample < sizes.length; c++) {
      let at = chunkOffset(c);
      for (let s = 0; s < perChunk(k) && sample < sizes.length; s++) {
        at += sizes[sample++];
        if (at > fileSize) return false;
      }
    }
  }
  return sample === sizes.length;
}

function syncSamples(buf: Buffer, stss: Box): Set<number> {
  const n = buf.readUInt32BE(stss.start + 4);
  need(stss.start + 8 + n * 4 <= stss.end);
  return new Set(Array.from({ length: n }, (_, i) => buf.readUInt32BE(stss.start + 8 + i * 4)));
}

/**
 * The edit list forms ffmpeg writes and reads without surprises: none; one edit from media time M
 * (the B-frame delay); or an empty edit (a delayed start) then one such edit. All in media ticks.
 */
function readEdit(
  buf: Buffer,
  trak: Box,
  movieScale: number,
  mediaScale: number,
): { mediaTime: number; delay: number; span?: number } {
  const edts = only(buf, trak, 'edts');
  if (!edts) return { mediaTime: 0, delay: 0 };
  const elst = must(buf, edts, 'elst');
  const v = fullBoxVersion(buf, elst);
  const n = buf.readUInt32BE(elst.start + 4);
  const width = v === 1 ? 20 : 12;
  need(elst.start + 8 + n * width <= elst.end);
  const entries = Array.from({ length: n }, (_, i) => {
    const at = elst.start + 8 + i * width;
    return v === 1
      ? {
          duration: Number(buf.readBigUInt64BE(at)),
          mediaTime: Number(buf.readBigInt64BE(at + 8)),
          rate: buf.readInt32BE(at + 16),
        }
      : { duration: buf.readUInt32BE(at), mediaTime: buf.readInt32BE(at + 4), rate: buf.readInt32BE(at + 8) };
  });
  need(entries.length >= 1 && entries.length <= 2, `an edit list of ${entries.length} edits`);
  let delay = 0;
  if (entries.length === 2) {
    need(entries[0].mediaTime === -1, 'an edit list of two edits');
    // ffmpeg turns the empty edit into a start offset in the stream's ticks, rounding down.
    delay = Math.floor((entries[0].duration * mediaScale) / movieScale);
  }
  const edit = entries[entries.length - 1];
  need(edit.mediaTime >= 0 && edit.rate === 0x10000, 'an empty or slowed edit');
  // The edit's length in media ticks (0 in old files means "to the end").
  const span = edit.duration > 0 ? (edit.duration * mediaScale) / movieScale : undefined;
  return { mediaTime: edit.mediaTime, delay, ...(span !== undefined ? { span } : {}) };
}

interface AvcEntry {
  width: number;
  height: number;
  pixelFormat: string;
}

/** The one sample description: H.264 (avc1/avc3) with its avcC, the SPS read for size and format. */
function readAvcSampleEntry(buf: Buffer, stsd: Box): AvcEntry {
  need(buf.readUInt32BE(stsd.start + 4) === 1, 'several sample descriptions');
  const entry = children(buf, stsd.start + 8, stsd.end)[0];
  need(
    entry && (entry.type === 'avc1' || entry.type === 'avc3'),
    `codec ${entry?.type ?? 'none'} (only H.264 is read here)`,
  );
  // VisualSampleEntry: 6 reserved + 2 index + 16 predefined + 2+2 size + ... 78 bytes before children.
  const avcC = children(buf, entry.start + 78, entry.end).find((b) => b.type === 'avcC');
  need(avcC);
  need(buf.readUInt8(avcC.start) === 1);
  const spsCount = buf.readUInt8(avcC.start + 5) & 0x1f;
  need(spsCount >= 1);
  const spsLength = buf.readUInt16BE(avcC.start + 6);
  need(avcC.start + 8 + spsLength <= avcC.end);
  return readSps(buf.subarray(avcC.start + 8, avcC.start + 8 + spsLength));
}

/** Bits of an RBSP (emulation-prevention bytes removed). */
class Bits {
  private bit = 0;
  constructor(private readonly data: Uint8Array) {}
  u(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bit >> 3;
      need(byte < this.data.length);
      value = value * 2 + ((this.data[byte] >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      zeros++;
      need(zeros < 32);
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

function unescape(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]);
  }
  return Uint8Array.from(out);
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Width, height (after cropping) and ffmpeg's pixel-format name from an H.264 SPS. */
function readSps(nal: Buffer): AvcEntry {
  const bits = new Bits(unescape(nal));
  need((bits.u(8) & 0x1f) === 7);
  const profile = bits.u(8);
  bits.u(16); // constraint flags, level
  bits.ue(); // sps id
  let chroma = 1;
  let depth = 8;
  if (HIGH_PROFILES.has(profile)) {
    chroma = bits.ue();
    if (chroma === 3) need(bits.u(1) === 0); // separate colour planes
    depth = bits.ue() + 8;
    need(bits.ue() + 8 === depth); // chroma depth as luma
    bits.u(1); // qpprime bypass
    need(bits.u(1) === 0, 'H.264 scaling matrices');
  }
  bits.ue(); // log2_max_frame_num
  const pocType = bits.ue();
  if (pocType === 0) bits.ue();
  else if (pocType === 1) {
    bits.u(1);
    bits.se();
    bits.se();
    const cycle = bits.ue();
    for (let i = 0; i < cycle; i++) bits.se();
  }
  bits.ue(); // max refs
  bits.u(1); // gaps
  const widthMbs = bits.ue() + 1;
  const heightUnits = bits.ue() + 1;
  const frameMbsOnly = bits.u(1);
  if (!frameMbsOnly) bits.u(1);
  bits.u(1); // direct 8x8
  let crop = [0, 0, 0, 0];
  if (bits.u(1)) crop = [bits.ue(), bits.ue(), bits.ue(), bits.ue()];
  const subW = chroma === 1 || chroma === 2 ? 2 : 1;
  const subH = chroma === 1 ? 2 : 1;
  const cropX = chroma === 0 ? 1 : subW;
  const cropY = (chroma === 0 ? 1 : subH) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropX * (crop[0] + crop[1]);
  const height = heightUnits * 16 * (2 - frameMbsOnly) - cropY * (crop[2] + crop[3]);
  let fullRange = false;
  if (bits.u(1)) {
    // VUI: aspect ratio, overscan, then the signal type with the range flag.
    if (bits.u(1) && bits.u(8) === 255) bits.u(32);
    if (bits.u(1)) bits.u(1);
    if (bits.u(1)) {
      bits.u(3);
      fullRange = bits.u(1) === 1;
    }
  }
  return { width, height, pixelFormat: pixelFormatName(chroma, depth, fullRange) };
}

function pixelFormatName(chroma: number, depth: number, fullRange: boolean): string {
  const base = chroma === 0 ? 'gray' : chroma === 1 ? 'yuv420p' : chroma === 2 ? 'yuv422p' : 'yuv444p';
  if (depth === 8) return fullRange && base !== 'gray' ? base.replace('yuv', 'yuvj') : base;
  need(chroma !== 0);
  return `${base}${depth}le`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function reduce(num: number, den: number): [number, number] {
  need(num > 0 && den > 0);
  const g = gcd(num, den);
  return [num / g, den / g];
}
