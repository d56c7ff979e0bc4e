import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveRedis, noRedisMessage, startRedis, type TestRedis } from '../redis-server.js';

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
if (!haveRedis) console.warn(noRedisMessage);
let redis: TestRedis;
beforeAll(async () => {
  if (haveRedis) redis = await startRedis({ password: 'secret' });
});
afterAll(() => redis?.stop());

describe.skipIf(!haveRedis)('examples/shared-redis-cache', () => {
  it('a second process gets from the Redis what the first computed', async () => {
    const run = async () =>
      (await exec(process.execPath, ['--import', 'tsx', 'examples/shared-redis-cache.ts'], { cwd: root, env: { ...process.env, MEMOGRAPH_EXAMPLE_REDIS: redis.url } })).stdout;
    const first = await run();
    const second = await run();
    expect(first).toMatch(/^mean 0\.\d{6}: 17 executed, 0 from the cache in unix:\/\/.*password=\*\*\*/m);
    expect(second).toMatch(/: 0 executed, 1 from the cache/);
    expect(/mean (\S+)/.exec(second)?.[1]).toBe(/mean (\S+)/.exec(first)?.[1]);
  });
});
