// Stands in for `video-curator` in the Slurm scripts under test: parses its arguments with the real
// CLI parser and prints the call it would make as JSON, instead of running it.
import { parseCommandLine } from './shardCommandForm';

parseCommandLine(process.argv.slice(2)).then(
  (call) => process.stdout.write(`${JSON.stringify(call)}\n`),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
