/**
 * The memo of table files already found sound (level-files/check-files.ts), so that a
 * store's tables are each read once, not on every open: LevelDB never rewrites a table,
 * and a table changed on disk after all shows another size or modification time.
 * One `name size mtimeMs` a line, in a dotfile beside the tables; losing it only costs a
 * re-check. Written to a temporary file and renamed over, so readers never see half.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHECKED_TABLES_FILE = '.memograph-tables';

export function readCheckedTables(location: string): Set<string> {
  try {
    return new Set(readFileSync(join(location, CHECKED_TABLES_FILE), 'utf8').split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/** Remember `tables` (every sound table now, so the names of deleted ones drop out). */
export function writeCheckedTables(location: string, tables: readonly string[], known: ReadonlySet<string>): void {
  if (tables.length === known.size && tables.every((table) => known.has(table))) return;
  const file = join(location, CHECKED_TABLES_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, tables.map((table) => `${table}\n`).join(''));
    renameSync(temporary, file);
  } catch {
    // A read-only or full disk: the tables are simply checked again next time.
  }
}
