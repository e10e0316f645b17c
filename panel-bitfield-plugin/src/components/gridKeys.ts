/**
 * Keyboard model of the device grid (WAI-ARIA grid pattern): where a key moves the active cell.
 * Source: WAI-ARIA Authoring Practices 1.2, "Grid (Data Grid)" keyboard interaction.
 */

const PAGE = 10;

/** Result of a key in the grid: move to a cell, toggle the current cell's device, or not a grid key. */
export type GridKeyAction = { move: { r: number; c: number } } | { toggle: true } | null;

/**
 * @param key - KeyboardEvent.key
 * @param ctrl - Ctrl (or Cmd) held: Home/End go to the first/last cell of the grid
 * @param r - current row (0-based, device rows only), `rows` rows
 * @param c - current column (0 = device name), `cols` columns
 * @returns the action; moves are clamped to the grid (no wrap-around)
 */
export function gridKeyAction(
  key: string,
  ctrl: boolean,
  r: number,
  c: number,
  rows: number,
  cols: number
): GridKeyAction {
  const to = (nr: number, nc: number) => ({
    move: { r: Math.max(0, Math.min(rows - 1, nr)), c: Math.max(0, Math.min(cols - 1, nc)) },
  });
  switch (key) {
    case 'ArrowRight':
      return to(r, c + 1);
    case 'ArrowLeft':
      return to(r, c - 1);
    case 'ArrowDown':
      return to(r + 1, c);
    case 'ArrowUp':
      return to(r - 1, c);
    case 'Home':
      return to(ctrl ? 0 : r, 0);
    case 'End':
      return to(ctrl ? rows - 1 : r, cols - 1);
    case 'PageDown':
      return to(r + PAGE, c);
    case 'PageUp':
      return to(r - PAGE, c);
    case 'Enter':
    case ' ':
      return { toggle: true };
    default:
      return null;
  }
}
