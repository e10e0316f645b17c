import { FieldType, toDataFrame } from '@grafana/data';
import { buildStatusModel } from './buildModel';
import { parseDefinitions } from './definitions';

const defs = parseDefinitions(`registers:
  - field: status
    label: PCS status
    type: bitfield16
    bits:
      - { bit: 0, name: running, expected: 1, severity: WARNING }
      - { bit: 1, name: gridConnected, expected: 1, severity: ALARM }
      - { bit: 3, name: fault, expected: 0, severity: ALARM }
`);

describe('numeric-field mode', () => {
  it('decodes the last non-null value of a time series field', () => {
    const frame = toDataFrame({
      name: 'PCS1',
      fields: [
        { name: 'time', type: FieldType.time, values: [1000, 2000, 3000] },
        { name: 'status', type: FieldType.number, values: [0x0003, 0x0009, null] },
      ],
    });
    const model = buildStatusModel([frame], defs, 'device');
    expect(model.source).toBe('numeric');
    expect(model.devices).toHaveLength(1);
    const reg = model.devices[0].registers[0];
    expect(model.devices[0].device).toBe('PCS1');
    expect([reg.hex, reg.time, reg.state]).toEqual(['0x0009', 2000, 'ALARM']);
    expect(reg.bits.map((b) => b.state)).toEqual(['OK', 'ALARM', 'ALARM']);
  });

  it('decodes a table per row with a device column, newest row per device, natural order', () => {
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [2000, 1000, 1000, 1500] },
        { name: 'device', type: FieldType.string, values: ['PCS10', 'PCS9', 'PCS10', 'PCS9'] },
        { name: 'status', type: FieldType.number, values: [0x0003, 0x0013, 0x0000, 0x0001] },
      ],
    });
    const model = buildStatusModel([frame], defs, 'device');
    expect(model.devices.map((d) => [d.device, d.registers[0].hex, d.state])).toEqual([
      ['PCS9', '0x0001', 'ALARM'],
      ['PCS10', '0x0003', 'OK'],
    ]);
  });

  it('matches a definition by the metric label and takes the device from a label (our latest query shape)', () => {
    const frames = ['BS1', 'BS2'].map((d, i) =>
      toDataFrame({
        fields: [
          { name: 'time', type: FieldType.time, values: [1000] },
          { name: 'value', type: FieldType.number, values: [i === 0 ? 3 : 1], labels: { device: d, metric: 'status' } },
        ],
      })
    );
    const model = buildStatusModel(frames, defs, 'device');
    expect(model.devices.map((d) => [d.device, d.state])).toEqual([
      ['BS1', 'OK'],
      ['BS2', 'ALARM'],
    ]);
  });

  it('says which fields did not match when nothing matches', () => {
    const frame = toDataFrame({ fields: [{ name: 'temperature', type: FieldType.number, values: [20] }] });
    const model = buildStatusModel([frame], defs, 'device');
    expect(model.devices).toEqual([]);
    expect(model.problems[0]).toMatch(
      /No numeric field matches the bit definitions \(fields: temperature; defined: status\)/
    );
  });

  it('status frames win over definitions; invalid definitions are reported', () => {
    const frame = toDataFrame({ fields: [{ name: 'status', type: FieldType.number, values: [1] }] });
    const bad = buildStatusModel([frame], parseDefinitions('registers: [ { field: status } ]'), 'device');
    expect(bad.source).toBe('none');
    expect(bad.problems).toEqual(['Bit definitions: line 1: registers[0]: missing "bits" list']);
    expect(buildStatusModel([frame], parseDefinitions(''), 'device')).toMatchObject({ source: 'none', problems: [] });
  });
});
