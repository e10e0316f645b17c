import {
  PanelOptionsEditorBuilder,
  PanelPlugin,
  standardEditorsRegistry,
  type StandardEditorsRegistryItem,
} from '@grafana/data';
import { DefinitionsEditor } from './components/DefinitionsEditor';
import { plugin } from './module';
import { DEFAULT_OPTIONS, type BitfieldOptions } from './types';

// Grafana core fills this registry at startup (public/app/core/components/OptionsUI/registry.tsx); the npm
// packages do not. The builder only needs the ids to exist to compute defaults (as plugin-config's harness does).
beforeAll(() => {
  standardEditorsRegistry.setInit(() =>
    ['radio', 'boolean', 'text'].map(
      (id) => ({ id, name: id, editor: () => null }) as unknown as StandardEditorsRegistryItem
    )
  );
});

describe('module', () => {
  it('exports a PanelPlugin whose option defaults are the documented ones', () => {
    expect(plugin).toBeInstanceOf(PanelPlugin);
    expect(plugin.defaults).toEqual(DEFAULT_OPTIONS);
  });

  it('has the options editor for bit definitions and hides "Device variable" only in grid mode without buttons', () => {
    const builder = new PanelOptionsEditorBuilder<BitfieldOptions>();
    plugin.getPanelOptionsSupplier()(builder, { data: [] });
    const items = new Map(builder.getItems().map((item) => [item.path, item]));
    expect([...items.keys()]).toEqual([
      'displayMode',
      'onlyNonOk',
      'showNavigation',
      'deviceVariable',
      'definitions',
      'deviceField',
    ]);
    const showVar = items.get('deviceVariable')!.showIf!;
    expect(showVar({ ...DEFAULT_OPTIONS, displayMode: 'grid', showNavigation: false })).toBe(false);
    expect(showVar({ ...DEFAULT_OPTIONS, displayMode: 'device', showNavigation: false })).toBe(true);
    expect(items.get('definitions')!.editor).toBe(DefinitionsEditor);
  });
});
