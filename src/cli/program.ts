// The CLI's commands and options, built once for main.ts and for tests that parse command lines.
import { Command } from 'commander';
import { analyzeCommand } from './analyzeCommand';
import { decideCommand, exportCommand, statusCommand } from './curationCommands';
import { indexCommand, samplesCommand, validateCommand } from './datasetCommands';
import { demoCommand } from './demoCommand';
import { gpuEnableCommand } from './gpuCommand';
import { doctorCommand } from './doctorCommand';
import { mergeCommand } from './mergeCommand';
import { modelsListCommand, modelsPullCommand, modelsVerifyCommand } from './modelsCommand';
import { selftestCommand } from './selftestCommand';

export type Action = (...args: never[]) => Promise<number>;

/**
 * Runs a command's action with what commander parsed (arguments..., options) and returns its exit
 * code. The default runs it; tests pass one that records the parsed call instead, so a command line
 * from a deploy recipe can be checked against the real parser without running it.
 */
export type Dispatch = (command: string, action: Action, args: unknown[]) => Promise<number>;

export interface ProgramOptions {
  dispatch?: Dispatch;
  /** Applied to the root before the commands are added, so they inherit it (exitOverride, output). */
  configure?: (program: Command) => void;
}

export function createProgram(options: ProgramOptions = {}): Command {
  const dispatch: Dispatch =
    options.dispatch ?? ((_name, action, args) => (action as (...a: unknown[]) => Promise<number>)(...args));
  const run =
    (action: Action, name: string) =>
    async (...args: unknown[]): Promise<void> => {
      // commander passes (arguments..., options, command); drop the command object.
      process.exitCode = await dispatch(name, action, args.slice(0, -1));
    };

  const program = new Command('video-curator')
    .description('Curate video datasets for training video language models.')
    .showHelpAfterError();
  options.configure?.(program);

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
    .option(
      '--shard <i/n>',
      'analyse only shard i of n (0 <= i < n; samples split by a hash of their id) and write <out>/<i>-of-<n>.json; then `merge`',
    )
    .option(
      '--out <folder>',
      'with --shard: where the shard results go (default <folder>/.video-curator/shards)',
    )
    .option(
      '--cache <folder>',
      "with --shard: media cache to use instead of the dataset's own (merge imports it into the dataset's)",
    )
    .action(run(analyzeCommand, 'analyze'));

  program
    .command('merge')
    .description(
      "combine the results of `analyze --shard i/n` runs into the dataset's results.json and report.html",
    )
    .argument('<folder>', 'dataset folder (at the path the shards saw)')
    .argument(
      '[shards...]',
      'shard results files or folders of them (default <folder>/.video-curator/shards)',
    )
    .option('--json', 'print one JSON object')
    .action(run(mergeCommand, 'merge'));

  program
    .command('index')
    .description('detect annotation formats and list what a dataset folder holds')
    .argument('<folder>', 'dataset folder')
    .option('--json', 'print one JSON object')
    .action(run(indexCommand, 'index'));

  program
    .command('validate')
    .description('report every problem; exits 1 when any error exists')
    .argument('<folder>', 'dataset folder')
    .option('--json', 'print one JSON object')
    .option('--max <n>', 'problems to print (human output)', '50')
    .action(run(validateCommand, 'validate'));

  program
    .command('status')
    .description('review progress per annotation file')
    .argument('<folder>', 'dataset folder')
    .option('--json', 'print one JSON object')
    .action(run(statusCommand, 'status'));

  program
    .command('samples')
    .description('list samples with their source location, video and verdict')
    .argument('<folder>', 'dataset folder')
    .option('--json', 'print one JSON object')
    .option('--verdict <verdict>', 'accept | reject | edit | pending | unreviewed')
    .option('--problem <code>', 'only samples with this problem code')
    .option('--limit <n>', 'at most n samples')
    .action(run(samplesCommand, 'samples'));

  program
    .command('decide')
    .description('record a verdict for one sample in the decisions journal')
    .argument('<folder>', 'dataset folder')
    .argument('<sampleId>', 'sample id (see `samples`)')
    .argument('<verdict>', 'accept | reject | pending')
    .option('--note <text>', 'a note kept with the decision')
    .option('--annotator <name>', 'who decided (default: your user name)')
    .option('--json', 'print the recorded decision as JSON')
    .action(run(decideCommand, 'decide'));

  program
    .command('export')
    .description('write the curated dataset (accepted and edited samples)')
    .argument('<folder>', 'dataset folder')
    .option('--out <path>', 'output file (llava-jsonl) or folder (source)')
    .option('--format <format>', 'llava-jsonl | source', 'llava-jsonl')
    .option('--include-pending', 'also export samples not yet reviewed')
    .option('--json', 'print the export report as JSON')
    .action(run(exportCommand, 'export'));

  const gpu = program.command('gpu').description('GPU inference set-up');
  gpu
    .command('enable')
    .description(
      "install onnxruntime-node's CUDA provider (needs internet; offline it says what to fetch and where)",
    )
    .option('--print-only', 'only print the manual install instructions')
    .option('--json', 'print the result as JSON')
    .action(run(gpuEnableCommand, 'gpu enable'));

  program
    .command('demo')
    .description('create the built-in demo dataset (needs ffmpeg)')
    .argument('[folder]', 'where to create it', 'build/demo-dataset')
    .action(run(demoCommand, 'demo'));

  program
    .command('doctor')
    .description('show which ffmpeg/ffprobe are used and their versions; exits 1 when one is missing')
    .option('--json', 'print one JSON object')
    .action(run(doctorCommand, 'doctor'));

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
      .description(
        'every model in the manifest, where it resolves on this machine or which files are missing',
      )
      .option('--json', 'print one JSON object'),
  ).action(run(modelsListCommand, 'models list'));
  withModelFolders(
    models
      .command('pull')
      .description('download a hub model into ~/.cache/video-curator/models, showing its size first; resumes')
      .argument('<id>', 'model id (see `models list`)')
      .option('--yes', 'do not ask before downloading'),
  ).action(run(modelsPullCommand, 'models pull'));
  withModelFolders(
    models
      .command('verify')
      .description("recompute the models' sha256 checksums; exits 1 when one is missing or differs")
      .argument('[id]', 'only this model')
      .option('--json', 'print one JSON object'),
  ).action(run(modelsVerifyCommand, 'models verify'));

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
    .action(run(selftestCommand, 'selftest'));

  return program;
}
