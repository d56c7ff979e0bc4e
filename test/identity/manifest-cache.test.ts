/**
 * Manifests kept between processes are taken only while every file they were
 * made from is as it was: same stat, hashed well after it was written, and not
 * written since this process started.
 */
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileState, recordingReads, resetFileStates } from '../../src/identity/file-state.js';
import { storedManifest, storeManifest } from '../../src/identity/manifest-cache.js';
import { ManifestBuilder } from '../../src/identity/manifest.js';
import { environmentHash } from '../../src/identity/environment.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const previous = process.env.MEMOGRAPH_CACHE_DIR;
beforeAll(() => {
  process.env.MEMOGRAPH_CACHE_DIR = join(dir.path, 'cache');
});
afterAll(() => {
  if (previous === undefined) delete process.env.MEMOGRAPH_CACHE_DIR;
  else process.env.MEMOGRAPH_CACHE_DIR = previous;
  delete process.env.MEMOGRAPH_TEST_CACHED;
  dir.remove();
});

const anHourAgo = new Date(Date.now() - 3_600_000);

function file(name: string, text: string): string {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  utimesSync(path, anHourAgo, anHourAgo);
  return path;
}

function made(paths: string[]) {
  resetFileStates();
  const { reads } = recordingReads(() => paths.map((path) => fileState(path)));
  const manifest = new ManifestBuilder()
    .add('code', 'util.ts', 'scale', 'h1', { line: 1, declaration: 'function' })
    .add('env', '', 'MEMOGRAPH_TEST_CACHED', environmentHash('MEMOGRAPH_TEST_CACHED'))
    .build();
  return { manifest, analysis: { reads, closure: new Map(paths.map((p) => [p, p.slice(dir.path.length + 1)])), slice: paths } };
}

describe('stored module manifests', () => {
  it('are taken while their files are as they were, with environment entries read afresh', () => {
    const paths = [file('util.ts', 'export const scale = 2;\n'), file('task.ts', 'export const fit = 1;\n')];
    const { manifest, analysis } = made(paths);
    storeManifest('key-a', manifest, analysis);
    const hit = storedManifest('key-a', environmentHash);
    expect(hit?.manifest.entries).toEqual(manifest.entries);
    expect(hit?.manifest.details).toEqual(manifest.details);
    expect(hit?.analysis.slice).toEqual(paths);

    process.env.MEMOGRAPH_TEST_CACHED = 'now set';
    const env = storedManifest('key-a', environmentHash)!.manifest.entries.find((e) => e[0] === 'env');
    expect(env?.[3]).toBe(environmentHash('MEMOGRAPH_TEST_CACHED'));
    expect(env?.[3]).not.toBe(manifest.entries.find((e) => e[0] === 'env')?.[3]);
  });

  it('are not taken once a file changed, even with its size and mtime put back', () => {
    const paths = [file('helper.ts', 'export const k = 2;\n')];
    const { manifest, analysis } = made(paths);
    storeManifest('key-b', manifest, analysis);
    expect(storedManifest('key-b', environmentHash)).toBeDefined();
    file('helper.ts', 'export const k = 3;\n'); // same size, same mtime: only ctime tells
    expect(storedManifest('key-b', environmentHash)).toBeUndefined();
  });

  it('do not depend on closure files outside the slice, which cannot change the manifest alone', () => {
    const [inSlice, outside] = [file('used.ts', 'export const u = 1;\n'), file('unused.ts', 'export const v = 1;\n')];
    const { manifest, analysis } = made([inSlice, outside]);
    storeManifest('key-e', manifest, { ...analysis, slice: [inSlice] });
    file('unused.ts', 'export const v = 22;\n');
    const hit = storedManifest('key-e', environmentHash);
    expect(hit?.manifest.entries).toEqual(manifest.entries);
    expect(hit?.analysis.sliceOnly).toBe(true);
    file('used.ts', 'export const u = 22;\n');
    expect(storedManifest('key-e', environmentHash)).toBeUndefined();
  });

  it('are not taken from files hashed within 2 s of being written, or written since this process started', () => {
    const fresh = join(dir.path, 'fresh.ts');
    writeFileSync(fresh, 'export const x = 1;\n');
    const { manifest, analysis } = made([fresh]);
    storeManifest('key-c', manifest, analysis);
    expect(storedManifest('key-c', environmentHash)).toBeUndefined();
  });

  it('are a miss when the stored file is damaged or of another key', () => {
    const paths = [file('other.ts', 'export const y = 1;\n')];
    const { manifest, analysis } = made(paths);
    storeManifest('key-d', manifest, analysis);
    const stored = join(dir.path, 'cache', '.identity-manifests');
    for (const name of readdirSync(stored)) writeFileSync(join(stored, name), '{"format": "memograph-manifest/1", "key"');
    expect(storedManifest('key-d', environmentHash)).toBeUndefined();
    expect(storedManifest('never-stored', environmentHash)).toBeUndefined();
  });
});
