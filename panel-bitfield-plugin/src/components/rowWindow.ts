/**
 * Row windowing for the device grid: which rows to put in the DOM for a scroll position, so a site of hundreds
 * (or thousands) of devices renders as fast as one screenful. Rows have a fixed height; an expanded row adds the
 * height of its detail (measured, or an estimate until measured).
 */

/** Layout of the rows: top offset of each row (px from the first row) and the total height. */
export interface RowLayout {
  /** `offsets[i]` = top of row i; `offsets[count]` = total height. */
  offsets: Float64Array;
}

/**
 * @param count - number of rows
 * @param rowHeight - height of a collapsed row, px
 * @param extra - extra height of row i (its expanded detail), px
 */
export function rowLayout(count: number, rowHeight: number, extra: (i: number) => number): RowLayout {
  const offsets = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) {
    offsets[i + 1] = offsets[i] + rowHeight + extra(i);
  }
  return { offsets };
}

/** First row whose bottom is below `y` (binary search), clamped to [0, count − 1]. */
function rowAt(layout: RowLayout, y: number): number {
  const o = layout.offsets;
  let lo = 0;
  let hi = o.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (o[mid + 1] <= y) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return Math.max(0, lo);
}

/**
 * Rows to render for a viewport: [first, last] inclusive, plus the padding above and below them that stands in
 * for the rows left out. `overscan` rows are added on each side so that keyboard moves and small scrolls find
 * their rows rendered.
 */
export function visibleRows(
  layout: RowLayout,
  scrollTop: number,
  viewportHeight: number,
  overscan: number
): { first: number; last: number; padTop: number; padBottom: number } {
  const count = layout.offsets.length - 1;
  if (count === 0) {
    return { first: 0, last: -1, padTop: 0, padBottom: 0 };
  }
  const first = Math.max(0, rowAt(layout, Math.max(0, scrollTop)) - overscan);
  const last = Math.min(count - 1, rowAt(layout, scrollTop + Math.max(viewportHeight, 0)) + overscan);
  return {
    first,
    last,
    padTop: layout.offsets[first],
    padBottom: layout.offsets[count] - layout.offsets[last + 1],
  };
}

/** The scrollTop that brings row i fully into a viewport (unchanged when it is already in view). */
export function scrollToRow(layout: RowLayout, i: number, rowHeight: number, scrollTop: number, viewport: number) {
  const top = layout.offsets[i];
  if (top < scrollTop) {
    return top;
  }
  if (top + rowHeight > scrollTop + viewport) {
    return top + rowHeight - viewport;
  }
  return scrollTop;
}
