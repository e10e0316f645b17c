/**
 * Entry of the `openbess-bitfield-panel` plugin (create-plugin layout): the PanelPlugin and its options.
 */
import { PanelPlugin } from '@grafana/data';
import { BitfieldPanel } from './components/BitfieldPanel';
import { DefinitionsEditor } from './components/DefinitionsEditor';
import { DEFAULT_OPTIONS, type BitfieldOptions } from './types';

const NUMERIC = ['Numeric fields (any datasource)'];

export const plugin = new PanelPlugin<BitfieldOptions>(BitfieldPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'displayMode',
      name: 'Display',
      description: 'Auto: one device → device view, several → devices × registers grid.',
      defaultValue: DEFAULT_OPTIONS.displayMode,
      settings: {
        options: [
          { value: 'auto', label: 'Auto' },
          { value: 'device', label: 'Device' },
          { value: 'grid', label: 'Grid' },
        ],
      },
    })
    .addBooleanSwitch({
      path: 'onlyNonOk',
      name: 'Only non-OK',
      description: 'Grid: hide devices whose registers are all OK. Device view: hide OK registers.',
      defaultValue: DEFAULT_OPTIONS.onlyNonOk,
    })
    .addBooleanSwitch({
      path: 'showNavigation',
      name: 'Previous/next device',
      description: 'Buttons in the device view that set the device variable to the previous/next sibling.',
      defaultValue: DEFAULT_OPTIONS.showNavigation,
    })
    .addTextInput({
      path: 'deviceVariable',
      name: 'Device variable',
      description: 'Dashboard variable (without $) the device view follows and the buttons change.',
      defaultValue: DEFAULT_OPTIONS.deviceVariable,
      showIf: (o) => o.showNavigation || o.displayMode !== 'grid',
    })
    .addCustomEditor({
      id: 'definitions',
      path: 'definitions',
      name: 'Bit definitions',
      description:
        'YAML or JSON: registers: [{ field, label, type: bitfield16|bitfield32, bits: [{ bit, name, expected, severity }] }]. ' +
        'Used when the data is not the OpenBESS Status query.',
      category: NUMERIC,
      defaultValue: DEFAULT_OPTIONS.definitions,
      editor: DefinitionsEditor,
    })
    .addTextInput({
      path: 'deviceField',
      name: 'Device field',
      description: 'String column (tables) or series label naming the device. Also tries "device" and "name".',
      category: NUMERIC,
      defaultValue: DEFAULT_OPTIONS.deviceField,
    })
);
