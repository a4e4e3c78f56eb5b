// Runs one ffmpeg process through fluent-ffmpeg (the product card's choice), behind our own small
// interface: argument arrays only, a timeout, an abort signal that kills the process, stderr kept
// for the error message, and the promise settles only after the process has exited (no zombies).
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import ffmpegCommand from 'fluent-ffmpeg';
import { classifyFailure, MediaError } from './mediaError';

export interface FfmpegInput {
  /** A file (made absolute before use), or a lavfi graph when `graph` is set. */
  path: string;
  graph?: boolean;
  /** Options placed before this input's `-i` (e.g. `-ss`, `-threads`). */
  options?: string[];
}

export interface FfmpegJob {
  ffmpeg: string;
  inputs: FfmpegInput[];
  /** Options for the single output, including `-filter_complex`/`-vf`, `-map`, `-f`. */
  outputOptions: string[];
  /** A file path, or undefined to stream stdout to `onData`. */
  output?: string;
  /** More outputs of the same process, each written to its own file (one decode, several results). */
  fileOutputs?: { path: string; options: string[] }[];
  onData?: (chunk: Buffer) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The file the user knows this job by, for error messages. */
  clip: string;
}

export function runFfmpeg(job: FfmpegJob): Promise<void> {
  if (job.signal?.aborted) return Promise.reject(new MediaError('cancelled', job.clip, 'cancelled'));
  const timeoutMs = job.timeoutMs ?? 120_000;
  return new Promise((ok, fail) => {
    // stdoutLines bounds the stderr ring too: keep the last 100 lines for the error message.
    const command = ffmpegCommand({ stdoutLines: 100 });
    command.setFfmpegPath(job.ffmpeg);
    for (const input of job.inputs) {
      // Absolute, so a name like `pipe:1.mp4` or `concat:a|b` is a file, never an ffmpeg protocol.
      command.input(input.graph ? input.path : resolve(input.path));
      if (input.options?.length) command.inputOptions(input.options);
    }
    let timedOut = false;
    let settled = false;
    let started = false;
    // A kill asked for before fluent-ffmpeg has spawned the process is replayed on 'start'.
    const stop = (): void => {
      if (started) command.kill('SIGKILL');
    };
    command.on('start', () => {
      started = true;
      if (timedOut || job.signal?.aborted) command.kill('SIGKILL');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = (): void => stop();
    job.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      if (error) fail(error);
      else ok();
    };
    command.on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
      if (job.signal?.aborted) finish(new MediaError('cancelled', job.clip, 'cancelled'));
      else if (timedOut) {
        finish(
          new MediaError('timeout', job.clip, `ffmpeg took longer than ${timeoutMs / 1000} s`, stderr ?? ''),
        );
      } else finish(classifyFailure(job.clip, stderr ?? '', error.message));
    });
    if (job.output) {
      command.on('end', () => finish());
      command.output(job.output).outputOptions(job.outputOptions).run();
    } else {
      // fluent-ffmpeg reports 'end' when the process exits, which can be before the last stdout
      // bytes reach us: settle only when both have happened.
      let exited = false;
      let drained = false;
      command.on('end', () => {
        exited = true;
        if (drained) finish();
      });
      // No 'close' event: fluent-ffmpeg treats the output stream closing before the process has
      // exited (common under load) as a failure after 20 ms. We wait for both ourselves instead.
      const sink = new Writable({
        emitClose: false,
        write(chunk: Buffer, _encoding, done) {
          job.onData?.(chunk);
          done();
        },
        final(done) {
          drained = true;
          if (exited) finish();
          done();
        },
      });
      command.outputOptions(job.outputOptions).output(sink, { end: true });
      for (const extra of job.fileOutputs ?? []) command.output(extra.path).outputOptions(extra.options);
      command.run();
    }
  });
}
