// One service for everyone who asks, started on first use: callers that ask at the same time share
// the one start (two would leave a second inference worker running unseen), a failed start is not
// kept (the next ask tries again), and a reset disposes what was started, even while it is starting.
export class SharedService<T> {
  private pending: Promise<T> | undefined;

  constructor(
    private readonly create: () => Promise<T>,
    private readonly disposeOf: (service: T) => Promise<void>,
  ) {}

  get(): Promise<T> {
    if (!this.pending) {
      const started = this.create();
      this.pending = started;
      started.catch(() => {
        if (this.pending === started) this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** The next get() starts a fresh one; the current one (if it started) is disposed. */
  async reset(): Promise<void> {
    const current = this.pending;
    this.pending = undefined;
    const service = await current?.catch(() => undefined);
    if (service !== undefined) await this.disposeOf(service);
  }
}
