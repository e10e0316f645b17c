/**
 * One device: its name, worst state, previous/next sibling buttons (they change the dashboard variable) and its
 * status registers, each expandable to its bits.
 */
import { Button, useStyles2 } from '@grafana/ui';
import type { DeviceStatus } from '../data/model';
import { RegisterList } from './RegisterList';
import { StateBadge } from './StateBadge';
import { getStyles } from './styles';

/** Previous/next sibling device buttons. */
export interface DeviceNavigation {
  prev?: string;
  next?: string;
  /** Position of the shown device among its siblings (0-based) and their count. */
  index: number;
  count: number;
  onSelect: (device: string) => void;
}

interface DeviceViewProps {
  device: DeviceStatus;
  onlyNonOk: boolean;
  navigation?: DeviceNavigation;
  timeZone?: string;
}

function DeviceNavButtons({ nav }: { nav: DeviceNavigation }) {
  const styles = useStyles2(getStyles);
  return (
    <nav className={styles.nav} aria-label="Sibling devices">
      <Button
        size="sm"
        variant="secondary"
        disabled={!nav.prev}
        aria-label={nav.prev ? `Previous device: ${nav.prev}` : 'Previous device (none)'}
        onClick={() => nav.prev && nav.onSelect(nav.prev)}
      >
        ‹ Previous
      </Button>
      {nav.index >= 0 && (
        <span className={styles.summary}>
          {nav.index + 1} of {nav.count}
        </span>
      )}
      <Button
        size="sm"
        variant="secondary"
        disabled={!nav.next}
        aria-label={nav.next ? `Next device: ${nav.next}` : 'Next device (none)'}
        onClick={() => nav.next && nav.onSelect(nav.next)}
      >
        Next ›
      </Button>
    </nav>
  );
}

export function DeviceView({ device, onlyNonOk, navigation, timeZone }: DeviceViewProps) {
  const styles = useStyles2(getStyles);
  const registers = onlyNonOk ? device.registers.filter((r) => r.state !== 'OK') : device.registers;
  const hidden = device.registers.length - registers.length;
  return (
    <section aria-label={`Status of ${device.device}`} data-testid="device-view">
      <div className={styles.header}>
        <h2 className={styles.deviceName}>{device.device}</h2>
        <StateBadge state={device.state} />
        <span className={styles.summary}>
          {device.registers.length} register{device.registers.length === 1 ? '' : 's'}
          {hidden > 0 ? ` · ${hidden} OK hidden` : ''}
        </span>
        <span className={styles.spacer} />
        {navigation && navigation.count > 1 && <DeviceNavButtons nav={navigation} />}
      </div>
      {registers.length === 0 ? (
        <div className={styles.message}>All {device.registers.length} registers OK.</div>
      ) : (
        <RegisterList idPrefix={device.device} registers={registers} onlyNonOk={onlyNonOk} timeZone={timeZone} />
      )}
    </section>
  );
}
