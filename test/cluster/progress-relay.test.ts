import { afterEach, describe, expect, it, vi } from 'vitest';
import { RELAY_MS, progressRelay, readReports, type RelayedReport } from '../../src/cluster/progress-relay.js';

afterEach(() => vi.useRealTimers());

describe('progress relayed from a worker', () => {
  it('sends at most once a period, the latest report of each task, and what is pending when the batch ends', async () => {
    vi.useFakeTimers();
    const sent: RelayedReport[][] = [];
    const relay = progressRelay(async (reports) => sent.push(reports));
    relay.hear(0, 0.1, 'a');
    relay.hear(0, 0.2, undefined);
    relay.hear(1, 0.5, 'half');
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(RELAY_MS);
    expect(sent).toEqual([[{ i: 0, f: 0.2 }, { i: 1, f: 0.5, m: 'half' }]]);
    relay.hear(1, 1, 'done');
    relay.close();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual([{ i: 1, f: 1, m: 'done' }]);
    vi.advanceTimersByTime(RELAY_MS * 2);
    expect(sent).toHaveLength(2);
  });

  it('a failed send fails nothing', async () => {
    vi.useFakeTimers();
    const relay = progressRelay(() => Promise.reject(new Error('Redis is gone')));
    relay.hear(0, 0.5, undefined);
    vi.advanceTimersByTime(RELAY_MS);
    relay.close();
    await vi.runAllTimersAsync();
  });

  it('reads back only well-formed reports', () => {
    expect(readReports([{ i: 0, f: 0.5 }, { i: 'x', f: 1 }, { i: 1, f: 1, m: 3 }, null, { i: 2, f: 1, m: 'ok' }])).toEqual([
      { i: 0, f: 0.5 },
      { i: 2, f: 1, m: 'ok' },
    ]);
    expect(readReports(0.5)).toEqual([]);
  });
});
