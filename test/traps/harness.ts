/**
 * The test side of the trap suite. A trap copies a fixture project to a fresh
 * temp directory, runs its driver in child processes against one cache
 * directory (outside the project, so moving the project keeps the cache), edits
 * something in between and asserts on the JSON the driver prints (see
 * driver-kit.ts). A child process per run is the point: what is cached must be
 * found again by a process that did not compute it, and a module edited on disk
 * must be read fresh.
 */
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, renameSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import type { Report } from './driver-kit.js';

export type { Report };
export type Success = Extract<Report, { ok: true }>;
export type Failure = Extract<Report, { ok: false }>;

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const ENTRY = new URL('../../src/index.ts', import.meta.url).href;
const KIT = new URL('./driver-kit.ts', import.meta.url).href;
// The copy has no node_modules of its own: load tsx from this repository's.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** A child that takes longer than this is stuck: fail with what it printed. */
const RUN_TIMEOUT_MS = 45_000;
/** Per trap: a few child runs, each paying tsx's start-up in the process and its workers. */
export const TRAP_TIMEOUT_MS = 150_000;

export interface RunOptions {
  /** Flags after the cache directory, e.g. `['--edit']`. */
  args?: string[];
  /** Environment variables for the child, on top of this process's. */
  env?: Record<string, string>;
}

/** A copy of one fixture and its cache directory. */
export class Project {
  readonly #root: string;
  readonly #remove: () => void;
  #dir: string;
  readonly cacheDir: string;

