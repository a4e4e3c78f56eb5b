// The host's door for webview messages, free of VS Code so it is tested in Node: every message is
// checked, a refused one is logged with the reason and goes no further, an accepted one is handed on.
import { checkWebviewMessage } from '../../protocol/board';
import type { WebviewMessage } from '../../protocol/board';

/** Where refusals are written (the extension's output channel; a fake in tests). */
export interface InboxLog {
  appendLine(line: string): void;
}

const PREVIEW_CHARS = 200;

/** Resolves true when the message was accepted and `accept` ran. `accept`'s own errors propagate. */
export async function receiveWebviewMessage(
  raw: unknown,
  log: InboxLog,
  accept: (message: WebviewMessage) => Promise<void> | void,
): Promise<boolean> {
  const checked = checkWebviewMessage(raw);
  if (!checked.ok) {
    log.appendLine(`[board] refused a webview message (${checked.reason}): ${preview(raw)}`);
    return false;
  }
  await accept(checked.message);
  return true;
}

// One line, bounded, and never a throw (cycles, BigInts, getters that throw).
function preview(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = `<${typeof raw}>`;
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}
