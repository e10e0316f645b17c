/**
 * Numeric-field mode: any datasource (Grafana's PostgreSQL, Prometheus, our `latest` query …) returning numeric
 * fields, decoded with the bit definitions from the panel options.
 *
 * A definition applies to a numeric field when its `field` equals the field's name, its display name, its
 * `displayNameFromDS`, its `metric` or `__name__` label, or the frame's name.
 * - Table frames with a device column (option "Device field", default `device`; `name` also works): each row is a
 *   sample of that row's device; the newest row per device wins (by the frame's time field, else the last row).
 * - Other frames (time series): the last non-null value of the field; the device is the field's label named like
 *   the device field, else the frame name, else the query refId.
 */
import { FieldType, getFieldDisplayName, type DataFrame, type Field } from '@grafana/data';
import { decodeRegister } from './decode';
import type { RegisterDefinition } from './definitions';
import { deviceStatus, naturalCompare, type DeviceStatus, type RegisterStatus } from './model';

/** Names under which a numeric field can be matched by a definition's `field`. */
export function fieldAliases(field: Field, frame: DataFrame, frames: DataFrame[]): string[] {
  const names = [field.name, getFieldDisplayName(field, frame, frames)];
  const fromDs = field.config?.displayNameFromDS;
  if (fromDs) {
    names.push(fromDs);
  }
  for (const label of ['metric', '__name__']) {
    const v = field.labels?.[label];
    if (v) {
      names.push(v);
    }
  }
  if (frame.name) {
    names.push(frame.name);
  }
  return names;
}

function findDeviceField(frame: DataFrame, deviceField: string): Field | undefined {
  const wanted = [deviceField, 'device', 'name'].filter(Boolean).map((n) => n.toLowerCase());
  for (const name of wanted) {
    const f = frame.fields.find((x) => x.type === FieldType.string && x.name.toLowerCase() === name);
    if (f) {
      return f;
    }
  }
  return undefined;
}

function timeAt(timeField: Field | undefined, i: number): number | null {
  const v = timeField?.values[i];
  return typeof v === 'number' ? v : v === null || v === undefined ? null : Number(new Date(v)) || null;
}

/**
 * Decodes numeric fields with register definitions.
 * @param frames - the panel's data frames
 * @param definitions - validated register definitions (see definitions.ts)
 * @param deviceField - name of the device column / label (panel option, default `device`)
 * @returns devices in natural order, and the names of numeric fields no definition matched
 */
export function decodeNumericFrames(
  frames: DataFrame[],
  definitions: RegisterDefinition[],
  deviceField: string
): { devices: DeviceStatus[]; unmatched: string[] } {
  const samples = new Map<string, Map<string, RegisterStatus>>();
  const unmatched = new Set<string>();
  const put = (device: string, status: RegisterStatus) => {
    let regs = samples.get(device);
    if (!regs) {
      regs = new Map();
      samples.set(device, regs);
    }
    const prev = regs.get(status.key);
    if (!prev || prev.raw === null || (status.raw !== null && (status.time ?? 0) >= (prev.time ?? 0))) {
      regs.set(status.key, status);
    }
  };

  frames.forEach((frame, frameIndex) => {
    const timeField = frame.fields.find((f) => f.type === FieldType.time);
    const devField = findDeviceField(frame, deviceField);
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const aliases = fieldAliases(field, frame, frames);
      const def = definitions.find((d) => aliases.includes(d.field));
      if (!def) {
        unmatched.add(aliases[1] ?? field.name);
        continue;
      }
      if (devField) {
        for (let i = 0; i < frame.length; i++) {
          const dev = devField.values[i];
          if (typeof dev === 'string' && dev !== '') {
            put(dev, decodeRegister(def, field.values[i], timeAt(timeField, i)));
          }
        }
        continue;
      }
      let last = -1;
      for (let i = field.values.length - 1; i >= 0; i--) {
        const v = field.values[i];
        if (v !== null && v !== undefined && !Number.isNaN(v)) {
          last = i;
          break;
        }
      }
      const device =
        field.labels?.[deviceField] ?? field.labels?.device ?? frame.name ?? frame.refId ?? `Series ${frameIndex + 1}`;
      put(
        device,
        decodeRegister(def, last >= 0 ? field.values[last] : null, last >= 0 ? timeAt(timeField, last) : null)
      );
    }
  });

  const order = new Map(definitions.map((d, i) => [d.field, i]));
  const devices = [...samples].map(([device, regs]) =>
    deviceStatus(
      device,
      [...regs.values()].sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0))
    )
  );
  devices.sort((a, b) => naturalCompare(a.device, b.device));
  return { devices, unmatched: [...unmatched] };
}
