/**
 * The bitfield panel: status registers bit by bit against their expected values.
 *
 * Data: our datasource's `status` frame (data/statusFrame.ts), or any numeric field decoded with the bit
 * definitions from the options (data/numericFrames.ts). View: one device (registers → bits, previous/next sibling
 * buttons bound to a dashboard variable) or a devices × registers grid (worst state per cell).
 */
import React, { useMemo } from 'react';
import type { PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { buildStatusModel } from '../data/buildModel';
import { parseDefinitions } from '../data/definitions';
import { neighbours, selectDevice, siblingDevices, variableOptions, variableValues } from '../data/navigation';
import { DEFAULT_OPTIONS, type BitfieldOptions } from '../types';
import { DeviceGrid } from './DeviceGrid';
import { DeviceView, type DeviceNavigation } from './DeviceView';
import { getStyles } from './styles';

const NO_STATUS_DATA =
  'No status registers in the data. Use the OpenBESS datasource’s Status query, or describe the bits of a ' +
  'numeric field under “Bit definitions” in the panel options.';

export function BitfieldPanel({
  data,
  options,
  width,
  height,
  replaceVariables,
  timeZone,
}: PanelProps<BitfieldOptions>) {
  const styles = useStyles2(getStyles);
  const opts: BitfieldOptions = { ...DEFAULT_OPTIONS, ...options };
  const definitions = useMemo(() => parseDefinitions(opts.definitions ?? ''), [opts.definitions]);
  const model = useMemo(
    () => buildStatusModel(data.series, definitions, opts.deviceField || DEFAULT_OPTIONS.deviceField),
    [data.series, definitions, opts.deviceField]
  );
  const problems =
    model.problems.length > 0 ? (
      <ul className={styles.problems} aria-label="Data problems">
        {model.problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    ) : null;

  let body: React.ReactNode;
  if (model.devices.length === 0) {
    const text = data.series.length === 0 ? 'No data.' : model.problems.length > 0 ? '' : NO_STATUS_DATA;
    body = text ? <div className={styles.message}>{text}</div> : null;
  } else {
    const mode = opts.displayMode === 'auto' ? (model.devices.length > 1 ? 'grid' : 'device') : opts.displayMode;
    if (mode === 'grid') {
      body = (
        <DeviceGrid
          devices={model.devices}
          registers={model.registers}
          onlyNonOk={opts.onlyNonOk}
          height={height}
          timeZone={timeZone}
        />
      );
    } else {
      const names = model.devices.map((d) => d.device);
      const selected = variableValues(replaceVariables, opts.deviceVariable).find((v) => names.includes(v));
      const device = model.devices.find((d) => d.device === selected) ?? model.devices[0];
      let navigation: DeviceNavigation | undefined;
      if (opts.showNavigation && opts.deviceVariable) {
        const siblings = siblingDevices(names, names.length <= 1 ? variableOptions(opts.deviceVariable) : []);
        const variable = opts.deviceVariable;
        navigation = {
          ...neighbours(siblings, device.device),
          count: siblings.length,
          onSelect: (d) => selectDevice(variable, d),
        };
      }
      body = <DeviceView device={device} onlyNonOk={opts.onlyNonOk} navigation={navigation} timeZone={timeZone} />;
    }
  }
  return (
    <div className={styles.root} style={{ width, height }} data-testid="bitfield-panel" data-source={model.source}>
      {body}
      {problems}
    </div>
  );
}
