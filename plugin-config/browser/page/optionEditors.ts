/**
 * Grafana core registers the standard panel option editors at startup (public/app/core/components/OptionsUI/
 * registry.tsx `getAllOptionEditors()` → `standardEditorsRegistry.setInit`); the npm packages do not. Without them a
 * PanelPlugin's `setPanelOptions` builder throws `"radio" not found` as soon as Grafana reads the plugin's defaults.
 * The harness renders panels, not the panel editor, so each id is registered with an editor that renders nothing;
 * what matters is that the ids exist (the builder calls `standardEditorsRegistry.get(id)`).
 */
import { standardEditorsRegistry, type StandardEditorsRegistryItem } from '@grafana/data';

/** The ids PanelOptionsEditorBuilder / nested option builders of @grafana/data 12.x look up. */
export const STANDARD_EDITOR_IDS = [
  'boolean',
  'color',
  'dashboard-uid',
  'field-name',
  'multi-select',
  'number',
  'radio',
  'select',
  'slider',
  'strings',
  'text',
  'timezone',
  'unit',
] as const;

/** Registers the standard option editor ids once (no-op when something already initialised the registry). */
export function registerStandardEditors(): void {
  try {
    standardEditorsRegistry.setInit(() =>
      STANDARD_EDITOR_IDS.map(
        (id) =>
          ({
            id,
            name: id,
            description: `${id} (harness: not editable)`,
            editor: () => null,
          }) as unknown as StandardEditorsRegistryItem
      )
    );
  } catch {
    // "Registry already initialized": keep what is there
  }
}
