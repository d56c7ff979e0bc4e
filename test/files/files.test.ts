import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { delayed, dir, file, isFileValue, MemoryStore, shutdown, startRun, tokenize, type FileValue } from '../../src/index.js';
import { RAW, cidFromDigest } from '../../src/hash/cid.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(async () => {
  await shutdown();
  tmp.remove();
});

const sha256Cid = (bytes: Uint8Array) => cidFromDigest(RAW, createHash('sha256').update(bytes).digest());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('file()', () => {
  it('is plain data addressed by the bytes of the file', () => {
    const path = join(tmp.path, 'a.txt');
    writeFileSync(path, 'hello');
    const f = file(path);
    expect(f).toEqual({ $file: 'memograph/file/1', path, cid: sha256Cid(Buffer.from('hello')), size: 5 });
    expect(isFileValue(f)).toBe(true);
    expect(isFileValue(structuredClone(f))).toBe(true);
    // No new hash format: a file value hashes as the plain object it is.
    expect(tokenize(f)).toBe(tokenize({ ...f }));
  });

  it('streams a large file and gets the digest of all its bytes', () => {
    const path = join(tmp.path, 'large.bin');
    const bytes = Buffer.alloc(5 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i % 251;
    writeFileSync(path, bytes);
    expect(file(path).cid).toBe(sha256Cid(bytes));
    expect(file(path).size).toBe(bytes.length);
  });

  it('an edit changes the CID, a touch does not, and the memo is never stale', async () => {
    const path = join(tmp.path, 'memo.txt');
    writeFileSync(path, 'version one');
    const first = file(path).cid;
    writeFileSync(path, 'version two'); // same size, same second
    const second = file(path).cid;
    expect(second).not.toBe(first);
    const later = new Date(Date.now() + 5_000);
    utimesSync(path, later, later);
    expect(file(path).cid).toBe(second);

    // Old enough to be memoised: an edit must still be seen.
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    await sleep(2_100); // past the racy window for ctime
    expect(file(path).cid).toBe(second);
    writeFileSync(path, 'version 333');
    utimesSync(path, old, old); // even with the old mtime put back
    expect(file(path).cid).toBe(sha256Cid(Buffer.from('version 333')));
  });

  it('keeps a relative path relative, and names the path when the file is missing', () => {
    const f = file('package.json');
    expect(f.path).toBe('package.json');
    expect(file('./test/../package.json').cid).toBe(f.cid);
    expect(() => file(join(tmp.path, 'nope.txt'))).toThrow(/nope\.txt.*ENOENT|ENOENT.*nope\.txt/);
  });
});

describe('dir()', () => {
  it('hashes names and contents of the tree, not creation order or times', () => {
    const a = join(tmp.path, 'tree-a');
    const b = join(tmp.path, 'tree-b');
    mkdirSync(join(a, 'sub'), { recursive: true });
    mkdirSync(join(b, 'sub'), { recursive: true });
    writeFileSync(join(a, 'x.txt'), 'x');
    writeFileSync(join(a, 'sub', 'y.txt'), 'y');
    writeFileSync(join(b, 'sub', 'y.txt'), 'y');
    writeFileSync(join(b, 'x.txt'), 'x');
    const da = dir(a);
    expect(da).toMatchObject({ $dir: 'memograph/dir/1', files: 2, size: 2 });
    expect(dir(b).cid).toBe(da.cid);

    writeFileSync(join(b, 'sub', 'y.txt'), 'Y');
    expect(dir(b).cid).not.toBe(da.cid);
    writeFileSync(join(b, 'sub', 'y.txt'), 'y');
    expect(dir(b).cid).toBe(da.cid);
    renameSync(join(b, 'x.txt'), join(b, 'z.txt'));
    expect(dir(b).cid).not.toBe(da.cid);
  });
});

describe('files in a graph', () => {
  // Each task appends its name to a log, so a test can count what ran.
  const lines = delayed(function lines(log: string, f: { path: string }) {
    const fs = process.getBuiltinModule('node:fs');
    fs.appendFileSync(log, `lines ${f.path}\n`);
    return fs.readFileSync(f.path, 'utf8').split('\n').filter(Boolean).length;
  });
  const sum = delayed(function sum(log: string, a: number, b: number) {
    process.getBuiltinModule('node:fs').appendFileSync(log, 'sum\n');
    return a + b;
  });

  it('editing an input re-runs exactly its dependents; touching it re-runs nothing', async () => {
    const store = new MemoryStore();
    const log = join(tmp.path, 'graph.log');
    const a = join(tmp.path, 'in-a.txt');
    const b = join(tmp.path, 'in-b.txt');
    writeFileSync(a, '1\n2\n');
    writeFileSync(b, '1\n2\n3\n');
    const build = () => sum(log, lines(log, file(a)), lines(log, file(b)));
    const ran = () => readFileSync(log, 'utf8').trim().split('\n').sort();

    writeFileSync(log, '');
    expect(await build().compute({ store })).toBe(5);
    expect(ran()).toEqual([`lines ${a}`, `lines ${b}`, 'sum']);

    writeFileSync(log, '');
    writeFileSync(a, '1\n2\n3\n4\n');
    const run = startRun([build()], { store });
    expect(await run.result).toEqual([7]);
    expect(ran()).toEqual([`lines ${a}`, 'sum']);
    expect(run.counts.executed).toBe(2);

    writeFileSync(log, '');
    const later = new Date(Date.now() + 10_000);
    utimesSync(a, later, later);
    utimesSync(b, later, later);
    const again = startRun([build()], { store });
    expect(await again.result).toEqual([7]);
    expect(again.counts.executed).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('');
  });

  it('a file value crosses to a worker and into the store and back as the same data', async () => {
    const path = join(tmp.path, 'echo.txt');
    writeFileSync(path, 'echo');
    const echo = delayed(function echo(f: FileValue) {
      return { f, size: process.getBuiltinModule('node:fs').statSync(f.path).size };
    });
    const store = new MemoryStore();
    const f = file(path);
    const first = await echo(f).compute({ store });
    const cached = await echo(f).compute({ store });
    expect(first).toEqual({ f, size: 4 });
    expect(cached).toEqual(first);
    expect(isFileValue(cached.f)).toBe(true);
    expect(statSync(path).size).toBe(4);
  });
});
