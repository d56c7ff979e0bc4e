import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A fresh directory under the OS temp dir, removed by the returned function. */
export function tempDir(prefix = 'memograph-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A full garbage collection, for tests that check what is still reachable through WeakRefs. */
export async function collectGarbage(): Promise<void> {
  // WeakRef targets stay alive until the current job ends: let it end before collecting.
  await new Promise((resolve) => setImmediate(resolve));
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
