/**
 * Many devices: an ARIA grid of devices × status registers, each cell the register's worst state (badge + hex).
 * Click, Enter or Space on a cell expands the device below its row (with that register's bits open); on the
 * device name it expands the device. Arrow keys move between cells (roving tabindex), Home/End go to the first/
 * last cell of the row (with Ctrl: of the grid), PageUp/PageDown move ten rows (gridKeys.ts).
 *
 * Built for hundreds of devices: only the rows in view (plus an overscan) are in the DOM (rowWindow.ts), with
 * aria-rowcount/aria-rowindex telling assistive technology the full size; cells are light (CSS badge icons, no
 * per-cell handlers: events are delegated to the grid).
 */
import React, { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStyles2 } from '@grafana/ui';
import { hasNonOk, type BitState, type DeviceStatus, type RegisterColumn, type RegisterStatus } from '../data/model';
import { gridKeyAction } from './gridKeys';
import { GridRow } from './GridRow';
import { rowLayout, scrollToRow, visibleRows } from './rowWindow';
import { getStyles, GRID_HEADER_HEIGHT, GRID_ROW_HEIGHT } from './styles';

interface DeviceGridProps {
  devices: DeviceStatus[];
  registers: RegisterColumn[];
  onlyNonOk: boolean;
  /** Height available to the grid (panel height), px. */
  height: number;
  timeZone?: string;
}

const OVERSCAN = 5;
/** Height assumed for an expanded device's detail until it is measured, px. */
const DETAIL_ESTIMATE = 180;
const WORST_FIRST: BitState[] = ['ALARM', 'WARNING', 'INFO', 'OK', 'NO_DATA'];

/** "12 devices × 3 registers · 1 ALARM · 10 OK · 1 with missing registers". */
function gridSummary(devices: DeviceStatus[], registers: number): string {
  const byState = new Map<BitState, number>();
  let gaps = 0;
  for (const d of devices) {
    byState.set(d.state, (byState.get(d.state) ?? 0) + 1);
    // A register without data ranks below OK (model STATE_RANK), so say separately who has gaps.
    if (d.state !== 'NO_DATA' && d.registers.some((r) => r.state === 'NO_DATA')) {
      gaps++;
    }
  }
  const parts = [
    `${devices.length} device${devices.length === 1 ? '' : 's'} × ${registers} register${registers === 1 ? '' : 's'}`,
    ...WORST_FIRST.filter((s) => byState.get(s)).map((s) => `${byState.get(s)} ${s === 'NO_DATA' ? 'no data' : s}`),
  ];
  if (gaps > 0) {
    parts.push(`${gaps} with missing registers`);
  }
  return parts.join(' · ');
}

/** The cell (row, column) of an element: rows carry `data-row`, the column is the position in the row. */
function cellOf(el: Element | null): { r: number; c: number } | null {
  const row = el?.parentElement;
  const r = row?.getAttribute('data-row');
  if (!el || !row || r === null || r === undefined) {
    return null;
  }
  return { r: Number(r), c: Array.prototype.indexOf.call(row.children, el) };
}

const cellElement = (target: EventTarget | null): Element | null =>
  target instanceof Element ? target.closest('[role="gridcell"], [role="rowheader"]') : null;

