// Wall time split into named stages, for the per-clip profile every analysis records.
export interface StageClock {
  /** Charges the time since the previous lap (or the start) to `stage`. */
  lap(stage: string): void;
  /** Seconds per stage, in the order first charged. */
  seconds(): Record<string, number>;
}

export function stageClock(now: () => number = () => performance.now()): StageClock {
  let mark = now();
  const spent = new Map<string, number>();
  return {
    lap(stage) {
      const t = now();
      spent.set(stage, (spent.get(stage) ?? 0) + (t - mark) / 1000);
      mark = t;
    },
    seconds() {
      return Object.fromEntries([...spent].map(([stage, s]) => [stage, Math.round(s * 1e4) / 1e4]));
    },
  };
}
