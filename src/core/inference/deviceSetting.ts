// The `videoCurator.inference.device` setting (CLI: --device or VIDEO_CURATOR_DEVICE).
import type { DeviceSetting } from '../../protocol/inference';

export const DEVICE_SETTINGS: readonly DeviceSetting[] = ['auto', 'cuda', 'dml', 'coreml', 'cpu'];

export function parseDevice(value: string | undefined): DeviceSetting {
  if (value === undefined || value === '') return 'auto';
  if ((DEVICE_SETTINGS as readonly string[]).includes(value)) return value as DeviceSetting;
  throw new RangeError(`unknown inference device "${value}": use one of ${DEVICE_SETTINGS.join(', ')}`);
}
