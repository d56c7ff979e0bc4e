/**
 * A damaged cache never aborts a process and never fails a run: real LevelDB files are
 * damaged in each way below, and for each, in child processes (LevelDB aborts the whole
 * process on some damage): a run returns its values with a warning, `cache verify`
 * names the damage and exits 1, `cache repair` rebuilds the store, `cache verify` is
 * then clean, and a run serves what survived from the cache.
 */
import { execFile } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelStore } from '../../src/index.js';
import { checkLevelFiles } from '../../src/store/level-files/check-files.js';
import { root, runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const script = join(root, 'test/fixtures/damage-script.ts');
const pristine = join(dir.path, 'pristine');
const ITEMS = 1000;
const VALUE = (ITEMS * (ITEMS - 1)) / 2;

interface Report {
  value: number;
  counts: { total: number; executed: number; cached: number };
  warnings: { code?: string; message: string }[];
}

function run(cacheDir: string, from = 0, to = ITEMS): Promise<{ code: number | null; signal: string | null; report?: Report; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script, cacheDir, String(from), String(to)], { cwd: root }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? null) : 0;
      const signal = error ? ((error as { signal?: string }).signal ?? null) : null;
      resolve({ code, signal, report: code === 0 ? (JSON.parse(stdout.trim().split('\n').pop()!) as Report) : undefined, stderr });
    });
  });
}

const files = (cacheDir: string, pattern: RegExp) => readdirSync(cacheDir).filter((name) => pattern.test(name)).sort();
/** The tables the manifest lists (a leftover obsolete table is harmless to damage); set in beforeAll. */
let live: string[] = [];
const manifestOf = (cacheDir: string) => readFileSync(join(cacheDir, 'CURRENT'), 'latin1').trim();

/** XOR 16 bytes at each fraction of the file's length. */
function flip(file: string, fractions: readonly number[]): void {
  const bytes = readFileSync(file);
  for (const fraction of fractions) {
    const at = Math.floor(bytes.length * fraction);
    for (let i = at; i < Math.min(at + 16, bytes.length); i++) bytes[i]! ^= 0x5a;
  }
  writeFileSync(file, bytes);
}
const halve = (file: string) => truncateSync(file, Math.floor(statSync(file).size / 2));

/** Each way of damaging a store; `damaged` names the files verify must report (undefined: the damage is harmless). */
const cases: { name: string; damage: (cacheDir: string) => void; damaged?: (cacheDir: string) => RegExp }[] = [
  {
    name: 'bytes flipped at three places in every table',
    damage: (d) => files(d, /\.ldb$/).forEach((table) => flip(join(d, table), [0.1, 0.5, 0.9])),
  },
  { name: 'bytes flipped in the first table', damage: (d) => flip(join(d, live[0]!), [0.4]) },
  { name: 'bytes flipped in the last table, in its index', damage: (d) => flip(join(d, live.at(-1)!), [0.995]) },
  { name: 'a table truncated', damage: (d) => halve(join(d, live[1]!)) },
  { name: 'a table deleted', damage: (d) => rmSync(join(d, live[1]!)) },
  { name: 'garbage in CURRENT', damage: (d) => writeFileSync(join(d, 'CURRENT'), 'garbage\x00\x01') },
  { name: 'CURRENT truncated', damage: (d) => writeFileSync(join(d, 'CURRENT'), 'MANIF') },
  { name: 'CURRENT naming a missing manifest', damage: (d) => writeFileSync(join(d, 'CURRENT'), 'MANIFEST-999999\n') },
  { name: 'the manifest truncated', damage: (d) => halve(join(d, manifestOf(d))) },
  { name: 'bytes flipped in the manifest', damage: (d) => flip(join(d, manifestOf(d)), [0.5]) },
  { name: 'bytes flipped in the log', damage: (d) => flip(join(d, files(d, /\.log$/)[0]!), [0.2]) },
];

beforeAll(async () => {
  // Four runs, each adding a quarter of the items: each open turns the last run's log
  // into a table, so the store has several tables and a log.
  for (let quarter = 0; quarter < 4; quarter++) {
    const built = await run(pristine, (quarter * ITEMS) / 4, ((quarter + 1) * ITEMS) / 4);
    expect(built.code, built.stderr).toBe(0);
  }
  live = (await checkLevelFiles(pristine)).soundTables.map((memo) => memo.split(' ')[0]!).sort();
  expect(live.length).toBeGreaterThanOrEqual(2);
  expect(files(pristine, /\.log$/).length).toBeGreaterThan(0);
}, 60_000);

