// Probes a video in a separate process and prints the outcome as JSON. The permissions test runs
// it as an unprivileged user, because root reads files whatever their mode bits say.
import { MediaError } from '../../src/core/media/mediaError';
import { probeVideo } from '../../src/core/media/probeVideo';

const [ffprobe, path] = process.argv.slice(2);
probeVideo(ffprobe, path).then(
  (probe) => process.stdout.write(JSON.stringify({ ok: true, codec: probe.codec })),
  (error: unknown) =>
    process.stdout.write(
      JSON.stringify(
        error instanceof MediaError ? { code: error.code, message: error.message } : { error: String(error) },
      ),
    ),
);
