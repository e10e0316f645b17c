/**
 * Picks the data path for the panel: our `status` frames when the data has any, otherwise numeric fields decoded
 * with the bit definitions from the panel options.
 */
import type { DataFrame } from '@grafana/data';
import { formatDefinitionError, type DefinitionsResult } from './definitions';
import { registerColumns, type StatusModel } from './model';
import { decodeNumericFrames } from './numericFrames';
import { isStatusFrame, parseStatusFrames } from './statusFrame';

/**
 * @param frames - the panel's data frames (`data.series`)
 * @param definitions - parsed "Bit definitions" option
 * @param deviceField - "Device field" option (numeric mode)
 */
export function buildStatusModel(
  frames: DataFrame[],
  definitions: DefinitionsResult,
  deviceField: string
): StatusModel {
  const statusFrames = frames.filter(isStatusFrame);
  if (statusFrames.length > 0) {
    const { devices, problems } = parseStatusFrames(statusFrames);
    return { source: 'status', devices, registers: registerColumns(devices), problems };
  }
  if (definitions.errors.length > 0) {
    return {
      source: 'none',
      devices: [],
      registers: [],
      problems: definitions.errors.map((e) => `Bit definitions: ${formatDefinitionError(e)}`),
    };
  }
  if (definitions.registers.length === 0) {
    return { source: 'none', devices: [], registers: [], problems: [] };
  }
  const { devices, unmatched } = decodeNumericFrames(frames, definitions.registers, deviceField);
  const problems =
    devices.length === 0 && unmatched.length > 0
      ? [
          `No numeric field matches the bit definitions (fields: ${unmatched.slice(0, 8).join(', ')}; ` +
            `defined: ${definitions.registers.map((r) => r.field).join(', ')})`,
        ]
      : [];
  return { source: 'numeric', devices, registers: registerColumns(devices), problems };
}
