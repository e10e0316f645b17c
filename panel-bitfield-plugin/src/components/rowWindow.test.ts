import { gridKeyAction } from './gridKeys';
import { rowLayout, scrollToRow, visibleRows } from './rowWindow';

describe('row windowing', () => {
  const layout = rowLayout(100, 30, (i) => (i === 10 ? 200 : 0)); // row 10 expanded with a 200 px detail

  it('places rows after an expanded one lower by the detail height', () => {
    expect(layout.offsets[10]).toBe(300);
    expect(layout.offsets[11]).toBe(530);
    expect(layout.offsets[100]).toBe(100 * 30 + 200);
  });

  it('renders the rows in view plus the overscan, with padding for the rest', () => {
    expect(visibleRows(layout, 0, 300, 2)).toEqual({ first: 0, last: 12, padTop: 0, padBottom: 3200 - 13 * 30 - 200 });
    const w = visibleRows(layout, 1000, 300, 2);
    expect(w.first).toBe(26 - 2); // row 26 spans 980–1010 (530 + 15 × 30): the first row visible at 1000
    expect(layout.offsets[w.first]).toBe(w.padTop);
    expect(w.padTop + (layout.offsets[w.last + 1] - layout.offsets[w.first]) + w.padBottom).toBe(3200);
    expect(
      visibleRows(
        rowLayout(0, 30, () => 0),
        0,
        300,
        2
      )
    ).toEqual({ first: 0, last: -1, padTop: 0, padBottom: 0 });
  });

  it('scrolls just enough to show a row', () => {
    expect(scrollToRow(layout, 0, 30, 100, 300)).toBe(0);
    expect(scrollToRow(layout, 5, 30, 0, 300)).toBe(0); // already visible
    expect(scrollToRow(layout, 50, 30, 0, 300)).toBe(layout.offsets[50] + 30 - 300);
  });
});

describe('grid keys', () => {
  it('moves within the grid, clamped, and toggles on Enter/Space', () => {
    expect(gridKeyAction('ArrowRight', false, 0, 3, 10, 4)).toEqual({ move: { r: 0, c: 3 } });
    expect(gridKeyAction('ArrowDown', false, 9, 1, 10, 4)).toEqual({ move: { r: 9, c: 1 } });
    expect(gridKeyAction('End', true, 2, 1, 10, 4)).toEqual({ move: { r: 9, c: 3 } });
    expect(gridKeyAction('Home', false, 2, 3, 10, 4)).toEqual({ move: { r: 2, c: 0 } });
    expect(gridKeyAction('PageDown', false, 5, 1, 10, 4)).toEqual({ move: { r: 9, c: 1 } });
    expect(gridKeyAction('PageUp', false, 12, 1, 30, 4)).toEqual({ move: { r: 2, c: 1 } });
    expect(gridKeyAction(' ', false, 0, 0, 10, 4)).toEqual({ toggle: true });
    expect(gridKeyAction('a', false, 0, 0, 10, 4)).toBeNull();
  });
});
