import { toDataFrame } from '@grafana/data';
import { CONTACTOR_STATE, STRING_EVENTS, STRING_STATUS } from '../testing/specs';
import { statusFrameInput } from '../testing/statusFrames';
import { isStatusFrame, parseStatusFrames, STATUS_FIELDS } from './statusFrame';

const T = Date.UTC(2025, 0, 1, 12);

describe('status frame', () => {
  const frame = toDataFrame(
    statusFrameInput([
      { device: 'FI006ES1BK1BS10', register: STRING_STATUS, raw: 0x0003, time: T },
      { device: 'FI006ES1BK1BS9', register: STRING_STATUS, raw: 0x0021, time: T }, // fault
      { device: 'FI006ES1BK1BS9', register: STRING_EVENTS, raw: 0x00000004, time: T }, // over-temp warning
      { device: 'FI006ES1BK1BS9', register: CONTACTOR_STATE, raw: null, time: T },
    ])
  );

  it('is recognised by name or by its fields, and has every contract field', () => {
    expect(isStatusFrame(frame)).toBe(true);
    expect(frame.fields.map((f) => f.name)).toEqual([...STATUS_FIELDS]);
    expect(isStatusFrame(toDataFrame({ fields: [{ name: 'value', values: [1] }] }))).toBe(false);
    expect(isStatusFrame(toDataFrame({ name: 'x', fields: frame.fields }))).toBe(true);
  });

  it('groups rows into devices (natural order) → registers → bits with the frame states', () => {
    const { devices, problems } = parseStatusFrames([frame]);
    expect(problems).toEqual([]);
    expect(devices.map((d) => [d.device, d.state])).toEqual([
      ['FI006ES1BK1BS9', 'ALARM'],
      ['FI006ES1BK1BS10', 'OK'],
    ]);
    const bs9 = devices[0];
    expect(bs9.registers.map((r) => [r.key, r.label, r.hex, r.state])).toEqual([
      ['stringStatus', 'String status word', '0x0021', 'ALARM'],
      ['stringEvents', 'String event 1', '0x00000004', 'WARNING'],
      ['contactorState', 'Contactor status', '', 'NO_DATA'],
    ]);
    const fault = bs9.registers[0].bits.find((b) => b.name === 'fault');
    expect(fault).toMatchObject({ bit: 5, value: 1, expected: 0, severity: 'ALARM', state: 'ALARM' });
    expect(bs9.registers[0].time).toBe(T);
    expect(bs9.registers[2].bits.every((b) => b.state === 'NO_DATA' && b.value === null)).toBe(true);
  });

  it('adds set bits no row lists as "unknown bit n" (INFO)', () => {
    const f = toDataFrame(statusFrameInput([{ device: 'D1', register: STRING_STATUS, raw: 0x0403, time: T }]));
    const reg = parseStatusFrames([f]).devices[0].registers[0];
    expect(reg.bits.filter((b) => b.unknown).map((b) => [b.name, b.state])).toEqual([['unknown bit 10', 'INFO']]);
    expect(reg.state).toBe('INFO');
  });

  it('skips rows without device and reports unknown states as no data', () => {
    const f = toDataFrame({
      name: 'status',
      fields: [
        { name: 'device', values: ['', 'D1'] },
        { name: 'register', values: ['r', 'r'] },
        { name: 'raw', values: [1, 1] },
        { name: 'bit', values: [0, 0] },
        { name: 'state', values: ['OK', 'BROKEN'] },
      ],
    });
    const { devices, problems } = parseStatusFrames([f]);
    expect(problems).toEqual([
      'row 1: no device or register',
      'row 2: D1 r bit 0: unknown state "BROKEN" (read as no data)',
    ]);
    expect(devices[0].registers[0]).toMatchObject({ hex: '0x0001', state: 'NO_DATA' });
  });

  it('does not take object keys for states ("toString" is no data, not a rank)', () => {
    const f = toDataFrame({
      name: 'status',
      fields: [
        { name: 'device', values: ['D1', 'D1'] },
        { name: 'register', values: ['r', 'r'] },
        { name: 'raw', values: [3, 3] },
        { name: 'bit', values: [0, 1] },
        { name: 'state', values: ['toString', 'OK'] },
      ],
    });
    const reg = parseStatusFrames([f]).devices[0].registers[0];
    expect(reg.state).toBe('OK');
    expect(reg.counts).toMatchObject({ OK: 1, NO_DATA: 1 });
    expect(reg.bits.map((b) => b.state)).toEqual(['NO_DATA', 'OK']);
  });

  it('reads the API `stale` column: last known raw and hex kept, bits no data, no unknown bits', () => {
    const f = toDataFrame(
      statusFrameInput([
        { device: 'D1', register: STRING_STATUS, raw: 0x0423, time: T, stale: true }, // fault + unknown bit 10
        { device: 'D1', register: STRING_EVENTS, raw: 0x00000004, time: T },
      ])
    );
    const stale = f.fields.find((x) => x.name === 'stale')!;
    expect(stale.values).toEqual([...Array(5).fill(true), ...Array(4).fill(false)]);
    const { devices, problems } = parseStatusFrames([f]);
    expect(problems).toEqual([]);
    const [status, events] = devices[0].registers;
    expect(status).toMatchObject({ raw: 0x0423, hex: '0x0423', time: T, stale: true, state: 'NO_DATA' });
    expect(status.counts).toMatchObject({ NO_DATA: 5, OK: 0, INFO: 0, ALARM: 0 });
    expect(status.bits.map((b) => b.bit)).toEqual([0, 1, 2, 5, 7]);
    expect(status.bits.every((b) => b.state === 'NO_DATA' && b.value === null && !b.unknown)).toBe(true);
    expect(events).toMatchObject({ stale: false, state: 'WARNING' });
    expect(devices[0].state).toBe('WARNING');
  });

  it('a stale row wins over a state the frame gives, and accepts 1 / "true" from datasources without booleans', () => {
    const f = toDataFrame({
      name: 'status',
      fields: [
        { name: 'device', values: ['D1', 'D1', 'D2'] },
        { name: 'register', values: ['r', 'r', 'r'] },
        { name: 'raw', values: [2, 2, 2] },
        { name: 'bit', values: [0, 1, 1] },
        { name: 'state', values: ['OK', 'ALARM', 'ALARM'] },
        { name: 'stale', values: ['true', 1, false] },
      ],
    });
    const [d1, d2] = parseStatusFrames([f]).devices;
    expect(d1.registers[0]).toMatchObject({ stale: true, state: 'NO_DATA', hex: '0x0002' });
    expect(d1.registers[0].bits.map((b) => b.state)).toEqual(['NO_DATA', 'NO_DATA']);
    expect(d2.registers[0]).toMatchObject({ stale: false, state: 'ALARM' });
  });

  it('a register never written (raw null) that the API flags stale is plain no data, not "stale"', () => {
    const f = toDataFrame(
      statusFrameInput([{ device: 'D1', register: STRING_STATUS, raw: null, time: T, stale: true }])
    );
    expect(f.fields.find((x) => x.name === 'stale')!.values[0]).toBe(true);
    const reg = parseStatusFrames([f]).devices[0].registers[0];
    expect(reg).toMatchObject({ raw: null, hex: '', stale: false, state: 'NO_DATA' });
  });

  it('reports a status-named frame that lacks required fields', () => {
    const f = toDataFrame({ name: 'status', fields: [{ name: 'device', values: ['D1'] }] });
    expect(parseStatusFrames([f]).problems).toEqual(['frame "status" has no field "register", "bit", "state"']);
  });
});
