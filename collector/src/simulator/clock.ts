/**
 * Local wall-clock time of a site (the dispatch schedule, the price curve and the weather follow
 * local hours). Uses the IANA time zone of the site config through `Intl`, cached per UTC hour so
 * the per-second simulation loop does not call `Intl` every tick.
 */
export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  private cachedHour = Number.NaN;
  private cachedOffsetMs = 0;
  private cachedDay = Number.NaN;
  private cachedDoy = 0;

  /** @throws RangeError when `timeZone` is not a valid IANA zone */
  constructor(readonly timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset local − UTC in ms at an instant (whole minutes; DST aware). */
  offsetMs(timeMs: number): number {
    const hour = Math.floor(timeMs / 3_600_000);
    if (hour !== this.cachedHour) {
      const parts = this.fmt.formatToParts(new Date(hour * 3_600_000));
      const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
      const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
      this.cachedOffsetMs = asUtc - hour * 3_600_000;
      this.cachedHour = hour;
    }
    return this.cachedOffsetMs;
  }

  /** Local time of day in hours, 0 ≤ h < 24 (fractional). */
  hourOfDay(timeMs: number): number {
    const local = timeMs + this.offsetMs(timeMs);
    return (((local % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
  }

  /** Local day number (days since 1970-01-01 in local time), used to seed each day's prices and weather. */
  dayIndex(timeMs: number): number {
    return Math.floor((timeMs + this.offsetMs(timeMs)) / 86_400_000);
  }

  /** Day of year 0–365 (local), for seasonal weather and sun position. */
  dayOfYear(timeMs: number): number {
    const day = this.dayIndex(timeMs);
    if (day !== this.cachedDay) {
      const d = new Date(day * 86_400_000);
      this.cachedDoy = Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000);
      this.cachedDay = day;
    }
    return this.cachedDoy;
  }
}
