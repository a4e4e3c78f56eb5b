// Which handler runs each task in the worker.
import type { TaskInput, TaskName, TaskOutput } from '../../../protocol/inference';
import { imageEmbedTask, textEmbedTask } from '../tasks/clipTasks';
import { describeTask } from '../tasks/describeTask';
import { detectTask } from '../tasks/detectTask';
import { frameSignatureTask } from '../tasks/frameSignatureTask';
import { motionTask } from '../tasks/motionTask';
import { ocrTask } from '../tasks/ocrTask';
import { scoreTextTask } from '../tasks/scoreTextTask';
import type { TaskHandler } from './taskContext';

export const TASK_HANDLERS: { [T in TaskName]: TaskHandler<TaskInput<T>, TaskOutput<T>> } = {
  'frame-signature': frameSignatureTask,
  motion: motionTask,
  ocr: ocrTask,
  'image-embed': imageEmbedTask,
  'text-embed': textEmbedTask,
  'score-text': scoreTextTask,
  detect: detectTask,
  describe: describeTask,
};
