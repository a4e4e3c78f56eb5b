// At most `limit` tasks at once, started in arrival order. Used to bound ffmpeg processes across clips.

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }

  get running(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const start = (): void => {
          signal?.removeEventListener('abort', cancel);
          resolve();
        };
        const cancel = (): void => {
          const at = this.waiting.indexOf(start);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal?.reason ?? new Error('cancelled'));
        };
        if (signal?.aborted) return cancel();
        signal?.addEventListener('abort', cancel, { once: true });
        this.waiting.push(start);
      });
    }
    this.active++;
    try {
      signal?.throwIfAborted();
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
