import { platform } from 'node:os';
import { describe, expect, it } from 'vitest';
import { mainThreadCpuMs } from '../../bench/thread-cpu.js';

describe.skipIf(platform() !== 'linux')('the main thread’s CPU time', () => {
  it('is read from the system and grows with work done on this thread, not with time spent waiting', async () => {
    const before = mainThreadCpuMs();
    expect(before).toBeTypeOf('number');
    let x = 0;
    for (let i = 0; i < 5e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const afterWork = mainThreadCpuMs()!;
    expect(afterWork).toBeGreaterThan(before!);
    // Asleep for 200 ms: the thread uses far less CPU than that.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mainThreadCpuMs()! - afterWork).toBeLessThan(100);
  });
});
