/**
 * Click on a bar → the device detail dashboard with the device variable. The URL comes from a data link on the
 * frame's id field when there is one (Grafana's field data links), otherwise from the panel's `linkUrl` option.
 * `${__device}`, `${__site}`, `${__profile}` (and the field-link forms `${__value.raw}`, `${__value.text}`,
 * `${__data.fields.<id field>}`) become the clicked device; dashboard variables go through Grafana's
 * `replaceVariables`.
 */
import type { DataFrame } from '@grafana/data';

/** The device behind a bar. */
export interface LinkTarget {
  id: string;
  profile: string;
  site: string;
}

/** Grafana's interpolation (PanelProps.replaceVariables), scoped variables as `{ name: { text, value } }`. */
export type Interpolate = (value: string, scopedVars?: Record<string, { text: string; value: string }>) => string;

/** The first data link URL configured on the id field of any frame, or null. */
export function fieldLinkTemplate(frames: readonly DataFrame[], idField: string): string | null {
  for (const frame of frames) {
    const f = frame.fields.find((x) => x.name === idField);
    const link = f?.config?.links?.find((l) => typeof l.url === 'string' && l.url.trim() !== '');
    if (link) return link.url;
  }
  return null;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Resolves a link template for a device. Device tokens are URL-encoded; the result then goes through
 * `interpolate` (dashboard variables such as `${__url_time_range}` or `$site`).
 */
export function resolveDeviceLink(template: string, t: LinkTarget, idField = 'id', interpolate?: Interpolate): string {
  const enc = encodeURIComponent;
  const tokens: Record<string, string> = {
    __device: enc(t.id),
    __site: enc(t.site),
    __profile: enc(t.profile),
    '__value.raw': enc(t.id),
    '__value.text': enc(t.id),
    [`__data.fields.${idField}`]: enc(t.id),
    [`__data.fields["${idField}"]`]: enc(t.id),
  };
  let url = template;
  for (const [k, v] of Object.entries(tokens)) {
    url = url.replace(new RegExp(`\\$\\{${escapeRe(k)}(?::[a-z]+)?\\}`, 'g'), v);
  }
  if (interpolate) {
    const scoped = { __device: { text: t.id, value: t.id }, __site: { text: t.site, value: t.site } };
    url = interpolate(url, scoped);
  }
  return url;
}

/** Whether a URL stays inside Grafana (relative or same origin) and can go through the SPA router. */
export function isInternalUrl(url: string, origin: string): boolean {
  if (url.startsWith('/') && !url.startsWith('//')) return true;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
