// The headless face: the same core as the extension, as a command-line tool.
import { Command } from 'commander';
import { analyzeCommand } from './analyzeCommand';
import { UserError } from './context';
import { decideCommand, exportCommand, statusCommand } from './curationCommands';
import { indexCommand, samplesCommand, validateCommand } from './datasetCommands';
import { demoCommand } from './demoCommand';
import { gpuEnableCommand } from './gpuCommand';
import { doctorCommand } from './doctorCommand';
import { modelsListCommand, modelsPullCommand, modelsVerifyCommand } from './modelsCommand';
import { selftestCommand } from './selftestCommand';

type Action = (...args: never[]) => Promise<number>;

function run(action: Action) {
  return async (...args: unknown[]): Promise<void> => {
    // commander passes (arguments..., options, command); drop the command object.
    process.exitCode = await (action as (...a: unknown[]) => Promise<number>)(...args.slice(0, -1));
  };
}

const program = new Command('video-curator')
  .description('Curate video datasets for training video language models.')
  .showHelpAfterError();

program
  .command('analyze')
  .description('the main job: index and validate a dataset, probe its videos, cache filmstrips, summarise')
  .argument('<folder>', 'dataset folder')
  .option('--json', 'print one JSON object')
  .option('--no-media', 'index and validate only: no decoding, no models')
  .option('--limit <n>', 'analyse at most n samples')
  .option('--only <ids>', 'analyse only these sample ids (comma-separated)')
  .option(
    '--device <device>',
    'inference device: auto | cuda | dml | coreml | cpu (default: VIDEO_CURATOR_DEVICE or auto)',
  )
  .option('--models-path <folder>', 'folder of hub models laid out as <repo id>/<files>')
  .action(run(analyzeCommand));

program
  .command('index')
  .description('detect annotation formats and list what a dataset folder holds')
  .argument('<folder>', 'dataset folder')
  .option('--json', 'print one JSON object')
  .action(run(indexCommand));

program
  .command('validate')
  .description('report every problem; exits 1 when any error exists')
  .argument('<folder>', 'dataset folder')
  .option('--json', 'print one JSON object')
  .option('--max <n>', 'problems to print (human output)', '50')
  .action(run(validateCommand));

program
  .command('status')
  .description('review progress per annotation file')
  .argument('<folder>', 'dataset folder')
  .option('--json', 'print one JSON object')
  .action(run(statusCommand));

program
  .command('samples')
  .description('list samples with their source location, video and verdict')
  .argument('<folder>', 'dataset folder')
  .option('--json', 'print one JSON object')
  .option('--verdict <verdict>', 'accept | reject | edit | pending | unreviewed')
  .option('--problem <code>', 'only samples with this problem code')
  .option('--limit <n>', 'at most n samples')
  .action(run(samplesCommand));

program
  .command('decide')
  .description('record a verdict for one sample in the decisions journal')
  .argument('<folder>', 'dataset folder')
  .argument('<sampleId>', 'sample id (see `samples`)')
  .argument('<verdict>', 'accept | reject | pending')
  .option('--note <text>', 'a note kept with the decision')
  .option('--annotator <name>', 'who decided (default: your user name)')
  .option('--json', 'print the recorded decision as JSON')
  .action(run(decideCommand));

program
  .command('export')
  .description('write the curated dataset (accepted and edited samples)')
  .argument('<folder>', 'dataset folder')
  .option('--out <path>', 'output file (llava-jsonl) or folder (source)')
  .option('--format <format>', 'llava-jsonl | source', 'llava-jsonl')
  .option('--include-pending', 'also export samples not yet reviewed')
  .option('--json', 'print the export report as JSON')
  .action(run(exportCommand));

const gpu = program.command('gpu').description('GPU inference set-up');
gpu
  .command('enable')
  .description(
    "install onnxruntime-node's CUDA provider (needs internet; offline it says what to fetch and where)",
  )
  .option('--print-only', 'only print the manual install instructions')
  .option('--json', 'print the result as JSON')
  .action(run(gpuEnableCommand));

program
  .command('demo')
  .description('create the built-in demo dataset (needs ffmpeg)')
  .argument('[folder]', 'where to create it', 'build/demo-dataset')
  .action(run(demoCommand));

program
  .command('doctor')
  .description('show which ffmpeg/ffprobe are used and their versions; exits 1 when one is missing')
  .option('--json', 'print one JSON object')
  .action(run(doctorCommand));

const models = program
  .command('models')
  .description('list, download and verify the models the analysis uses');
// Each subcommand takes the folder options itself, so `run` hands them to the action with the rest.
const withModelFolders = (command: Command): Command =>
  command
    .option(
      '--models-path <dir>',
      'your models folder, laid out <dir>/<owner>/<name>/<file> (default: $VIDEO_CURATOR_MODELS)',
    )
    .option('--manifest <path>', 'model manifest file or manifest.parts folder (default: the bundled one)');
withModelFolders(
  models
    .command('list')
    .description('every model in the manifest, where it resolves on this machine or which files are missing')
    .option('--json', 'print one JSON object'),
).action(run(modelsListCommand));
withModelFolders(
  models
    .command('pull')
    .description('download a hub model into ~/.cache/video-curator/models, showing its size first; resumes')
    .argument('<id>', 'model id (see `models list`)')
    .option('--yes', 'do not ask before downloading'),
).action(run(modelsPullCommand));
withModelFolders(
  models
    .command('verify')
    .description("recompute the models' sha256 checksums; exits 1 when one is missing or differs")
    .argument('[id]', 'only this model')
    .option('--json', 'print one JSON object'),
).action(run(modelsVerifyCommand));

program
  .command('selftest')
  .description(
    'check the analysis on generated video: `needle` (keyframes find a spliced-in clip; needs ffmpeg)',
  )
  .argument('<test>', 'needle')
  .option('--k <n>', 'keyframes to pick', '8')
  .option('--haystack <seconds>', 'seconds of distractor footage', '60')
  .option('--needle <seconds>', 'seconds of needle', '3')
  .option('--keep', 'keep the generated video and print where it is')
  .option('--json', 'print one JSON object')
  .action(run(selftestCommand));

program.parseAsync(process.argv).catch((error: unknown) => {
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
