/**
 * What value keys cost a fully cached re-run: the rerun scenario's filled cache, copied
 * twice, once as it is and once without the records stored under value keys (every call
 * with inputs has one beside its call record, graph/value-key.ts). Both copies are
 * compacted alike, so the two differ only in those records, and a re-run of each in
 * fresh processes, in turns, shows what they add.
 */
import { cpSync, rmSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { LEVEL_LAYOUT } from '../src/store/level-layout.js';
import { decodeRecord } from '../src/store/record-codec.js';

export interface ValueKeyCopies {
  readonly keyed: string;
  readonly unkeyed: string;
  readonly records: { readonly all: number; readonly valueKeyed: number };
  remove(): void;
}

export async function valueKeyCopies(cacheDir: string): Promise<ValueKeyCopies> {
  const keyed = `${cacheDir}-keyed`;
  const unkeyed = `${cacheDir}-unkeyed`;
  cpSync(cacheDir, keyed, { recursive: true });
  cpSync(cacheDir, unkeyed, { recursive: true });
  await compacted(keyed, false);
  const records = await compacted(unkeyed, true);
  if (records.valueKeyed === 0) {
    rmSync(keyed, { recursive: true, force: true });
    rmSync(unkeyed, { recursive: true, force: true });
    throw new Error(`the filled cache ${cacheDir} holds no records under value keys (of ${records.all}): the two copies would not differ`);
  }
  return {
    keyed,
    unkeyed,
    records,
    remove: () => {
      rmSync(keyed, { recursive: true, force: true });
      rmSync(unkeyed, { recursive: true, force: true });
    },
  };
}

/** Compact the store in `dir`, first dropping its value-keyed records if asked; counts the call records it held. */
async function compacted(dir: string, dropValueKeyed: boolean): Promise<{ all: number; valueKeyed: number }> {
  const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    let all = 0;
    let valueKeyed = 0;
    const batch = db.batch();
    const prefix = LEVEL_LAYOUT.callKey('');
    for await (const [key, raw] of db.iterator({ gte: prefix, lt: `${prefix.slice(0, -1)}0` })) {
      all++;
      if (!decodeRecord(key.slice(prefix.length), raw)?.byValue) continue;
      valueKeyed++;
      if (dropValueKeyed) batch.del(key);
    }
    await batch.write();
    await db.compactRange('', '\uffff');
    return { all, valueKeyed };
  } finally {
    await db.close();
  }
}