async function caseOf({ name, damage }: (typeof cases)[number], index: number): Promise<void> {
  const cacheDir = join(dir.path, `case-${index}`);
  cpSync(pristine, cacheDir, { recursive: true });
  damage(cacheDir);
  const at = `${name}: `;

  const damaged = await run(cacheDir);
  expect(damaged.signal, `${at}${damaged.stderr}`).toBeNull();
  expect(damaged.code, `${at}${damaged.stderr}`).toBe(0);
  expect(damaged.report!.value, at).toBe(VALUE);
  expect(damaged.report!.warnings.map((warning) => warning.code), at).toEqual(['MEMOGRAPH_STORE_CORRUPT']);
  expect(damaged.report!.warnings[0]!.message, at).toContain(`memograph cache repair --cache-dir ${cacheDir}`);

  const verified = await runCli(['cache', '--cache-dir', cacheDir, '--json', 'verify']);
  expect(verified.code, `${at}${verified.stderr}`).toBe(1);
  const found = JSON.parse(verified.stdout) as { damagedFiles: { file: string; problem: string }[] };
  expect(found.damagedFiles.length, at).toBeGreaterThan(0);

  const repaired = await runCli(['cache', '--cache-dir', cacheDir, 'repair']);
  expect(repaired.code, `${at}${repaired.stderr}`).toBe(0);
  expect(repaired.stdout, at).toMatch(/^Repaired /);
  for (const { file } of found.damagedFiles) expect(repaired.stdout, at).toContain(`  ${file}: `);
  expect(repaired.stdout, at).toMatch(/\d+ entries remain\. Whatever was lost is computed again/);

  const clean = await runCli(['cache', '--cache-dir', cacheDir, 'verify']);
  expect(clean.code, `${at}${clean.stdout}${clean.stderr}`).toBe(0);
  expect(clean.stdout, at).toMatch(/^\d+ entries checked, 0 bad$/m);

  // Sound again, so safe to read in this process.
  const store = await LevelStore.open(cacheDir);
  let survivors = 0;
  for await (const [, record] of store.records()) if (record.fn === 'item') survivors++;
  await store.close();
  const after = await run(cacheDir);
  expect(after.code, `${at}${after.stderr}`).toBe(0);
  expect(after.report!.value, at).toBe(VALUE);
  expect(after.report!.warnings, at).toEqual([]);
  expect(after.report!.counts.cached, `${at}what survived is served from the cache`).toBe(survivors);
  expect(after.report!.counts.executed, at).toBe(after.report!.counts.total - survivors);
}

/** At most `limit` cases at once: each is a handful of child processes. */
async function inParallel<T>(items: readonly T[], limit: number, each: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      await each(items[index]!, index);
    }
  }));
}

describe('a damaged store', () => {
  it('is a warning to a run, reported by verify, rebuilt by repair, and then used again', async () => {
    await inParallel(cases, 3, caseOf);
  }, 240_000);

  it('with a torn last log record is fine as it is: LevelDB drops the record, nothing is reported', async () => {
    const cacheDir = join(dir.path, 'torn');
    cpSync(pristine, cacheDir, { recursive: true });
    const log = join(cacheDir, files(cacheDir, /\.log$/)[0]!);
    truncateSync(log, statSync(log).size - 100);
    const verified = await runCli(['cache', '--cache-dir', cacheDir, 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    const after = await run(cacheDir);
    expect(after.report!.value).toBe(VALUE);
    expect(after.report!.warnings).toEqual([]);
  }, 60_000);

  it('refuses gc with the repair command, and repair while another process holds the store', async () => {
    const cacheDir = join(dir.path, 'gc');
    cpSync(pristine, cacheDir, { recursive: true });
    flip(join(cacheDir, files(cacheDir, /\.ldb$/)[0]!), [0.5]);
    const gc = await runCli(['cache', '--cache-dir', cacheDir, 'gc', '--max-size', '1MB', '--yes']);
    expect(gc.code).toBe(1);
    expect(gc.stderr).toMatch(/is corrupt: a file is damaged \(\d+\.ldb: its data block at byte \d+ fails its checksum/);
    expect(gc.stderr).toContain(`memograph cache repair --cache-dir ${cacheDir}`);

    const held = join(dir.path, 'held');
    cpSync(pristine, held, { recursive: true });
    const store = await LevelStore.open(held);
    try {
      const refused = await runCli(['cache', '--cache-dir', held, 'repair']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/is locked by another process/);
    } finally {
      await store.close();
    }
    expect((await runCli(['cache', '--cache-dir', held, 'repair'])).stdout).toMatch(/no damage found; \d+ entries, nothing lost/);
  }, 60_000);
});
