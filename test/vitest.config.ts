import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    // Worker pools and LevelDB handles are real; give slow shared machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
