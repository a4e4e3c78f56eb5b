// The host side of inference: starts the worker process lazily, sends it typed requests, restarts
// it after a crash and replays what was pending, stops it when idle. Nothing here blocks the
// host's event loop: the worker owns onnxruntime.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { INFERENCE_PROTOCOL_VERSION } from '../../protocol/inference';
import type {
  DeviceSetting,
  ExecutionProvider,
  HostMessage,
  InferenceErrorCode,
  RuntimeStatus,
  TaskInput,
  TaskName,
  TaskOutput,
  WorkerMessage,
} from '../../protocol/inference';

export interface InferenceRuntimeOptions {
  /** The worker entry: dist/inferenceWorker.js, or the .ts source with `execArgv: ['--import', 'tsx']`. */
  workerPath: string;
  execArgv?: string[];
  device?: DeviceSetting;
  batchSize?: number;
  /** Stop the worker after this long without work (default 60 s). */
  idleMs?: number;
  /** Per-request limit (default 10 min). */
  timeoutMs?: number;
  /** Model id → its file or folder on disk (the model store). */
  resolveModel: (modelId: string) => Promise<string>;
  /** Worker stderr and lifecycle notes, for an output channel or the CLI's --verbose. */
  log?: (line: string) => void;
}

export class InferenceError extends Error {
  override readonly name = 'InferenceError';
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface RunResult<T extends TaskName> {
  output: TaskOutput<T>;
  provider: ExecutionProvider;
  ms: number;
}

interface Pending {
  message: Extract<HostMessage, { type: 'run' }>;
  resolve: (result: RunResult<TaskName>) => void;
  reject: (error: Error) => void;
  /** Times the worker died while this request was in flight. */
  crashes: number;
  cleanup: () => void;
}

/** A request that has taken the worker down this many times is failed instead of replayed again. */
const MAX_CRASHES_PER_REQUEST = 2;

export class InferenceRuntime {
  private child: ChildProcess | undefined;
  private ready: Promise<RuntimeStatus> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastStatus: RuntimeStatus | undefined;
  private disposed = false;
  /** Worker starts so far (1 = never crashed). */
  starts = 0;

  constructor(private readonly options: InferenceRuntimeOptions) {}

  /** The provider in use and why it fell back; starts the worker if needed. */
  async status(): Promise<RuntimeStatus> {
    return this.start();
  }

  get currentStatus(): RuntimeStatus | undefined {
    return this.lastStatus;
  }

