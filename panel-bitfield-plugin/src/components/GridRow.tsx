/**
 * One device row of the grid (memoised: scrolling mounts new rows without re-rendering the others), and the
 * detail row under it when the device is expanded.
 */
import { memo } from 'react';
import type { BitState, DeviceStatus, RegisterColumn, RegisterStatus } from '../data/model';
import { RegisterList } from './RegisterList';
import { STATE_TEXT } from './StateBadge';
import type { PanelStyles } from './styles';

/**
 * StateBadge's markup for grid cells as a plain function (no component and hook per cell): icon (CSS), text and
 * colour; "No data" for screen readers where the visible text is a dash.
 */
function gridBadge(state: BitState, styles: PanelStyles, stale = false) {
  return (
    <span className={styles.badgeState[state]}>
      {state === 'NO_DATA' ? (
        <>
          <span aria-hidden="true">{STATE_TEXT.NO_DATA}</span>
          <span className={styles.srOnly}>{stale ? 'No recent data (stale)' : 'No data'}</span>
        </>
      ) : (
        STATE_TEXT[state]
      )}
    </span>
  );
}

interface GridRowProps {
  device: DeviceStatus;
  byKey: Map<string, RegisterStatus>;
  registers: RegisterColumn[];
  /** Row index among device rows (0-based) and its aria-rowindex. */
  r: number;
  ariaRowIndex: number;
  /** Column of the active cell when it is in this row, else -1 (roving tabindex). */
  activeCol: number;
  isOpen: boolean;
  /** Register whose bits open first in the detail (null: none). */
  openKey: string | null | undefined;
  onlyNonOk: boolean;
  timeZone?: string;
  styles: PanelStyles;
  /** Ref for the detail element (its height is measured for scrolling). */
  detailRef: (device: string, el: HTMLElement | null) => void;
}

export const GridRow = memo(function GridRow(props: GridRowProps) {
  const { device: d, byKey, registers, r, activeCol, isOpen, openKey, styles } = props;
  return (
    <>
      <div
        role="row"
        aria-rowindex={props.ariaRowIndex}
        className={styles.gridRow}
        data-row={r}
        data-testid={`grid-row-${d.device}`}
        data-state={d.state}
      >
        <div
          role="rowheader"
          className={isOpen ? styles.gridDeviceOpen : styles.gridDevice}
          tabIndex={activeCol === 0 ? 0 : undefined}
          aria-expanded={isOpen}
        >
          {d.device}
        </div>
        {registers.map((col, i) => {
          const reg = byKey.get(col.key);
          return (
            <div
              role="gridcell"
              key={col.key}
              className={isOpen && openKey === col.key ? styles.gridCellOpen : styles.gridCell}
              data-state={reg?.state}
              tabIndex={activeCol === i + 1 ? 0 : undefined}
              aria-expanded={isOpen}
            >
              {reg ? (
                <>
                  {gridBadge(reg.state, styles, reg.stale)}
                  {reg.stale ? (
                    <span className={styles.gridStaleHex} title="Last known value (stale)">
                      {reg.hex}
                    </span>
                  ) : (
                    <span>{reg.hex}</span>
                  )}
                </>
              ) : (
                <span className={styles.gridMissing}>not reported</span>
              )}
            </div>
          );
        })}
      </div>
      {isOpen && (
        <div
          role="row"
          aria-rowindex={props.ariaRowIndex + 1}
          data-testid={`grid-detail-${d.device}`}
          ref={(el) => props.detailRef(d.device, el)}
        >
          <div role="gridcell" className={styles.gridDetail}>
            <RegisterList
              key={`${d.device}:${openKey}`}
              idPrefix={`grid-${d.device}`}
              registers={d.registers}
              initiallyOpen={openKey ? [openKey] : []}
              onlyNonOk={props.onlyNonOk}
              timeZone={props.timeZone}
            />
          </div>
        </div>
      )}
    </>
  );
});
