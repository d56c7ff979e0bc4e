// A module whose exported function uses an import and a module-level constant:
// workers import this module to run it (see the README, "Where tasks run").
import { createHash } from 'node:crypto';
import { delayed } from 'memograph';

const ALGORITHM = 'sha256';

export function checksum(text: string): string {
  return createHash(ALGORITHM).update(text).digest('hex').slice(0, 16);
}

export const checksumTask = delayed(checksum, { module: import.meta.url });
