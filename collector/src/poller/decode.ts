import { decodePoint, type ScaleFactors } from '@openbess/model';
import type { ArraySample, AttributeSample, Sample } from '../types';
import type { GroupPlan } from './plan';

/** Values decoded from one poll. */
export interface DecodedPoll {
  samples: Sample[];
  arrays: ArraySample[];
  attributes: AttributeSample[];
  /** Scalar values + array elements + attributes (scale factors not counted: they are not stored). */
  points: number;
}

/**
 * Assembles the responses of one poll into its register-image segments and decodes every point
 * with the model codec (`decodePoint`), scale factors taken from the same poll.
 *
 * Kinds: `measurement` → {@link Sample}; `array` → {@link ArraySample} (one row per device and
 * sample); `attribute` (strings, nameplate values) → {@link AttributeSample} (numbers as text);
 * `scaleFactor` → used for scaling only. A not-implemented sentinel, a NaN float or a missing scale
 * factor decodes to `null` — stored as NULL, never as a number.
 *
 * @param responses - registers of each request of `plan.requests`, same order
 * @param time - sample time (the poll's tick time), epoch ms
 * @throws Error when a response does not have the planned number of registers
 */
export function decodePoll(plan: GroupPlan, responses: ArrayLike<number>[], device: string, time: number): DecodedPoll {
  const images = plan.segments.map((seg) => {
    const image = new Uint16Array(seg.count);
    for (const i of seg.requests) {
      const req = plan.requests[i];
      const regs = responses[i];
      if (!regs || regs.length !== req.count)
        throw new Error(`response ${i} has ${regs?.length ?? 0} registers, planned ${req.count}`);
      image.set(regs, req.start - seg.start);
    }
    return image;
  });
  const blockStart = (segment: number): number => plan.segments[segment].start - plan.base;

  const sfs: ScaleFactors = {};
  for (const { point, segment } of plan.points) {
    if (point.type !== 'sunssf') continue;
    const v = decodePoint(point, images[segment], blockStart(segment));
    sfs[point.name] = typeof v === 'number' ? v : null;
  }

  const out: DecodedPoll = { samples: [], arrays: [], attributes: [], points: 0 };
  for (const { point, segment } of plan.points) {
    if (point.kind === 'scaleFactor') continue;
    const v = decodePoint(point, images[segment], blockStart(segment), sfs);
    if (point.kind === 'attribute') {
      const value = v === null ? null : Array.isArray(v) ? v.join(',') : String(v);
      out.attributes.push({ time, device, name: point.metric, value });
      out.points++;
    } else if (point.kind === 'array' || Array.isArray(v)) {
      const values = Array.isArray(v) ? v : [typeof v === 'number' ? v : null];
      out.arrays.push({ time, device, metric: point.metric, values });
      out.points += values.length;
    } else {
      out.samples.push({ time, device, metric: point.metric, value: typeof v === 'number' ? v : null });
      out.points++;
    }
  }
  return out;
}
