// The extension's settings, read in one place (machine-scoped where they name binaries or models).
import * as vscode from 'vscode';
import type { DeviceSetting } from '../protocol/inference';
import { parseDevice } from '../core/inference/deviceSetting';

export interface CuratorSettings {
  ffmpegPath?: string;
  ffprobePath?: string;
  device: DeviceSetting;
  modelsPath?: string;
  allowDownload: boolean;
}

export function readSettings(): CuratorSettings {
  const config = vscode.workspace.getConfiguration('videoCurator');
  const text = (key: string): string | undefined => config.get<string>(key)?.trim() || undefined;
  const ffmpegPath = text('ffmpegPath');
  const ffprobePath = text('ffprobePath');
  const modelsPath = text('models.path');
  return {
    ...(ffmpegPath ? { ffmpegPath } : {}),
    ...(ffprobePath ? { ffprobePath } : {}),
    device: parseDevice(config.get<string>('inference.device')),
    ...(modelsPath ? { modelsPath } : {}),
    allowDownload: config.get<boolean>('models.allowDownload') ?? false,
  };
}
