// Per-clip media failures, classified so a user reads what is wrong with which file.

export type MediaErrorCode =
  | 'missing' // no such file
  | 'unreadable' // permissions, or a folder where a file was expected
  | 'empty' // zero bytes
  | 'corrupt' // not a media file, damaged, or truncated (no moov atom)
  | 'no-video-stream' // audio-only or data-only files
  | 'unsupported-codec' // this ffmpeg cannot decode the stream
  | 'timeout'
  | 'cancelled'
  | 'ffmpeg-failed'; // anything else; the stderr tail says what

export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly code: MediaErrorCode,
    readonly path: string,
    /** What is wrong, without the path. */
    readonly reason: string,
    /** The last lines ffmpeg/ffprobe wrote to stderr, for the log. */
    readonly stderr = '',
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Maps a failed ffmpeg/ffprobe run to a MediaError from what it printed. */
export function classifyFailure(path: string, stderr: string, fallback: string): MediaError {
  const text = stderr.trim();
  const last = lastMeaningfulLine(text) ?? fallback;
  if (/No such file or directory/i.test(text)) return new MediaError('missing', path, 'file not found', text);
  if (/Permission denied/i.test(text)) return new MediaError('unreadable', path, 'permission denied', text);
  if (/Is a directory/i.test(text))
    return new MediaError('unreadable', path, 'is a folder, not a video file', text);
  if (/moov atom not found/i.test(text)) {
    return new MediaError(
      'corrupt',
      path,
      'truncated or incomplete MP4 (no moov atom); re-download or re-encode it',
      text,
    );
  }
  if (
    /Decoder \(codec [^)]*\) not found|Unsupported codec|no decoder|Could not find codec parameters/i.test(
      text,
    )
  ) {
    return new MediaError('unsupported-codec', path, `cannot decode: ${last}`, text);
  }
  if (
    /Invalid data found when processing input|could not find corresponding trex|error reading header|EBML header parsing failed/i.test(
      text,
    )
  ) {
    return new MediaError(
      'corrupt',
      path,
      `not a readable video (corrupt or not a media file): ${last}`,
      text,
    );
  }
  return new MediaError('ffmpeg-failed', path, last, text);
}

function lastMeaningfulLine(text: string): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1);
}
