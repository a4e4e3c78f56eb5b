// demo: makes the built-in demo dataset (clips rendered by ffmpeg, annotations in five formats).
import { resolve } from 'node:path';
import { generateDemoDataset } from '../core/demo/demoDataset';
import { lookupBinary } from '../core/media/ffmpegPaths';
import { cancelSignal, UserError } from './context';

export async function demoCommand(folder: string): Promise<number> {
  const lookup = lookupBinary('ffmpeg');
  if (!lookup.found) throw new UserError(lookup.message);
  const ffmpeg = lookup.path;
  const target = resolve(folder);
  await generateDemoDataset(target, {
    ffmpeg,
    signal: cancelSignal,
    onClip: (clip, made) => process.stderr.write(`${made ? 'rendered' : 'kept'} videos/${clip.file}\n`),
  });
  process.stdout.write(`demo dataset ready in ${target}\n`);
  return 0;
}
