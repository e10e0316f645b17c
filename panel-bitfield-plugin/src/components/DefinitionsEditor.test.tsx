import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { StandardEditorProps } from '@grafana/data';
import { EXAMPLE_DEFINITIONS } from '../data/definitions';
import { DefinitionsEditor } from './DefinitionsEditor';

function setup(value = '') {
  const onChange = jest.fn();
  const props = { value, onChange, item: { id: 'definitions', name: 'Bit definitions' }, context: { data: [] } };
  const utils = render(<DefinitionsEditor {...(props as unknown as StandardEditorProps<string>)} />);
  const textbox = screen.getByRole('textbox', { name: 'Bit definitions (YAML or JSON)' });
  const type = (text: string) => fireEvent.change(textbox, { target: { value: text } });
  return { ...utils, onChange, textbox, type };
}

const VALID_YAML = `registers:
  - field: status
    label: PCS status
    type: bitfield16
    bits:
      - { bit: 0, name: running, expected: 1, severity: WARNING }
      - { bit: 3, name: fault, expected: 0, severity: ALARM }
`;

describe('bit definitions editor', () => {
  it('accepts valid YAML: applies it and says what it defines', () => {
    const { onChange, type, textbox } = setup();
    expect(screen.getByRole('status')).toHaveTextContent('No definitions');
    type(VALID_YAML);
    expect(onChange).toHaveBeenLastCalledWith(VALID_YAML);
    expect(screen.getByRole('status')).toHaveTextContent('1 register, 2 bits defined.');
    expect(textbox).toHaveAttribute('aria-invalid', 'false');
  });

  it('accepts valid JSON', () => {
    const { onChange, type } = setup();
    const json = JSON.stringify({ registers: [{ field: 'w', type: 'bitfield32', bits: [{ bit: 31, name: 'x' }] }] });
    type(json);
    expect(onChange).toHaveBeenLastCalledWith(json);
    expect(screen.getByRole('status')).toHaveTextContent('1 register, 1 bit defined.');
  });

  it('rejects invalid definitions with messages naming the line and field, and does not apply them', () => {
    const { onChange, type, textbox } = setup(VALID_YAML);
    type(VALID_YAML.replace('severity: ALARM', 'severity: LOUD').replace('bit: 0,', 'bit: 0x20,'));
    expect(onChange).not.toHaveBeenCalled();
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Not applied until fixed');
    expect(alert).toHaveTextContent(
      'line 6: registers[0].bits[0].bit: must be an integer from 0 to 15 for bitfield16 (got 32)'
    );
    expect(alert).toHaveTextContent(
      'line 7: registers[0].bits[1].severity: must be one of OK, INFO, WARNING, ALARM (got "LOUD")'
    );
    expect(textbox).toHaveAttribute('aria-invalid', 'true');
    // the text stays for fixing
    expect((textbox as HTMLTextAreaElement).value).toContain('LOUD');
  });

  it('rejects a JSON syntax error with its line', () => {
    const { onChange, type } = setup();
    type('{\n  "registers": [\n    { "field": "s" "bits": [] }\n  ]\n}');
    expect(onChange).not.toHaveBeenCalled();
    expect(screen.getByRole('alert')).toHaveTextContent(/line 3: /);
  });

  it('"Insert example" fills in a valid example', async () => {
    const { onChange, textbox } = setup();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Insert example' }));
    expect(onChange).toHaveBeenCalledWith(EXAMPLE_DEFINITIONS);
    expect((textbox as HTMLTextAreaElement).value).toBe(EXAMPLE_DEFINITIONS);
  });

  it('follows a value changed elsewhere', () => {
    const { rerender, onChange, textbox } = setup('');
    rerender(
      <DefinitionsEditor
        {...({
          value: VALID_YAML,
          onChange,
          item: {},
          context: { data: [] },
        } as unknown as StandardEditorProps<string>)}
      />
    );
    expect((textbox as HTMLTextAreaElement).value).toBe(VALID_YAML);
  });
});
