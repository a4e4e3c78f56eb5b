// A dataset folder over the real videos in ../shared/realdata for the analyze benchmark: one LLaVA
// record per video, the videos linked (never copied) into <folder>/videos. Real clips are longer and
// larger than the demo's, so the per-clip fixed costs weigh less: the ratio users will see.
import { readdirSync, statSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.mkv', '.webm', '.mov', '.avi']);

export function findVideos(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (VIDEO_EXTENSIONS.has(extname(name).toLowerCase())) found.push(path);
    }
  };
  walk(root);
  return found;
}

/** (Re)creates `folder` with links to every video under `root` and a data.jsonl naming them. */
export async function linkRealdataDataset(root: string, folder: string): Promise<number> {
  await rm(folder, { recursive: true, force: true });
  await mkdir(join(folder, 'videos'), { recursive: true });
  const videos = findVideos(root);
  const records: string[] = [];
  for (const [i, video] of videos.entries()) {
    const name = `${String(i).padStart(2, '0')}_${basename(video)}`;
    await symlink(video, join(folder, 'videos', name));
    records.push(
      JSON.stringify({
        id: `real-${i}`,
        video: `videos/${name}`,
        conversations: [
          { from: 'human', value: '<video>\nDescribe what happens in the video.' },
          { from: 'gpt', value: 'A short real-world clip.' },
        ],
      }),
    );
  }
  await writeFile(join(folder, 'data.jsonl'), `${records.join('\n')}\n`);
  return videos.length;
}
