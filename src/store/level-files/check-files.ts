/**
 * A LevelDB directory checked file by file, without LevelDB: CURRENT names a manifest
 * that reads back whole and replays; every table it lists is there, of the size it
 * recorded, and every block of it passes its checksum; the logs it still needs have no
 * damaged record before their end. A torn last log record (a crash mid-append) is not
 * damage: LevelDB drops it, and the batch it held was never acknowledged as stored.
 *
 * Tables never change once written, so a table found sound is remembered by name, size
 * and modification time (`known`), and not read again.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readLogRecords } from './log-records.js';
import { manifestProblem, replayManifest, type ManifestState } from './manifest.js';
import { readTable } from './table.js';
import { FormatError } from './varint.js';

export interface FileDamage {
  /** The file's name in the directory. */
  readonly file: string;
  readonly problem: string;
}

export interface FilesCheck {
  readonly damage: FileDamage[];
  /** Tables found sound now (or known to be), as `name size mtimeMs` for the memo of checked tables. */
  readonly soundTables: string[];
  /** Whether the manifest replayed, so the live tables were known. */
  readonly manifestRead: boolean;
}

export interface CheckOptions {
  /** Tables known to be sound, as `name size mtimeMs`. */
  readonly known?: ReadonlySet<string>;
  /** Check every table in the directory, not only those the manifest lists (a repair rebuilds from all of them). */
  readonly allTables?: boolean;
}

const TABLE_FILE = /^(\d+)\.(ldb|sst)$/;
const LOG_FILE = /^(\d+)\.log$/;
const CURRENT_CONTENT = /^(MANIFEST-\d+)\n$/;

/**
 * Check `location` (a directory that has a CURRENT file). Another process may be writing
 * it: when the manifest changes under the check and damage was found, check again.
 */
export async function checkLevelFiles(location: string, options: CheckOptions = {}): Promise<FilesCheck> {
  for (let attempt = 0; ; attempt++) {
    const before = await snapshot(location);
    const check = await checkOnce(location, options);
    if (check.damage.length === 0 || attempt >= 3 || (await snapshot(location)) === before) return check;
  }
}

async function snapshot(location: string): Promise<string> {
  const current = await readFile(join(location, 'CURRENT'), 'latin1').catch(() => '');
  const manifest = CURRENT_CONTENT.exec(current)?.[1];
  const size = manifest ? await stat(join(location, manifest)).then((s) => s.size, () => -1) : -1;
  return `${current}\0${size}`;
}

async function checkOnce(location: string, options: CheckOptions): Promise<FilesCheck> {
  const names = await readdir(location);
  const damage: FileDamage[] = [];
  const state = await readManifest(location, names, damage);

  const tables = new Map<string, number | undefined>(); // name → size the manifest recorded
  if (state) {
    for (const [number, size] of state.tables) {
      const name = tableName(number, names);
      if (name) tables.set(name, size);
      else damage.push({ file: `${String(number).padStart(6, '0')}.ldb`, problem: 'the manifest lists this table, and it is missing' });
    }
  }
  if (!state || options.allTables) for (const name of names) if (TABLE_FILE.test(name) && !tables.has(name)) tables.set(name, undefined);

  const soundTables: string[] = [];
  for (const [name, recorded] of tables) {
    const file = join(location, name);
    const info = await stat(file).catch(() => undefined);
    if (!info) {
      damage.push({ file: name, problem: 'it disappeared during the check' });
      continue;
    }
    if (recorded !== undefined && info.size !== recorded) {
      damage.push({ file: name, problem: `it is ${info.size} bytes, and the manifest recorded ${recorded} (truncated or overwritten)` });
      continue;
    }
    const memo = `${name} ${info.size} ${info.mtimeMs}`;
    if (options.known?.has(memo)) {
      soundTables.push(memo);
      continue;
    }
    const read = readTable(await readFile(file));
    if (read.problems.length === 0) soundTables.push(memo);
    else damage.push({ file: name, problem: tableProblem(read.problems, read.blocks) });
  }

  for (const name of names) {
    const match = LOG_FILE.exec(name);
    if (!match) continue;
    const number = Number(match[1]);
    // Logs older than the manifest's log number are obsolete: LevelDB deletes them unread.
    if (state && number < state.logNumber! && number !== state.prevLogNumber) continue;
    const read = readLogRecords(await readFile(join(location, name)).catch(() => new Uint8Array(0)));
    if (read.damage.length > 0) {
      const [first] = read.damage;
      damage.push({
        file: name,
        problem: `it ${first!.problem} at byte ${first!.offset}${read.damage.length > 1 ? ` (${read.damage.length} damaged places)` : ''}; the batches there are lost`,
      });
    }
  }
  return { damage, soundTables, manifestRead: state !== undefined };
}

/** The replayed manifest CURRENT names, or undefined (with the damage noted) when it cannot be had. */
async function readManifest(location: string, names: readonly string[], damage: FileDamage[]): Promise<ManifestState | undefined> {
  const current = await readFile(join(location, 'CURRENT'), 'latin1').catch((error: unknown) => {
    damage.push({ file: 'CURRENT', problem: `it cannot be read (${String(error)})` });
    return undefined;
  });
  if (current === undefined) return undefined;
  const manifest = CURRENT_CONTENT.exec(current)?.[1];
  if (!manifest) {
    damage.push({ file: 'CURRENT', problem: `it does not name a manifest (it holds ${JSON.stringify(current.slice(0, 40))})` });
    return undefined;
  }
  if (!names.includes(manifest)) {
    damage.push({ file: 'CURRENT', problem: `it names ${manifest}, which is missing` });
    return undefined;
  }
  const read = readLogRecords(await readFile(join(location, manifest)));
  const bad = read.damage[0] ?? read.tail;
  if (bad) {
    // Unlike a log's, a manifest's torn tail is not harmless: the edits lost with it name
    // tables LevelDB would then delete as obsolete.
    damage.push({ file: manifest, problem: `it ${bad.problem} at byte ${bad.offset}` });
    return undefined;
  }
  let state: ManifestState;
  try {
    state = replayManifest(read.records);
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    damage.push({ file: manifest, problem: `it does not parse: ${error.message}` });
    return undefined;
  }
  const problem = manifestProblem(state);
  if (problem) {
    damage.push({ file: manifest, problem });
    return undefined;
  }
  return state;
}

function tableName(number: number, names: readonly string[]): string | undefined {
  const base = String(number).padStart(6, '0');
  return [`${base}.ldb`, `${base}.sst`].find((name) => names.includes(name));
}

function tableProblem(problems: readonly string[], blocks: number): string {
  if (blocks === 0) return problems[0]!;
  return `${problems[0]}${problems.length > 1 ? `; ${problems.length} of its ${blocks} data blocks are damaged` : ` (1 of its ${blocks} data blocks)`}`;
}
