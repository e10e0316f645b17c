/** App settings visible to browsers (plugin settings `jsonData`). */
export interface AppJsonData {
  /** Base URL of the OpenBESS API as Grafana's server reaches it, without `/api`, e.g. `http://collector:8080`. */
  apiUrl?: string;
}

/** App settings stored encrypted (plugin settings `secureJsonData`); never sent back to browsers. */
export interface AppSecureJsonData {
  /** Bearer token of the API (the collector's API_TOKEN), added by the plugin.json route on the server. */
  apiToken?: string;
}
