import type { LocalClock } from './clock';
import { Rng, subSeed } from './random';

/**
 * The world outside the plant, advanced on a fixed 1-second grid so it does not depend on how
 * often the caller steps the model: grid frequency, grid voltage, wind speed, cloudiness, outdoor
 * temperature and the day-ahead price curve.
 */

/** Nominal grid frequency, Hz (Continental Europe and GB). */
export const NOMINAL_HZ = 50;

/**
 * Ornstein–Uhlenbeck process x' = −(x − μ)/τ + noise, advanced exactly on a 1 s grid:
 * x₁ = μ + (x₀ − μ)·e^(−1/τ) + σ·√(1 − e^(−2/τ))·N(0,1), σ = stationary standard deviation.
 * (Uhlenbeck & Ornstein, Phys. Rev. 36, 1930; exact discretisation e.g. Gillespie, Phys. Rev. E 54, 1996.)
 */
class OrnsteinUhlenbeck {
  private readonly a: number;
  private readonly b: number;
  constructor(
    private readonly mean: number,
    tauS: number,
    sd: number,
    public value: number
  ) {
    this.a = Math.exp(-1 / tauS);
    this.b = sd * Math.sqrt(1 - this.a * this.a);
  }
  tick(rng: Rng): number {
    this.value = this.mean + (this.value - this.mean) * this.a + this.b * rng.normal();
    return this.value;
  }
}

/** Latitude, degrees north, of a site by the country of its code (FI006 → Finland); 50° otherwise. */
export function siteLatitude(code: string): number {
  const lat: Record<string, number> = { FI: 62, EE: 58.7, GB: 53, SE: 60, NO: 60, DE: 51, NL: 52, ES: 40, IT: 43 };
  return lat[code.slice(0, 2)] ?? 50;
}

/** Environment state at the current second. */
export interface EnvironmentState {
  /** Grid frequency, Hz. */
  frequencyHz: number;
  /** Grid voltage, per unit of nominal. */
  voltagePu: number;
  /** Hub-height wind speed, m/s. */
  windSpeed: number;
  /** Plane-of-array irradiance, W/m². */
  irradiance: number;
  /** Outdoor air temperature, °C. */
  outdoorC: number;
  /** Day-ahead price of the current hour, €/MWh. */
  priceEurMwh: number;
}

/** Simulated outside world of one site. */
export class Environment {
  /** Simulated second the state belongs to (epoch seconds). */
  second: number;
  readonly state: EnvironmentState;
  private readonly rng: Rng;
  private readonly freq: OrnsteinUhlenbeck;
  private readonly volt: OrnsteinUhlenbeck;
  private readonly wind: OrnsteinUhlenbeck;
  private readonly cloud: OrnsteinUhlenbeck;
  private readonly latitude: number;
  private readonly climateMeanC: number;
  private priceDay = Number.NaN;
  private prices: number[] = [];

  constructor(
    private readonly seed: number,
    code: string,
    private readonly clock: LocalClock,
    startMs: number
  ) {
    this.rng = new Rng(subSeed(seed, 'environment'));
    // CE frequency: standard deviation ≈ 20–40 mHz, excursions of ±0.1 Hz are common, ±0.2 Hz rare.
    this.freq = new OrnsteinUhlenbeck(0, 60, 0.035, 0);
    this.volt = new OrnsteinUhlenbeck(1, 600, 0.006, 1);
    this.wind = new OrnsteinUhlenbeck(7.5, 7200, 2.8, 7.5 + 2 * this.rng.normal());
    this.cloud = new OrnsteinUhlenbeck(0.35, 3600, 0.25, 0.35);
    this.latitude = siteLatitude(code);
    this.climateMeanC = 16 - 0.35 * (this.latitude - 40);
    this.second = Math.floor(startMs / 1000);
    this.state = {
      frequencyHz: NOMINAL_HZ,
      voltagePu: 1,
      windSpeed: this.wind.value,
      irradiance: 0,
      outdoorC: 15,
      priceEurMwh: 0,
    };
    this.update();
  }

  /** Advances the environment by one second. */
  tick(): void {
    this.second++;
    this.freq.tick(this.rng);
    this.volt.tick(this.rng);
    this.wind.tick(this.rng);
    this.cloud.tick(this.rng);
    this.update();
  }

