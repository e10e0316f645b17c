import type { DataFrameJSON, StatusQuery } from '@openbess/model';
import { HttpError } from '../errors';
import { canSeeSite } from '../identity';
import { column, frame, timeColumn } from './frames';
import { assertDevices, assertSites, type QueryContext } from './context';
import { compareIds, formatHex, loadDevices, loadRegisterStatus, type DeviceRecord } from './status-model';

/**
 * Resolves the devices of a `status` query: the listed ids (each checked for existence and access), or every
 * device of `profile` in `site` or in `block` (the block itself or its children).
 * @throws HttpError 404 unknown site/device/block, 403 not granted
 */
export async function statusDevices(ctx: QueryContext, q: StatusQuery): Promise<DeviceRecord[]> {
  if (q.devices) {
    // existence/access check and data in parallel: two round trips overlap
    const [, rows] = await Promise.all([assertDevices(ctx, q.devices), loadDevices(ctx, { ids: q.devices }, true)]);
    const order = new Map(q.devices.map((d, i) => [d, i]));
    return rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }
  const checks: Promise<unknown>[] = [];
  if (q.site) checks.push(assertSites(ctx, [q.site]));
  if (q.block)
    checks.push(
      assertDevices(ctx, [q.block]).then((site) => {
        if (q.site && site.get(q.block!) !== q.site)
          throw new HttpError(404, `block ${q.block} is not in site ${q.site}`);
      })
    );
  const [rows] = await Promise.all([
    loadDevices(
      ctx,
      { sites: q.site ? [q.site] : undefined, profiles: q.profile ? [q.profile] : undefined, block: q.block },
      true
    ),
    ...checks,
  ]);
  return rows.filter((d) => canSeeSite(ctx.access, d.site)).sort((a, b) => compareIds(a.id, b.id));
}

/**
 * `status` (issue 4): for each device, each status register (bitfield point of its maps) and each of its
 * bits — one table frame named `status` with the fields of the bitfield panel's contract
 * (panel-bitfield-plugin/src/data/statusFrame.ts): device, register, registerLabel, raw, hex (`0x003F`,
 * 32-bit `0x0000003F`), bit, bitName, description, value, expected, severity, state
 * (OK/INFO/WARNING/ALARM/NO_DATA, model `decodeBits`), time (of the register sample), plus `stale`
 * (sample older than 3 poll intervals: its bits are NO_DATA). Registers never written have raw null.
 * @throws HttpError 404/403 for unknown or not granted sites/devices
 */
export async function statusQuery(ctx: QueryContext, q: StatusQuery): Promise<DataFrameJSON[]> {
  const devices = await statusDevices(ctx, q);
  const status = await loadRegisterStatus(ctx, devices, q.registers ? new Set(q.registers) : undefined, false);
  // columns preallocated and filled in one pass (10 k rows for 240 strings: no per-bit objects)
  let n = 0;
  for (const d of devices) for (const r of status.get(d.id) ?? []) n += r.point.bits?.length ?? 0;
  const col = <T>() => new Array<T>(n);
  const c = {
    device: col<string>(),
    register: col<string>(),
    registerLabel: col<string>(),
    raw: col<number | null>(),
    hex: col<string>(),
    bit: col<number>(),
    bitName: col<string>(),
    description: col<string>(),
    value: col<number | null>(),
    expected: col<number | null>(),
    severity: col<string>(),
    state: col<string>(),
    time: col<number | null>(),
    stale: col<boolean>(),
  };
  let i = 0;
  for (const d of devices) {
    for (const r of status.get(d.id) ?? []) {
      const hex = formatHex(r.raw, r.width);
      for (const b of r.point.bits ?? []) {
        // the last known bit is reported; its state follows model decodeBits (NO_DATA without value,
        // expectation, or when stale; OK when equal to expected; the bit's severity otherwise)
        const value = r.raw === null ? null : Math.floor(r.raw / 2 ** b.bit) % 2;
        const expected = b.expected ?? null;
        c.device[i] = d.id;
        c.register[i] = r.register;
        c.registerLabel[i] = r.label;
        c.raw[i] = r.raw;
        c.hex[i] = hex;
        c.bit[i] = b.bit;
        c.bitName[i] = b.name;
        c.description[i] = b.description ?? '';
        c.value[i] = value;
        c.expected[i] = expected;
        c.severity[i] = b.severity;
        c.state[i] =
          value === null || expected === null || r.stale ? 'NO_DATA' : value === expected ? 'OK' : b.severity;
        c.time[i] = r.time;
        c.stale[i] = r.stale;
        i++;
      }
    }
  }
  return [
    frame(
      'status',
      q.refId,
      [
        column('device', 'string', c.device),
        column('register', 'string', c.register),
        column('registerLabel', 'string', c.registerLabel),
        column('raw', 'number', c.raw),
        column('hex', 'string', c.hex),
        column('bit', 'number', c.bit),
        column('bitName', 'string', c.bitName),
        column('description', 'string', c.description),
        column('value', 'number', c.value),
        column('expected', 'number', c.expected),
        column('severity', 'string', c.severity),
        column('state', 'string', c.state),
        timeColumn('time', c.time),
        column('stale', 'boolean', c.stale),
      ],
      { preferredVisualisationType: 'table' }
    ),
  ];
}