  constructor(readonly fixture: string) {
    const { path, remove } = tempDir('memograph-trap-');
    this.#root = path;
    this.#remove = remove;
    this.#dir = join(path, 'project');
    this.cacheDir = join(path, 'cache');
    cpSync(join(FIXTURES, fixture), this.#dir, { recursive: true });
  }

  get dir(): string {
    return this.#dir;
  }

  /** Run the driver once in a fresh process; reject with its stderr if it crashed. */
  run({ args = [], env = {} }: RunOptions = {}): Promise<Report> {
    // The variables memograph and the fixtures read come from the trap alone
    // (a MEMOGRAPH_PROGRESS or MEMOGRAPH_CACHE_DIR of the shell would change the run).
    const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('MEMOGRAPH_') && name !== 'SCALE');
    const childEnv: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), MEMOGRAPH_ENTRY: ENTRY, MEMOGRAPH_TRAP_KIT: KIT, ...env };
    const argv = ['--import', TSX, 'driver.ts', this.cacheDir, ...args];
    return new Promise((resolve, reject) => {
      execFile(process.execPath, argv, { cwd: this.#dir, env: childEnv, timeout: RUN_TIMEOUT_MS }, (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        let report: Report | undefined;
        try {
          report = JSON.parse(line) as Report;
        } catch {
          report = undefined;
        }
        if (error || report === undefined || typeof report.ok !== 'boolean') {
          const why = error ? (error.killed ? `was killed after ${RUN_TIMEOUT_MS} ms` : `exited with ${error.code ?? error.signal}`) : 'printed no report';
          reject(new Error(`driver of fixture "${this.fixture}" ${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        } else {
          resolve(report);
        }
      });
    });
  }

  read(path: string): string {
    return readFileSync(join(this.#dir, path), 'utf8');
  }

  write(path: string, text: string): void {
    mkdirSync(dirname(join(this.#dir, path)), { recursive: true });
    writeFileSync(join(this.#dir, path), text);
  }

  /** Replace `from` by `to` in a file; `from` must be there, so a fixture that drifts fails loudly. */
  edit(path: string, from: string, to: string): void {
    const text = this.read(path);
    if (!text.includes(from)) throw new Error(`${this.fixture}/${path} does not contain ${JSON.stringify(from)}`);
    this.write(path, text.split(from).join(to));
  }

  /** Set the access and modification times of every file (and directory) in the project. */
  touchAll(time: Date): void {
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        utimesSync(path, time, time);
      }
    };
    walk(this.#dir);
  }

  /** Rename the project directory: the same project at another path. */
  move(name = 'moved-elsewhere'): void {
    const to = join(this.#root, name);
    renameSync(this.#dir, to);
    this.#dir = to;
  }

  remove(): void {
    this.#remove();
  }
}

/** Run `body` with a fresh copy of `fixture`, removed afterwards. */
export async function withProject(fixture: string, body: (project: Project) => Promise<void>): Promise<void> {
  const project = new Project(fixture);
  try {
    await body(project);
  } finally {
    project.remove();
  }
}

/** The run succeeded; otherwise fail with memograph's error. */
export function expectOk(report: Report, when = 'the run'): asserts report is Success {
  if (!report.ok) {
    const { name, code, message, causes } = report.error;
    const chain = causes.map((c) => `\n  caused by ${c.code ?? ''} ${c.message}`).join('');
    expect.fail(`${when} failed: ${name} ${code ?? '(no code)'}: ${message}${chain}`);
  }
}

/** Every node of the run executed: nothing came from the cache. */
export function expectExecutedAll(report: Report, when = 'the run'): asserts report is Success {
  expectOk(report, when);
  expect(report.counts.executed, `${when}: executed of ${JSON.stringify(report.counts)}`).toBe(report.counts.total);
  expect(report.counts.cached, `${when}: cached`).toBe(0);
}

/** Every node of the run came from the cache: nothing executed. */
export function expectAllCached(report: Report, when = 'the run'): asserts report is Success {
  expectOk(report, when);
  expect(report.counts.executed, `${when}: executed of ${JSON.stringify(report.counts)}`).toBe(0);
  expect(report.counts.cached, `${when}: cached`).toBe(report.counts.total);
}

/** The run failed with this code, and its message says `mentions`. */
export function expectFailure(report: Report, code: string | undefined, mentions: string, when = 'the run'): asserts report is Failure {
  if (report.ok) expect.fail(`${when} should have failed${code ? ` with ${code}` : ''}, but gave ${JSON.stringify(report.values)} (${JSON.stringify(report.counts)})`);
  if (code !== undefined) expect(report.error.code, `${when}: error code (${report.error.message})`).toBe(code);
  expect(report.error.message, `${when}: error message`).toContain(mentions);
}

export interface TrapSpec {
  /** Directory under fixtures/. */
  fixture: string;
  /** Before the first run (writing a package into node_modules, say). */
  setup?: (project: Project) => void;
  /** How the driver is run the first time, and the second time unless `after` says otherwise. */
  run?: RunOptions;
  /** The first run's values. */
  values: unknown[];
  /** What changes on disk between the two runs (none when `runAfter` is the change). */
  mutate?: (project: Project) => void;
  /** How the driver is run the second time (the environment or argv are the mutation). */
  runAfter?: RunOptions;
}

/** The first run (which must execute everything and give `values`), the change, and the run after it. */
async function runTwice(project: Project, spec: TrapSpec): Promise<{ first: Success; second: Report }> {
  spec.setup?.(project);
  const first = await project.run(spec.run);
  expectExecutedAll(first, 'the first run');
  expect(first.values, 'the first run').toEqual(spec.values);
  spec.mutate?.(project);
  return { first, second: await project.run(spec.runAfter ?? spec.run) };
}

/**
 * A trap whose change must be noticed: the second run executes every node again
 * and gives `after`, the values the new code computes.
 */
export function rerunTrap(title: string, spec: TrapSpec & { after: unknown[] }): void {
  it(title, () =>
    withProject(spec.fixture, async (project) => {
      const { second } = await runTwice(project, spec);
      expectOk(second, 'the run after the change');
      expect(second.values, 'the run after the change must compute with the new code').toEqual(spec.after);
      expectExecutedAll(second, 'the run after the change');
    }), TRAP_TIMEOUT_MS);
}

/**
 * A trap whose change must not matter: the second run executes nothing, serves
 * every node from the cache, and gives the same values under the same CIDs.
 */
export function hitTrap(title: string, spec: TrapSpec): void {
  it(title, () =>
    withProject(spec.fixture, async (project) => {
      const { first, second } = await runTwice(project, spec);
      expectAllCached(second, 'the run after the change');
      expect(second.values, 'the run after the change').toEqual(spec.values);
      expect(second.cids, 'CIDs after the change').toEqual(first.cids);
    }), TRAP_TIMEOUT_MS);
}
