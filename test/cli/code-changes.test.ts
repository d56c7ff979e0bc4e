import { describe, expect, it } from 'vitest';
import { codeChanges } from '../../src/cli/code-changes.js';
import type { FunctionIdentity } from '../../src/hash/identity.js';
import { ManifestBuilder, manifestRecord, type ManifestEntry } from '../../src/identity/manifest.js';
import { decodeIdentityRecord, decodeManifestRecord } from '../../src/identity/stored-identity.js';
import { identityRecords } from '../../src/hash/identity.js';

const source = 'x => x';

function identity(entries: ManifestEntry[], details: Record<string, object> = {}): FunctionIdentity {
  const builder = new ManifestBuilder();
  for (const [kind, module, name, hash] of entries) builder.add(kind, module, name, hash, details[`${kind}:${name}`]);
  return { name: 'fit', source, code: builder.build() };
}

/** The earlier side as explain gets it: the identity's records written and read back. */
function stored(earlier: FunctionIdentity) {
  const [own, manifest] = identityRecords(earlier);
  return { identity: decodeIdentityRecord(own!.bytes)!, entries: manifest ? decodeManifestRecord(manifest.bytes) : [] };
}

describe('what changed in a function’s code, in words', () => {
  it('names a changed helper, a new one, a bumped package, an environment variable and a captured value', () => {
    const before = identity([
      ['code', 'src/util.ts', 'scale', 'h1'],
      ['package', 'lodash', '4.17.20', 'sha512-a'],
      ['env', '', 'SCALE', 'e1'],
      ['captured', '', 'offset', 'c1'],
      ['captured', 'globalThis', 'LIMIT', 'g1'],
      ['code', 'src/old.ts', 'gone', 'o1'],
    ]);
    const after = identity(
      [
        ['code', 'src/util.ts', 'scale', 'h2'],
        ['code', 'src/util.ts', 'clamp', 'h3'],
        ['package', 'lodash', '4.17.21', 'sha512-b'],
        ['env', '', 'SCALE', 'e2'],
        ['captured', '', 'offset', 'c2'],
        ['captured', 'globalThis', 'LIMIT', 'g2'],
        ['module', 'src/plugins.ts', '', 'm1'],
      ],
      { 'code:scale': { declaration: 'helper', line: 3 }, 'module:': { why: 'dynamic import' } },
    );
    const texts = codeChanges(stored(before), after).map((c) => c.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'helper `scale` in src/util.ts:3 changed',
        'now also uses helper `clamp` in src/util.ts',
        'package lodash 4.17.20 → 4.17.21',
        'environment variable SCALE changed',
        'captured value `offset` changed',
        'global `LIMIT` changed',
        'now also uses src/plugins.ts',
        'no longer uses helper `gone` in src/old.ts',
      ]),
    );
    expect(texts).toHaveLength(8);
  });

  it('says why a module is hashed whole when it changes', () => {
    const before = identity([['module', 'src/plugins.ts', '', 'm1']]);
    const after = identity([['module', 'src/plugins.ts', '', 'm2']], { 'module:': { why: 'dynamic import' } });
    expect(codeChanges(stored(before), after).map((c) => c.text)).toEqual(['src/plugins.ts changed (hashed as a whole: dynamic import)']);
  });

  it('tells its own source, its mode and its version apart from its manifest', () => {
    const plain: FunctionIdentity = { name: 'fit', source };
    expect(codeChanges(stored(plain), { name: 'fit', source: 'x => x + 1' }).map((c) => c.change)).toEqual(['source']);
    expect(codeChanges(stored(plain), { name: 'fit', source, sloppy: true }).map((c) => c.text)).toEqual(['it now runs as sloppy-mode code']);
    const v1: FunctionIdentity = { name: 'fit', version: '1' };
    expect(codeChanges(stored(v1), { name: 'fit', version: '2' }).map((c) => c.text)).toEqual(['version "1" → "2"']);
    expect(codeChanges(stored(plain), identity([])).map((c) => c.text)).toEqual([]);
  });

  it('reads back only well-formed records', () => {
    const manifest = new ManifestBuilder().add('env', '', 'A', 'x').build();
    expect(decodeManifestRecord(manifestRecord(manifest).bytes)).toEqual([['env', '', 'A', 'x']]);
    expect(decodeManifestRecord(Uint8Array.of(0xff, 0x00))).toBeUndefined();
    expect(decodeIdentityRecord(manifestRecord(manifest).bytes)).toBeUndefined();
  });
});
