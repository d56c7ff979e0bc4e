/**
 * The embedded store's keys and the few values it encodes itself, frozen by
 * {@link LEVEL_LAYOUT} (level-store.ts describes the layout), and the LevelDB handle
 * type the store's files share.
 */
import type { ClassicLevel } from 'classic-level';
import { Level } from 'level';

export const LEVEL_LAYOUT = {
  version: '1',
  callKey: (callCid: string) => `c/${callCid}`,
  resultKey: (resultCid: string) => `r/${resultCid}`,
  usedKey: (callCid: string) => `u/${callCid}`,
  layoutKey: 'm/layout',
} as const;

// `level` re-exports ClassicLevel at runtime but types only the browser-common subset
// (no getSync, no hasMany), so borrow classic-level's types.
export type Db = ClassicLevel<string, Uint8Array>;
export const LevelDb = Level as unknown as typeof ClassicLevel;

/** The `code` LevelDB gave an error (LEVEL_LOCKED, LEVEL_CORRUPTION, …), if any. */
export function levelCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** When an entry was last served from the cache, as stored under its `u/` key. */
export function encodeUsed(at: number): Uint8Array {
  return new TextEncoder().encode(String(Math.round(at)));
}

export function decodeUsed(raw: Uint8Array): number {
  const at = Number(new TextDecoder().decode(raw));
  return Number.isFinite(at) ? at : 0;
}
