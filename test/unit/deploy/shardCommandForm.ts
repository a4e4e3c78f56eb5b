// The shard and merge command lines that the equality test runs, and a way to parse any command line
// with the real CLI parser without running it, so the deploy recipes can be held to the tested form.
import { CommanderError } from 'commander';
import type { Command } from 'commander';
import { createProgram } from '../../../src/cli/program';

/** `analyze <folder> --shard i/n --out <dir>`: what every shard pod/task runs. */
export function shardCommand(
  folder: string,
  index: number | string,
  count: number | string,
  out: string,
): string[] {
  return ['analyze', folder, '--shard', `${index}/${count}`, '--out', out];
}

/** `merge <folder> <dir>`: what the merge job runs. */
export function mergeCommand(folder: string, shardsDir: string): string[] {
  return ['merge', folder, shardsDir];
}

export interface ParsedCall {
  command: string;
  args: unknown[];
}

/** What the real program would call for `argv` (arguments after the program name); nothing runs. */
export async function parseCommandLine(argv: readonly string[]): Promise<ParsedCall> {
  let call: ParsedCall | undefined;
  const program = createProgram({
    dispatch: async (command, _action, args) => {
      call = { command, args: JSON.parse(JSON.stringify(args)) as unknown[] };
      return 0;
    },
    configure: (root: Command) =>
      root.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined }),
  });
  const exitCode = process.exitCode;
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError)
      throw new Error(`the CLI rejects ${argv.join(' ')}: ${error.message}`, { cause: error });
    throw error;
  } finally {
    process.exitCode = exitCode;
  }
  if (!call) throw new Error(`no command ran for ${argv.join(' ')}`);
  return call;
}
