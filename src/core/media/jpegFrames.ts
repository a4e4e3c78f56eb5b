// JPEGs from frames already decoded (RGB24), with sharp (libvips): the board's filmstrip and poster
// come from the analysis frames instead of another ffmpeg pass over the video.
import sharp from 'sharp';

export async function writeJpeg(
  rgb: Uint8Array,
  width: number,
  height: number,
  target: string,
  options: { height?: number; quality?: number } = {},
): Promise<void> {
  let image = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width, height, channels: 3 },
  });
  if (options.height && options.height !== height) image = image.resize({ height: options.height });
  await image.jpeg({ quality: options.quality ?? 80 }).toFile(target);
}
