/** Options of the bitfield panel (saved in the dashboard JSON under `options`). */

/** `auto`: one device → device view, several → grid. */
export type DisplayMode = 'auto' | 'device' | 'grid';

export interface BitfieldOptions {
  /** Device view, device grid, or automatic (by the number of devices in the data). */
  displayMode: DisplayMode;
  /** Hide all-OK devices (grid) / all-OK registers (device view). */
  onlyNonOk: boolean;
  /** Show previous/next sibling buttons in the device view. */
  showNavigation: boolean;
  /** Dashboard variable the previous/next buttons change and the device view follows (without `$`). */
  deviceVariable: string;
  /** Numeric-field mode: the string column (table) or series label naming the device. */
  deviceField: string;
  /** Numeric-field mode: bit definitions, YAML or JSON (see data/definitions.ts). */
  definitions: string;
}

export const DEFAULT_OPTIONS: BitfieldOptions = {
  displayMode: 'auto',
  onlyNonOk: false,
  showNavigation: true,
  deviceVariable: 'device',
  deviceField: 'device',
  definitions: '',
};
