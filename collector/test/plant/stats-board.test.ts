import { SiteStatsBoard } from '../../src/plant/stats-board';

describe('SiteStatsBoard', () => {
  it('what one side publishes the other side reads, per site', () => {
    const plant = new SiteStatsBoard(['FI006', 'EE001']);
    const api = new SiteStatsBoard(['FI006', 'EE001'], plant.buffer);
    expect(api.read('FI006')).toEqual({ lastPollAt: null, pointsWritten: 0, pointsBuffered: 0 });
    plant.publish('EE001', { lastPollAt: 1_700_000_000_000, pointsWritten: 123_456_789, pointsBuffered: 42 });
    expect(api.read('EE001')).toEqual({
      lastPollAt: 1_700_000_000_000,
      pointsWritten: 123_456_789,
      pointsBuffered: 42,
    });
    expect(api.read('FI006')).toEqual({ lastPollAt: null, pointsWritten: 0, pointsBuffered: 0 });
    plant.publish('XX999', { lastPollAt: 1, pointsWritten: 1, pointsBuffered: 1 });
    expect(api.read('XX999')).toEqual({ lastPollAt: null, pointsWritten: 0, pointsBuffered: 0 });
  });

  it('refuses a buffer too small for its sites', () => {
    expect(() => new SiteStatsBoard(['FI006', 'EE001'], new SharedArrayBuffer(24))).toThrow(/24 bytes for 2 sites/);
  });
});
