import { InvalidArgumentError } from 'commander';
import { instant } from '../../src/cli/common';

describe('--start-time parser', () => {
  it('reads ISO 8601 instants', () => {
    expect(instant('2026-01-15T17:00:00Z')).toBe(Date.UTC(2026, 0, 15, 17));
    expect(instant('2026-01-15T18:30:00+01:00')).toBe(Date.UTC(2026, 0, 15, 17, 30));
  });

  it('refuses anything else with the expected form in the message', () => {
    for (const bad of ['yesterday', '2026-01-15', '2026-13-45T00:00:00Z', '1700000000000']) {
      expect(() => instant(bad)).toThrow(InvalidArgumentError);
      expect(() => instant(bad)).toThrow(/ISO 8601 time such as 2026-01-15T17:00:00Z/);
    }
  });
});
