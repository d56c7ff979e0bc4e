import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers.js';
import { manifestAddress, type CodeManifest, type ManifestEntry } from '../../src/identity/manifest.js';
import { manifestOfExport } from '../../src/identity/module-manifest.js';

/** A project in a temp dir: a package.json and the given files. */
export function project(files: Record<string, string>): { root: string; write: (files: Record<string, string>) => void; remove: () => void } {
  const dir = tempDir('memograph-identity-');
  const write = (more: Record<string, string>) => {
    for (const [path, text] of Object.entries(more)) {
      mkdirSync(dirname(join(dir.path, path)), { recursive: true });
      writeFileSync(join(dir.path, path), text);
    }
  };
  write({ 'package.json': '{ "name": "fixture", "type": "module" }', ...files });
  return { root: dir.path, write, remove: dir.remove };
}

export function manifestOf(root: string, file: string, exportName: string, env?: string[]): CodeManifest {
  return manifestOfExport(join(root, file), exportName, env);
}

export function addressOf(root: string, file: string, exportName: string): string {
  return manifestAddress(manifestOf(root, file, exportName)).cid;
}

export function kinds(manifest: CodeManifest, kind: string): ManifestEntry[] {
  return manifest.entries.filter((entry) => entry[0] === kind);
}
