// CPU seconds this process and its reaped children (ffmpeg, the inference worker) have used: a cost
// that, unlike wall time, does not grow when other work shares the machine. Linux only (/proc);
// undefined elsewhere.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux this runs on (USER_HZ). */
const TICKS = 100;

export function cpuSecondsWithChildren(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return (utime + stime + cutime + cstime) / TICKS;
  } catch {
    return undefined;
  }
}
