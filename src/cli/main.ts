// The headless face: the same core as the extension, as a command-line tool.
import { UserError } from './context';
import { createProgram } from './program';

createProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof UserError) {
      process.stderr.write(`video-curator: ${error.message}\n`);
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && error.name === 'AbortError') {
      process.stderr.write('video-curator: cancelled\n');
      process.exitCode = 130;
    } else {
      process.stderr.write(
        `video-curator: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 70;
    }
  });
