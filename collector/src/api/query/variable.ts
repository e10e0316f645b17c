import type { DataFrameJSON, VariableQuery } from '@openbess/model';
import { HttpError } from '../errors';
import { column, frame } from './frames';
import { assertDevices, assertSites, siteFilter, type QueryContext } from './context';

interface Option {
  text: string;
  value: string;
}

const need = <T>(v: T | undefined, what: string, variable: string): T => {
  if (v === undefined) throw new HttpError(400, `variable "${variable}" needs \`${what}\``);
  return v;
};

async function options(ctx: QueryContext, q: VariableQuery): Promise<Option[]> {
  const visible = siteFilter(ctx.access);
  switch (q.variable) {
    case 'sites': {
      const r = await ctx.pool.query<{ code: string; name: string }>(
        `SELECT code, name FROM site WHERE ($1::text[] IS NULL OR code = ANY($1::text[])) ORDER BY code`,
        [visible]
      );
      return r.rows.map((s) => ({
        text: s.name && s.name !== s.code ? `${s.code} – ${s.name}` : s.code,
        value: s.code,
      }));
    }
    case 'blocks':
    case 'devices': {
      const sites = need(q.site, 'site', q.variable);
      await assertSites(ctx, sites);
      const profile = q.variable === 'blocks' ? 'bessBlock' : (q.profile ?? null);
      const r = await ctx.pool.query<{ id: string; name: string; site: string }>(
        `SELECT id, name, site FROM device
          WHERE site = ANY($1::text[]) AND ($2::text[] IS NULL OR site = ANY($2::text[]))
            AND ($3::text IS NULL OR profile = $3)
          ORDER BY site, block NULLS FIRST, string NULLS FIRST, id`,
        [sites, visible, profile]
      );
      const prefix = sites.length > 1;
      return r.rows.map((d) => ({
        text: q.variable === 'blocks' ? (prefix ? `${d.site} ${d.name}` : d.name) : `${d.id} (${d.name})`,
        value: d.id,
      }));
    }
    case 'strings': {
      const blocks = need(q.block, 'block', q.variable);
      await assertDevices(ctx, blocks);
      const r = await ctx.pool.query<{ id: string; name: string }>(
        `SELECT id, name FROM device
          WHERE profile = 'batteryString' AND parent = ANY($1::text[])
            AND ($2::text[] IS NULL OR site = ANY($2::text[]))
          ORDER BY site, block, string`,
        [blocks, visible]
      );
      return r.rows.map((d) => ({ text: d.name, value: d.id }));
    }
    case 'metrics': {
      const devices = need(q.device, 'device', q.variable);
      await assertDevices(ctx, devices);
      const r = await ctx.pool.query<{ metric: string; unit: string }>(
        `SELECT DISTINCT s.metric, s.unit FROM series s JOIN device d ON d.id = s.device
          WHERE s.device = ANY($1::text[]) AND s.kind = 'scalar'
            AND ($2::text[] IS NULL OR d.site = ANY($2::text[]))
          ORDER BY s.metric`,
        [devices, visible]
      );
      return r.rows.map((m) => ({ text: m.unit ? `${m.metric} (${m.unit})` : m.metric, value: m.metric }));
    }
  }
}

/**
 * `variable`: values for Grafana template variables as a frame of `text` and `value` fields
 * (MetricFindValue style): `sites` (only the user's), `blocks` of `site` (value = block device id),
 * `strings` of `block`, `devices` of `site` [of `profile`], scalar `metrics` of `device`. Multi-value
 * variables may pass several sites/blocks/devices. Rows are restricted to the user's sites in SQL.
 * @throws HttpError 400 for a missing parent (`site`, `block`, `device`), 404/403 for a parent that
 *   is unknown or not granted
 */
export async function variableQuery(ctx: QueryContext, q: VariableQuery): Promise<DataFrameJSON[]> {
  const opts = await options(ctx, q);
  return [
    frame(q.variable, q.refId, [
      column(
        'text',
        'string',
        opts.map((o) => o.text)
      ),
      column(
        'value',
        'string',
        opts.map((o) => o.value)
      ),
    ]),
  ];
}
