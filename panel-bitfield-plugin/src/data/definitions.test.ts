import { EXAMPLE_DEFINITIONS, formatDefinitionError, parseDefinitions } from './definitions';

const messages = (text: string) => parseDefinitions(text).errors.map(formatDefinitionError);

describe('parseDefinitions', () => {
  it('accepts YAML with defaults applied (label = field, type bitfield16, severity WARNING)', () => {
    const r = parseDefinitions(`registers:
  - field: status
    bits:
      - { bit: 0, name: running, expected: 1 }
      - { bit: 2, name: heater }
`);
    expect(r.errors).toEqual([]);
    expect(r.registers).toEqual([
      {
        field: 'status',
        label: 'status',
        type: 'bitfield16',
        sentinel: null,
        bits: [
          { bit: 0, name: 'running', expected: 1, severity: 'WARNING' },
          { bit: 2, name: 'heater', severity: 'WARNING' },
        ],
      },
    ]);
  });

  it('accepts the same definitions as JSON, a top-level list, hex sentinels and lower-case severities', () => {
    const json = JSON.stringify({
      registers: [
        {
          field: 'events',
          label: 'Events',
          type: 'bitfield32',
          bits: [{ bit: 31, name: 'enabled', expected: 1, severity: 'alarm', description: 'x' }],
        },
      ],
    });
    const r = parseDefinitions(json);
    expect(r.errors).toEqual([]);
    expect(r.registers[0]).toMatchObject({ field: 'events', type: 'bitfield32' });
    expect(r.registers[0].bits[0]).toEqual({
      bit: 31,
      name: 'enabled',
      expected: 1,
      severity: 'ALARM',
      description: 'x',
    });

    const list = parseDefinitions('- { field: s, sentinel: 0xFFFF, bits: [{ bit: 1, name: a, expected: 0 }] }');
    expect(list.errors).toEqual([]);
    expect(list.registers[0].sentinel).toBe(0xffff);
  });

  it('empty text and comments only define nothing, without errors', () => {
    expect(parseDefinitions('')).toEqual({ registers: [], errors: [] });
    expect(parseDefinitions('# nothing yet\n')).toEqual({ registers: [], errors: [] });
  });

  it('the example is valid', () => {
    const r = parseDefinitions(EXAMPLE_DEFINITIONS);
    expect(r.errors).toEqual([]);
    expect(r.registers[0].bits).toHaveLength(4);
  });

  it('names the line and field of a bad value', () => {
    expect(
      messages(`registers:
  - field: status
    bits:
      - { bit: 0, name: running, expected: 1 }
      - { bit: 1, name: fault, expected: 0, severity: SEVERE }
`)
    ).toEqual(['line 5: registers[0].bits[1].severity: must be one of OK, INFO, WARNING, ALARM (got "SEVERE")']);
  });

  it('rejects bits outside the register width, duplicate bits and expected values other than 0/1', () => {
    expect(
      messages(`registers:
  - field: status
    type: bitfield16
    bits:
      - bit: 16
        name: tooHigh
      - { bit: 2, name: a, expected: 2 }
      - { bit: 2, name: b }
`)
    ).toEqual([
      'line 5: registers[0].bits[0].bit: must be an integer from 0 to 15 for bitfield16 (got 16)',
      'line 7: registers[0].bits[1].expected: must be 0, 1 or null (got 2)',
      'line 8: registers[0].bits[2].bit: bit 2 is already defined at bits[1]',
    ]);
  });

  it('reports missing keys at the entry, unknown keys at the key, and duplicate fields', () => {
    expect(
      messages(`registers:
  - field: a
    bits:
      - { name: noIndex }
  - label: no field
    bits: []
  - field: a
    bitz: []
`)
    ).toEqual([
      'line 4: registers[0].bits[0]: missing "bit" (the bit index, 0 = least significant)',
      'line 5: registers[1]: missing "field" (the numeric field or series holding the register value)',
      'line 8: registers[2].bitz: unknown key (allowed: field, label, type, sentinel, bits)',
      'line 7: registers[2].field: field "a" is already defined at registers[0]',
      'line 7: registers[2]: missing "bits" list',
    ]);
  });

  it('reports YAML and JSON syntax errors with their line and defines nothing', () => {
    const yaml = parseDefinitions('registers:\n  - field: status\n    bits: [ { bit: 0, name: a }\n');
    expect(yaml.registers).toEqual([]);
    expect(yaml.errors.length).toBeGreaterThan(0);
    expect(yaml.errors[0].line).toBeGreaterThanOrEqual(3);

    const json = parseDefinitions('{\n  "registers": [\n    { "field": "s", "bits": [] },,\n  ]\n}');
    expect(json.errors[0].line).toBe(3);
    expect(formatDefinitionError(json.errors[0])).toMatch(/^line 3: /);
  });

  it('rejects a wrong top level and a wrong type', () => {
    expect(messages('42')).toEqual(['line 1: expected a "registers" list (got 42)']);
    expect(messages('registers: {}')).toEqual(['line 1: registers: expected a "registers" list']);
    expect(messages('- { field: s, type: uint16, bits: [] }')).toEqual([
      'line 1: [0].type: must be bitfield16 or bitfield32 (got "uint16")',
    ]);
  });
});
