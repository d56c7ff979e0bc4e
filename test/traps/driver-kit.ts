/**
 * The child-process side of the trap suite. A fixture's driver imports this file
 * through MEMOGRAPH_TRAP_KIT (a file URL: the fixture runs from a copy in a temp
 * directory, where no relative path leads back here), builds its graph and hands
 * it to `report`, which runs it against the cache directory given as argv[2] and
 * prints one JSON line: the values, the CIDs and the run's counts, or the error.
 *
 * An error is reported, not thrown, so the test can tell "memograph refused the
 * run" (a behaviour to assert on) from "the driver crashed" (a broken harness,
 * shown with the child's stderr).
 */
import type { Delayed, RunCounts } from '../../src/index.js';

/** memograph's public API, as the drivers get it from MEMOGRAPH_ENTRY. */
export type Memograph = typeof import('../../src/index.js');

export type Report =
  | { ok: true; values: unknown[]; cids: string[]; counts: RunCounts }
  | { ok: false; error: ReportedError; counts?: RunCounts };

export interface ReportedError {
  name: string;
  code: string | undefined;
  message: string;
  /** Codes and messages of the `cause` chain, for diagnosis. */
  causes: { code: string | undefined; message: string }[];
}

/** The memograph under test: the repository's source, named by the test. */
export async function memograph(): Promise<Memograph> {
  const entry = process.env.MEMOGRAPH_ENTRY;
  if (!entry) throw new Error('MEMOGRAPH_ENTRY is not set: run this driver from test/traps');
  return (await import(entry)) as Memograph;
}

/** The command-line flags after the cache directory, e.g. `--edit`. */
export function flag(name: string): boolean {
  return process.argv.slice(3).includes(`--${name}`);
}

/** The value of `--name=value` after the cache directory. */
export function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.slice(3).find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/**
 * Build the targets (anything thrown while building is reported too), run them
 * against the cache directory, shut memograph down and print the report.
 * `show` turns values into JSON-friendly data (code units of a string, say).
 */
export async function report(
  build: () => Delayed<unknown>[] | Promise<Delayed<unknown>[]>,
  show: (values: unknown[]) => unknown[] = (values) => values,
): Promise<void> {
  const cacheDir = process.argv[2];
  if (!cacheDir) throw new Error('usage: driver.ts <cacheDir> [flags]');
  const { startRun, shutdown } = await memograph();
  let result: Report;
  let run: ReturnType<typeof startRun> | undefined;
  try {
    const targets = await build();
    run = startRun(targets, { cacheDir });
    const values = await run.result;
    result = { ok: true, values: show(values), cids: targets.map((t) => t.cid), counts: run.counts };
  } catch (error) {
    result = { ok: false, error: describe(error), ...(run ? { counts: run.counts } : {}) };
  }
  await shutdown();
  process.stdout.write(JSON.stringify(result) + '\n');
}

function describe(error: unknown): ReportedError {
  const causes: ReportedError['causes'] = [];
  for (let c = (error as { cause?: unknown })?.cause; c && causes.length < 5; c = (c as { cause?: unknown }).cause) {
    causes.push({ code: (c as { code?: string }).code, message: String((c as Error).message ?? c) });
  }
  const e = error as Partial<Error> & { code?: string };
  return { name: e?.name ?? typeof error, code: e?.code, message: String(e?.message ?? error), causes };
}
