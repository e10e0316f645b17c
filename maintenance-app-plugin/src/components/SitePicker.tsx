import { Select } from '@grafana/ui';
import { useMaintenance } from './MaintenanceContext';

/** Site selector over the sites the user sees. */
export function SitePicker({ value, onChange }: { value: string; onChange: (site: string) => void }) {
  const { sites } = useMaintenance();
  return (
    <Select
      aria-label="Site"
      width={32}
      value={value || null}
      placeholder="Choose a site"
      options={sites.map((s) => ({ label: `${s.code} ${s.name}`, value: s.code }))}
      onChange={(o) => onChange(o?.value ?? '')}
    />
  );
}
