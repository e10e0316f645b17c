import { Router } from 'express';
import {
  availabilityQuerySchema,
  computeAvailability,
  type AvailabilityBlock,
  type AvailabilityResponse,
} from '@openbess/model';
import { handle, parse, queryOf, type MaintenanceDeps } from './context';
import type { Db } from './db';
import { outagePeriods } from './deviceStatus';
import { assertCan, assertSite } from './scope';

/**
 * The site's blocks with their strings (capacities from `device.capacity_kwh`) and ancestors (the BESS node
 * above each block), as {@link computeAvailability} wants them.
 */
export async function siteBlocks(db: Db, site: string): Promise<AvailabilityBlock[]> {
  const r = await db.query<{ id: string; profile: string; parent: string; capacity_kwh: number | null }>(
    `SELECT id, profile, parent, capacity_kwh FROM device
     WHERE site = $1 AND profile IN ('bessNode', 'bessBlock', 'batteryString') ORDER BY id`,
    [site]
  );
  const byId = new Map(r.rows.map((d) => [d.id, d]));
  const blocks = new Map<string, AvailabilityBlock>();
  for (const d of r.rows) {
    if (d.profile !== 'bessBlock') continue;
    const anc: string[] = [];
    for (let p = byId.get(d.parent); p; p = byId.get(p.parent)) anc.push(p.id);
    blocks.set(d.id, { id: d.id, capacityKwh: d.capacity_kwh, strings: [], ancestors: anc });
  }
  for (const d of r.rows)
    if (d.profile === 'batteryString') blocks.get(d.parent)?.strings.push({ id: d.id, capacityKwh: d.capacity_kwh });
  return [...blocks.values()];
}

/** `GET /availability?site=&from=&to=[&target=]`: time-based, capacity-weighted availability (model/src/kpi). */
export function availabilityRoutes(deps: MaintenanceDeps): Router {
  const r = Router();
  r.get(
    '/availability',
    handle(deps, async (req, res, actor) => {
      const q = parse(availabilityQuerySchema, queryOf(req), 'availability query');
      assertCan(actor, 'availability.view');
      await assertSite(deps.pool, actor, q.site);
      const [blocks, outages] = await Promise.all([
        siteBlocks(deps.pool, q.site),
        outagePeriods(deps.pool, q.site, q.from, q.to),
      ]);
      const result = computeAvailability({
        from: q.from,
        to: q.to,
        blocks,
        outages,
        targetPct: q.target ?? deps.config.availabilityTargetPct,
      });
      const body: AvailabilityResponse = { ...result, site: q.site, basis: 'manual-offline' };
      res.json(body);
    })
  );
  return r;
}