export function DeviceGrid({ devices, registers, onlyNonOk, height, timeZone }: DeviceGridProps) {
  const styles = useStyles2(getStyles);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState({ r: 0, c: 0 });
  /** Expanded devices → register whose bits open first (null: none). */
  const [expanded, setExpanded] = useState<Map<string, string | null>>(() => new Map());
  const [detailHeights, setDetailHeights] = useState<Map<string, number>>(() => new Map());
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(Math.max(height - 2 * GRID_HEADER_HEIGHT, GRID_ROW_HEIGHT));

  const rows = useMemo(
    () =>
      (onlyNonOk ? devices.filter(hasNonOk) : devices).map((d) => ({
        device: d,
        byKey: new Map<string, RegisterStatus>(d.registers.map((r) => [r.key, r])),
      })),
    [devices, onlyNonOk]
  );
  const summary = useMemo(() => gridSummary(devices, registers.length), [devices, registers.length]);
  const layout = useMemo(
    () =>
      rowLayout(rows.length, GRID_ROW_HEIGHT, (i) => {
        const dev = rows[i].device.device;
        return expanded.has(dev) ? (detailHeights.get(dev) ?? DETAIL_ESTIMATE) : 0;
      }),
    [rows, expanded, detailHeights]
  );
  // aria-rowindex: header = 1, then device rows and their detail rows in order
  const ariaIndex = useMemo(() => {
    const idx = new Int32Array(rows.length);
    let next = 2;
    rows.forEach((row, i) => {
      idx[i] = next;
      next += expanded.has(row.device.device) ? 2 : 1;
    });
    return idx;
  }, [rows, expanded]);

  const cols = registers.length + 1;
  const ar = Math.min(active.r, Math.max(rows.length - 1, 0));
  const ac = Math.min(active.c, cols - 1);
  const win = visibleRows(layout, scrollTop, viewport, OVERSCAN);

  // The scroll viewport (below the sticky header) follows the element's size.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el || typeof ResizeObserver === 'undefined') {
      return;
    }
    const ro = new ResizeObserver((entries) => {
      const h = entries[0]?.contentRect.height;
      if (h) {
        setViewport(Math.max(h - GRID_HEADER_HEIGHT, GRID_ROW_HEIGHT));
      }
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Expanded details are measured so that rows below them are placed right when scrolling.
  const observers = useRef(new Map<string, ResizeObserver>());
  const detailRef = useCallback((device: string, el: HTMLElement | null) => {
    observers.current.get(device)?.disconnect();
    observers.current.delete(device);
    if (el && typeof ResizeObserver !== 'undefined') {
      const ro = new ResizeObserver(() => {
        const h = el.offsetHeight;
        setDetailHeights((prev) => (h > 0 && prev.get(device) !== h ? new Map(prev).set(device, h) : prev));
      });
      ro.observe(el);
      observers.current.set(device, ro);
    }
  }, []);

  const toggle = (r: number, c: number) => {
    const dev = rows[r]?.device.device;
    if (dev === undefined) {
      return;
    }
    const key = c === 0 ? null : registers[c - 1].key;
    setExpanded((prev) => {
      const next = new Map(prev);
      if (next.has(dev) && (c === 0 || next.get(dev) === key)) {
        next.delete(dev);
      } else {
        next.set(dev, key);
      }
      return next;
    });
  };

  // Only the active cell is focusable (tabIndex 0); after a move it is scrolled into the window, rendered, then
  // focused here.
  const focusPending = useRef(false);
  useLayoutEffect(() => {
    if (focusPending.current) {
      focusPending.current = false;
      const row = scrollRef.current?.querySelector(`[data-row="${ar}"]`);
      (row?.children[ac] as HTMLElement | undefined)?.focus({ preventScroll: true });
    }
  });

  const move = (r: number, c: number) => {
    focusPending.current = true;
    setActive({ r, c });
    const el = scrollRef.current;
    const top = scrollToRow(layout, r, GRID_ROW_HEIGHT, scrollTop, viewport);
    if (el && top !== scrollTop) {
      el.scrollTop = top;
      setScrollTop(top);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const cell = e.target === cellElement(e.target) ? cellOf(e.target as Element) : null;
    const action = cell && gridKeyAction(e.key, e.ctrlKey || e.metaKey, cell.r, cell.c, rows.length, cols);
    if (!cell || !action) {
      return;
    }
    e.preventDefault();
    if ('toggle' in action) {
      toggle(cell.r, cell.c);
    } else {
      move(action.move.r, action.move.c);
    }
  };

  const onClick = (e: React.MouseEvent) => {
    const cell = cellOf(cellElement(e.target));
    if (cell) {
      move(cell.r, cell.c);
      toggle(cell.r, cell.c);
    }
  };

  const hidden = devices.length - rows.length;
  const template = `minmax(12em, 1.2fr) repeat(${registers.length}, minmax(11em, 1fr))`;
  const rendered = [];
  for (let r = win.first; r <= win.last; r++) {
    const { device: d, byKey } = rows[r];
    rendered.push(
      <GridRow
        key={d.device}
        device={d}
        byKey={byKey}
        registers={registers}
        r={r}
        ariaRowIndex={ariaIndex[r]}
        activeCol={r === ar ? ac : -1}
        isOpen={expanded.has(d.device)}
        openKey={expanded.get(d.device)}
        onlyNonOk={onlyNonOk}
        timeZone={timeZone}
        styles={styles}
        detailRef={detailRef}
      />
    );
  }
  return (
    <div data-testid="device-grid" className={styles.gridFrame} style={{ height }}>
      <div className={styles.gridInfo} role="status">
        {summary}
        {hidden > 0 ? ` · ${hidden} all-OK device${hidden === 1 ? '' : 's'} hidden` : ''}
      </div>
      {rows.length === 0 ? (
        <div className={styles.message}>All {devices.length} devices OK.</div>
      ) : (
        <div ref={scrollRef} className={styles.gridScroll} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
          <div
            role="grid"
            aria-label="Status registers by device"
            aria-rowcount={ariaIndex[rows.length - 1] + (expanded.has(rows[rows.length - 1].device.device) ? 1 : 0)}
            aria-colcount={cols}
            className={styles.grid}
            style={{ ['--bitfield-cols' as string]: template, minWidth: `${12 + 11 * registers.length}em` }}
            onClick={onClick}
            onKeyDown={onKeyDown}
          >
            <div role="rowgroup" className={styles.gridHeader}>
              <div role="row" aria-rowindex={1} className={styles.gridHeaderRow}>
                <div role="columnheader" className={styles.gridHeaderCell}>
                  Device
                </div>
                {registers.map((col) => (
                  <div role="columnheader" key={col.key} title={col.key} className={styles.gridHeaderCell}>
                    {col.label}
                  </div>
                ))}
              </div>
            </div>
            <div role="rowgroup" style={{ paddingTop: win.padTop, paddingBottom: win.padBottom }}>
              {rendered}
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
