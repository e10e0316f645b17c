/**
 * Opens a resolved device link: inside Grafana through the SPA router (`locationService.push`, no page reload,
 * sub-path stripped like Grafana's own data links), anything else as a normal navigation.
 */
import { locationUtil } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { isInternalUrl } from '../links';

export function openLink(url: string): void {
  if (isInternalUrl(url, window.location.origin)) {
    locationService.push(locationUtil.stripBaseFromUrl(url));
  } else {
    window.location.assign(url);
  }
}
