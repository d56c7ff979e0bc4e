import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shutdown, startRun, type Delayed } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const dir = tempDir('memograph-packages-');
afterAll(async () => {
  await shutdown();
  dir.remove();
});

/** A project of its own: a module function that imports a package from its node_modules. */
function project(): string {
  const root = dir.path;
  const index = new URL('../../src/index.ts', import.meta.url).pathname;
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }');
  mkdirSync(join(root, 'node_modules', 'tiny-scale'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'tiny-scale', 'package.json'), JSON.stringify({ name: 'tiny-scale', version: '1.0.0', type: 'module', main: 'index.js' }));
  writeFileSync(join(root, 'node_modules', 'tiny-scale', 'index.js'), 'export const factor = 10;\n');
  writeFileSync(
    join(root, 'tasks.ts'),
    `import { delayed } from '${index}';\nimport { factor } from 'tiny-scale';\nexport function scaled(x: number): number {\n  return x * factor;\n}\nexport const scale = delayed(scaled, { module: import.meta.url });\n`,
  );
  return join(root, 'tasks.ts');
}

describe('a module function that imports a package', () => {
  it('does not run on a worker thread that finds another version of the package than its identity names', async () => {
    const file = project();
    const { scale } = (await import(file)) as { scale: (x: number) => Delayed<number> };
    const call = scale(2);
    // Installed again under the process, as `npm install` would: the thread would import 2.0.0 under 1.0.0's address.
    writeFileSync(join(dir.path, 'node_modules', 'tiny-scale', 'package.json'), JSON.stringify({ name: 'tiny-scale', version: '2.0.0', type: 'module', main: 'index.js' }));
    const run = startRun([call], { cache: false, onFailure: 'continue' });
    const outcome = await run.settled;
    expect(outcome.available).toEqual([false]);
    expect(outcome.failures[0]).toMatchObject({ code: 'MEMOGRAPH_CODE_CHANGED', message: expect.stringMatching(/tiny-scale is version 2\.0\.0 in this worker .*where the function's identity names version 1\.0\.0/) });
  });
});