  async run<T extends TaskName>(
    task: T,
    model: string,
    input: TaskInput<T>,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<RunResult<T>> {
    if (this.disposed) throw new InferenceError('failed', 'the inference runtime was shut down');
    options.signal?.throwIfAborted();
    const modelPath = await this.options.resolveModel(model);
    await this.start();
    const id = this.nextId++;
    const message: Pending['message'] = { type: 'run', id, task, model, modelPath, input };
    return new Promise<RunResult<T>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 600_000;
      const timer = setTimeout(
        () =>
          this.abandon(
            id,
            new InferenceError('timeout', `${task} on ${model} took longer than ${timeoutMs / 1000} s`),
          ),
        timeoutMs,
      );
      const onAbort = (): void => this.abandon(id, new InferenceError('cancelled', 'cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        message,
        resolve: resolve as Pending['resolve'],
        reject,
        crashes: 0,
        cleanup: () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      });
      this.clearIdle();
      this.child?.send(message);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearIdle();
    for (const id of [...this.pending.keys()])
      this.settle(id, new InferenceError('cancelled', 'the inference runtime was shut down'));
    await this.stopWorker();
  }

  /** Kills the worker as a crash would (tests and "restart inference" commands). */
  killWorker(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  get workerPid(): number | undefined {
    return this.child?.pid;
  }

  private start(): Promise<RuntimeStatus> {
    if (this.ready) return this.ready;
    this.starts++;
    const child = fork(this.options.workerPath, [], {
      execArgv: this.options.execArgv ?? [],
      serialization: 'advanced',
      // Inside VS Code, process.execPath is Electron: this makes it behave as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => this.log(d.toString()));
    child.stderr?.on('data', (d: Buffer) => this.log(d.toString()));
    const ready = new Promise<RuntimeStatus>((resolve, reject) => {
      const onMessage = (message: WorkerMessage): void => {
        if (message.type === 'ready') {
          if (message.version !== INFERENCE_PROTOCOL_VERSION) {
            reject(
              new InferenceError(
                'failed',
                `inference worker speaks protocol ${message.version}, expected ${INFERENCE_PROTOCOL_VERSION}`,
              ),
            );
            return;
          }
          this.lastStatus = message.status;
          resolve(message.status);
          // Replay what a crashed predecessor left unfinished.
          for (const p of this.pending.values()) child.send(p.message);
          this.scheduleIdle();
        } else {
          this.onMessage(message);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
        }
        reject(
          new InferenceError(
            'worker-crashed',
            `inference worker exited (${signal ?? `code ${code}`}) before it was ready`,
          ),
        );
        this.onExit(code, signal);
      });
      child.once('error', (error) =>
        reject(new InferenceError('failed', `cannot start the inference worker: ${error.message}`)),
      );
    });
    this.ready = ready;
    const init: HostMessage = {
      type: 'init',
      version: INFERENCE_PROTOCOL_VERSION,
      device: this.options.device ?? 'auto',
      modelsDir: '',
      extraModelDirs: [],
      batchSize: this.options.batchSize ?? 8,
    };
    child.send(init);
    return ready;
  }

  private onMessage(message: WorkerMessage): void {
    if (message.type === 'status') {
      this.lastStatus = message.status;
    } else if (message.type === 'result') {
      this.settle(message.id, undefined, {
        output: message.output as TaskOutput<TaskName>,
        provider: message.provider,
        ms: message.ms,
      });
    } else if (message.type === 'error') {
      this.settle(message.id, new InferenceError(message.code, message.message));
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.disposed) return;
    if (this.pending.size === 0) return; // an idle stop, or a crash with nothing in flight: start lazily later
    this.log(
      `inference worker died (${signal ?? `code ${code}`}) with ${this.pending.size} request(s) pending; restarting`,
    );
    for (const [id, p] of this.pending) {
      p.crashes++;
      if (p.crashes >= MAX_CRASHES_PER_REQUEST) {
        this.settle(
          id,
          new InferenceError(
            'worker-crashed',
            `the inference worker crashed ${p.crashes} times running ${p.message.task} on ${p.message.model}`,
          ),
        );
      }
    }
    if (this.pending.size > 0) void this.start().catch((error: Error) => this.failAll(error));
  }

  /** Cancel or time out: reject now, tell the worker to drop it. */
  private abandon(id: number, error: InferenceError): void {
    if (!this.pending.has(id)) return;
    this.child?.send({ type: 'cancel', id } satisfies HostMessage);
    this.settle(id, error);
  }

  private settle(id: number, error?: Error, result?: RunResult<TaskName>): void {
    const p = this.pending.get(id);
    if (!p) return; // a late reply to a request already cancelled
    this.pending.delete(id);
    p.cleanup();
    if (error) p.reject(error);
    else p.resolve(result!);
    this.scheduleIdle();
  }

  private failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, error);
  }

  private scheduleIdle(): void {
    if (this.pending.size > 0 || !this.child) return;
    this.clearIdle();
    this.idleTimer = setTimeout(() => void this.stopWorker(), this.options.idleMs ?? 60_000);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private async stopWorker(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.ready = undefined;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 2000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      if (child.connected) child.send({ type: 'shutdown' } satisfies HostMessage);
      else child.kill('SIGKILL');
    });
  }

  private log(text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.options.log?.(line);
  }
}
