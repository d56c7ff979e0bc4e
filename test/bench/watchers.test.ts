import { describe, expect, it } from 'vitest';
import { WATCH_VARIANTS, watcherOptions } from '../../bench/watchers.js';

describe('watch variants', () => {
  it('runs plain first, then one watcher each, with options made afresh for every run', () => {
    expect(WATCH_VARIANTS).toEqual(['plain', 'events', 'progress', 'dashboard']);
    expect(watcherOptions('plain')).toEqual({});
    expect(watcherOptions('dashboard')).toEqual({ dashboard: { port: 0 } });
    expect(watcherOptions('events').onEvent).toBeTypeOf('function');
    expect(watcherOptions('progress').progress).not.toBe(watcherOptions('progress').progress);
  });

  it('draws progress as plain lines into a stream that takes every write and keeps nothing', async () => {
    const progress = watcherOptions('progress').progress;
    if (typeof progress !== 'object') throw new Error('expected progress options');
    expect(progress.interactive).toBe(false);
    const stream = progress.stream!;
    await new Promise<void>((resolve, reject) => stream.write('[memograph] 1/1 done\n', (error) => (error ? reject(error) : resolve())));
  });
});