  private update(): void {
    const ms = this.second * 1000;
    const hour = this.clock.hourOfDay(ms);
    const s = this.state;
    s.frequencyHz = NOMINAL_HZ + this.freq.value + this.deterministicDeviation(hour);
    s.voltagePu = this.volt.value;
    s.windSpeed = Math.max(0, this.wind.value);
    s.irradiance = this.irradianceAt(ms, hour);
    s.outdoorC = this.outdoorAt(ms, hour);
    s.priceEurMwh = this.priceAt(ms, hour);
  }

  /**
   * Deterministic frequency deviations at the hour change (schedule steps of generation and
   * exchange programmes; ENTSO-E/Eurelectric report "Deterministic frequency deviations", 2019):
   * a ±20–40 mHz dip or rise decaying over ~5 min after each full hour.
   */
  private deterministicDeviation(hour: number): number {
    const minutes = (hour % 1) * 60;
    if (minutes > 20) return 0;
    const h = Math.floor(hour) + 24 * this.clock.dayIndex(this.second * 1000);
    const sign = subSeed(this.seed, 'dfd', h) % 2 === 0 ? 1 : -1;
    const amp = 0.02 + 0.02 * ((subSeed(this.seed, 'dfda', h) % 1000) / 1000);
    return sign * amp * Math.exp(-minutes / 5);
  }

  /** Outdoor temperature: climate mean by latitude, seasonal cosine, daily cosine (min ~05:00, max ~15:00), day-to-day weather. */
  private outdoorAt(ms: number, hour: number): number {
    const doy = this.clock.dayOfYear(ms);
    const day = this.clock.dayIndex(ms);
    const w0 = this.dayNoise('weather', day);
    const w1 = this.dayNoise('weather', day + 1);
    const weather = 3 * (w0 + (w1 - w0) * (hour / 24));
    const seasonal = 9 * Math.cos((2 * Math.PI * (doy - 200)) / 365);
    const daily = 4.5 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
    return this.climateMeanC + seasonal + daily + weather;
  }

  /**
   * Irradiance: clear-sky global horizontal ≈ 1000·sin(elevation)^1.15 W/m² (simple clear-sky
   * shape, cf. Meinel & Meinel 1976 air-mass model) with the solar elevation from latitude,
   * declination δ = 23.44°·sin(2π(284 + n)/365) (Cooper 1969) and local time (solar noon ≈ 12:30),
   * reduced by a cloud factor.
   */
  private irradianceAt(ms: number, hour: number): number {
    const doy = this.clock.dayOfYear(ms) + 1;
    const decl = ((23.44 * Math.PI) / 180) * Math.sin((2 * Math.PI * (284 + doy)) / 365);
    const lat = (this.latitude * Math.PI) / 180;
    const ha = ((hour - 12.5) * 15 * Math.PI) / 180;
    const sinEl = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(ha);
    if (sinEl <= 0) return 0;
    const clear = 1000 * Math.pow(sinEl, 1.15);
    const cloud = Math.min(0.9, Math.max(0, this.cloud.value));
    return clear * (1 - cloud);
  }

  /** A seeded standard-normal-ish number per (kind, day), constant over the day. */
  private dayNoise(kind: string, day: number): number {
    const r = new Rng(subSeed(this.seed, kind, day));
    return r.normal();
  }

  /**
   * Day-ahead price of the local hour, €/MWh: a typical European shape — night trough (~03:00),
   * morning peak (~08:00), midday solar dip (~13:00), evening peak (~19:00) — plus a per-day level
   * and per-hour noise (seeded). Shape after ENTSO-E Transparency day-ahead prices of CE bidding zones.
   */
  priceAt(ms: number, hour: number): number {
    const day = this.clock.dayIndex(ms);
    if (day !== this.priceDay) {
      this.priceDay = day;
      this.prices = this.dayPrices(day);
    }
    return this.prices[Math.min(23, Math.floor(hour))];
  }

  /** The 24 hourly prices of a local day (€/MWh). */
  dayPrices(day: number): number[] {
    const r = new Rng(subSeed(this.seed, 'prices', day));
    const level = 70 + 15 * r.normal();
    const g = (h: number, c: number, w: number): number => Math.exp(-0.5 * ((h - c) / w) ** 2);
    const out: number[] = [];
    for (let h = 0; h < 24; h++) {
      const x = h + 0.5;
      const p =
        level + 45 * g(x, 8, 1.5) + 75 * g(x, 19, 1.8) - 35 * g(x, 13, 2.2) - 30 * g(x, 3, 2.5) + 6 * r.normal();
      out.push(Math.round(p * 100) / 100);
    }
    return out;
  }
}
