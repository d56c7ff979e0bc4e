/**
 * Output files a task declares (`delayed(fn, { outputs: [...] })`): read after
 * the task succeeds and stored beside its result under their CIDs, then put back
 * on a cache hit wherever the file on disk is missing or differs — as build
 * tools restore outputs. Paths are relative to the working directory.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RAW, cidOf } from '../hash/cid.js';
import type { Attachment, Store } from '../store/store.js';

/** Read the declared files. Throws, naming the path, if one was not written. */
export function captureDeclared(paths: readonly string[]): { outputs: Record<string, string>; attachments: Attachment[] } {
  const outputs: Record<string, string> = {};
  const attachments: Attachment[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(resolve(path));
    } catch (error) {
      throw new Error(`it declared the output file ${path} but did not write it`, { cause: error });
    }
    const cid = cidOf(RAW, bytes);
    outputs[path] = cid;
    attachments.push({ cid, bytes });
  }
  return { outputs, attachments };
}

/**
 * Put every output back whose file is missing or differs. False if the store no
 * longer has the right bytes for one: then the cached result must not be used.
 */
export async function restoreDeclared(store: Store, outputs: Readonly<Record<string, string>>): Promise<boolean> {
  for (const [path, cid] of Object.entries(outputs)) {
    const target = resolve(path);
    if (matches(target, cid)) continue;
    const bytes = await store.getBytes(cid);
    if (!bytes) return false;
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  return true;
}

function matches(path: string, cid: string): boolean {
  try {
    return cidOf(RAW, readFileSync(path)) === cid;
  } catch {
    return false;
  }
}
