import type { SiteLatest } from '../api/routes/latest';

/** The four headline values of a site for the live console line. */
export interface SiteSummary {
  site: string;
  /** Active power at the grid meter, kW, + export. */
  p: number | null;
  /** Reactive power at the grid meter, kVAr. */
  q: number | null;
  /** Grid frequency at the meter, Hz. */
  hz: number | null;
  /** BESS state of charge, %. */
  soc: number | null;
  /** Newest sample time among those values (ISO), null when none. */
  time: string | null;
}

/** Picks P, Q, Hz at the grid meter and SOC of the BESS controller from a site's latest values. */
export function summarise(latest: SiteLatest): SiteSummary {
  const meter = latest.devices.find((d) => d.profile === 'meterNode');
  const bess = latest.devices.find((d) => d.profile === 'bessNode');
  const v = (dev: typeof meter, metric: string) => {
    const m = dev?.metrics[metric];
    return m && typeof m.value === 'number' ? m.value : null;
  };
  const times = [meter?.metrics.activePower?.time, bess?.metrics.stateOfCharge?.time].filter(
    (t): t is string => typeof t === 'string'
  );
  return {
    site: latest.site,
    p: v(meter, 'activePower'),
    q: v(meter, 'reactivePower'),
    hz: v(meter, 'frequency'),
    soc: v(bess, 'stateOfCharge'),
    time: times.sort().at(-1) ?? null,
  };
}

const fmt = (v: number | null, digits: number, width: number) => (v === null ? '—' : v.toFixed(digits)).padStart(width);

/** One fixed-width console line: `FI006  P   1234.5 kW  Q   -12.3 kVAr  f 50.012 Hz  SOC  54.2 %  12:00:01`. */
export function formatSummary(s: SiteSummary): string {
  const t = s.time ? s.time.slice(11, 19) : '--:--:--';
  return `${s.site}  P ${fmt(s.p, 1, 9)} kW  Q ${fmt(s.q, 1, 8)} kVAr  f ${fmt(s.hz, 3, 6)} Hz  SOC ${fmt(s.soc, 1, 5)} %  ${t}`;
}
