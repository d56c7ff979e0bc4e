/**
 * Golden vectors: the hash format (docs/hash-format.md) is frozen. These CIDs
 * were generated once by the implementation and must never change; if one
 * does, the change is a FORMAT_VERSION bump, not a fix to this table.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { identity } from 'multiformats/hashes/identity';
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { callAddress, FORMAT_VERSION, tokenize } from '../../src/hash/call-address.js';
import { encodeCanonical, registerEncoder } from '../../src/hash/canonical.js';
import { functionIdentity, identityKey, type FunctionIdentity } from '../../src/hash/identity.js';
import { LinkStub, linkOf, referenceBytes, referenceEncoders } from './reference.js';

class GoldenPoint {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const pointEncoder = { name: 'test/GoldenPoint', encode: (p: GoldenPoint) => [p.x, p.y] };
registerEncoder(GoldenPoint, pointEncoder);
referenceEncoders.set(GoldenPoint.prototype, pointEncoder);

const large = new Float64Array(16 * 1024).map((_, i) => i / 3); // 128 KiB: hashed and linked

// tokenize('a graph node')
const LINK = 'bafyreif272efm2ourfvhldacjxsgekc23fephb2etgkwjnna7arpa3wote';

// [label, value, frozen tokenize() CID]
const VALUES: [string, unknown, string][] = [
  ['null', null, 'bafyreihwpoac2qz32gu2mffc5tbumsi74mhg345iewnv4uowvlmsgmw7ru'],
  ['true', true, 'bafyreigqcftdpbttyi4kgfgocuzrig3yaojozbz2knkkf4i7gvvztyce3i'],
  ['false', false, 'bafyreig7bzenear7fgrnkoft7o7kswchh6wrke23kmjymqec5erk3f5rk4'],
  ['zero', 0, 'bafyreiavoaniijy4sl5f7wwahxg76to2tuau4jjycz574xnxq73kbgkyfu'],
  ['negative zero', -0, 'bafyreifa3ucwcu7lz7xgqj3seybbr6n7a6tq57qw2oq77wjggjdfswr46e'],
  ['integer', 1234567, 'bafyreich4fqmeayclfnia7r6cknwbmlcm42g4gliiws3h65wk7pmb55gw4'],
  ['negative integer', -24, 'bafyreicsccnugbdc7bjlj76hapzjynuqnu7ghx2ivyulrslcakhusraxz4'],
  ['2**53 is a float', 2 ** 53, 'bafyreic4uwfjyhy4ncpi24uf5grljxp7eptjvda4jgcdeb4e5kv7z4363e'],
  ['float', 1.5, 'bafyreieb3dwtuvodtysvbpynhvg7jf7o65kkrg7dyqvdvqfjk6kxn2l6bq'],
  ['NaN', NaN, 'bafyreibmwd6wxnzb4bbztns6upegchtk77q2bbehfsuzpskwp7v3uukyta'],
  ['Infinity', Infinity, 'bafyreibf7k4kw6tev543b22cu5bxdfdescuhg44qoaovc5v6f5cu6xhb4i'],
  ['-Infinity', -Infinity, 'bafyreih5vrdylirbstua7afruxrognrrxcpvnuhcfgmfyiwrc2wcsy37sq'],
  ['undefined', undefined, 'bafyreiefiy57o2wc2s2wtkjnjuw4ppex555msjoxduhmpmngbauvghfv2e'],
  ['bigint', 12345678901234567890n, 'bafyreic6fujw3mgx6hgcdefizqbaeisuzvl3ztav5regb2ifkut6wxwgwa'],
  ['string', 'hello', 'bafyreidqqtroh3snyvdkhljv72ubsq5s7ifwgxkg5ofidqyh2uehxybp4u'],
  ['unicode string', 'é漢字😀', 'bafyreidhkcvcmacrtmhuw5f5xccxhynt2gamtpvpazffgye2z2v3dlqxfe'],
  ['lone surrogate', 'a\uD800b', 'bafyreiaa5euyymegqfgvwdhcweliursnnb3inx6ezcvnu77e4cex6yngei'],
  ['nested array', [1, [2, 'x'], null], 'bafyreiajz4bgc4cxlu5lffvyj3qqikp5nbysyhebvh6y5skg73ihz7m62q'],
  ['array with a hole', [, 1], 'bafyreig24rxc7xjx4fnghw4yz4avigdfobiilgsbdbvlin575g3ubfbnje'],
  ['object', { b: 1, a: 2, ccc: [true] }, 'bafyreiezuk5ksohoi3shyjbng6hberif2hbizvx2njsrccsggndklbxcbi'],
  ['object, other key order', { ccc: [true], a: 2, b: 1 }, 'bafyreiezuk5ksohoi3shyjbng6hberif2hbizvx2njsrccsggndklbxcbi'],
  ['object with $-keys (escaped)', { $num: 'NaN' }, 'bafyreigyjle5iqzbqzkbt2nt7lkso2sv3opqljcn4gdtupxbeuodjvj4cy'],
  ['object with odd keys', { '': 0, aa: 1, b: 2, é: 3, 'weird key': 4, $$: 5 }, 'bafyreibsb7dvwzdmjgs2tgay2f3izdctlelzcouv2bvbitldbfgvyqn5ve'],
  ['null-prototype object', Object.assign(Object.create(null), { a: 2, ccc: [true], b: 1 }), 'bafyreiezuk5ksohoi3shyjbng6hberif2hbizvx2njsrccsggndklbxcbi'],
  ['Map', new Map<unknown, unknown>([[1, 'a'], ['b', { c: 2 }]]), 'bafyreih23fce4icnjqbuka6s6n64kk7rppr5seytu76pt3j3hvrdb5cndi'],
  ['Map, other insertion order', new Map<unknown, unknown>([['b', { c: 2 }], [1, 'a']]), 'bafyreicsa3n6mwrcxobsjt4vsuvk3jkhfw2uhhncrmswc3rdqusfkax4la'],
  ['Set', new Set([3, 'one', 2]), 'bafyreiclucob5bc6wq5mh5fqzcwkocopismektpsc7ysr23r4u4iqv4bbq'],
  ['object with a lone-surrogate key', { b: 1, ['\uD800']: 2, $a: 3 }, 'bafyreiecdyocamnsikxtiakw324sckx76d3cxqre672swztiryqelaalvm'],
  ['object with a lone-surrogate key, other key order', { ['\uD800']: 2, $a: 3, b: 1 }, 'bafyreiecdyocamnsikxtiakw324sckx76d3cxqre672swztiryqelaalvm'],
  ['Date', new Date(Date.UTC(2024, 5, 1)), 'bafyreiclh6oj6xp2bhnfxdom7enwpnreaqnmwt3w4dgivrnlgttvlof4v4'],
  ['invalid Date', new Date(NaN), 'bafyreigfxumlkukk26ghufkfus3wotacgc3nwh7eyfqz63vskockf7vbxm'],
  ['RegExp', /a+b\//gi, 'bafyreigifkpvzwuvnf2srtuozcxoubvsblwedxnlk4fn76ozu4dcobrwoe'],
  ['Uint8Array', new Uint8Array([1, 2, 3]), 'bafyreiagwya2a6ogrt3yf3pt2x72aflex5sjq7mz7fhmudvbxvcujgbrii'],
  ['Buffer', Buffer.from([1, 2, 3]), 'bafyreicknuq2qz5wv6tc4kpotcng5p4zxgy6rbw2rzqtaepzohoyhuuvcq'],
  ['Float64Array', new Float64Array([1.5, -0]), 'bafyreifepc7e5avptrzuzn64tzkgr466tvs4e25albynsutt2ojrjggdxu'],
  ['Int16Array', new Int16Array([-2, 300]), 'bafyreifbe27ixagpalmi5sezb2lsg6ga7jg6ppjwpvdv7guauf2gf6ec7e'],
  ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n]), 'bafyreidzz7r6s2xfxyxxzylwi5ljbswnh5ykxpdnlx3ws6su3jswlugjtq'],
  ['DataView', new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2), 'bafyreiab7re7f2jllbowfepmgxe62blgb7qlp6dv63xzrvfrx3rige45g4'],
  ['ArrayBuffer', new Uint8Array([4, 5]).buffer, 'bafyreibsib47cxlszp57kvjz54p2waof6qc3py57aazasyyn43joly7tgq'],
  ['registered class', new GoldenPoint(1, -2), 'bafyreibzgvhlu2nyotinoivlircorhs46cxvvw5oaqrgkt5x6x3hixuica'],
  ['large Float64Array', large, 'bafyreid65r7zpqc7rd4c2mqs7tgc3tji2bei4fgffeeevcp6gjbnuvxpra'],
];

const V0 = 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n';
const SHORT = CID.createV1(0x55, identity.digest(new Uint8Array([1, 2]))).toString();

// What functionIdentity gives `(a, b) => a + b` named add: locals are placeholders.
const IDENTITY: FunctionIdentity = { name: 'add', source: '( #0 , #1 ) => #0 + #1' };
// The normalised source of `walk` in the 'normalised source' test below.
const WALK_SOURCE =
  'function #0 ( #1 , { depth : #2 = 0 } = { } ) { const { kids : #3 } = #1 ;' +
  ' let #4 = [ #1 . id ] ; for ( const #5 of #3 ?? [ ] ) { let #6 = #5 ; #4 . push ( ... #0 ( #6 , { depth : #2 + 1 } ) ) ; }' +
  ' return { out : #4 , depth : #2 , max : Math . max ( #2 , #4 . length ) , label : "walk" } ; }';
const VERSIONED: FunctionIdentity = { name: 'fetchPrices', version: '2024-06' };

describe('golden vectors (format version 2)', () => {
  test('format version', () => {
    expect(FORMAT_VERSION).toBe(2);
  });

  test.each(VALUES)('tokenize: %s', (_label, value, cid) => {
    expect(tokenize(value)).toBe(cid);
  });

  test('identity keys', () => {
    expect(identityKey(IDENTITY)).toBe('bafyreie3tb7strrlhroloxpsm2ohrz4j6finkdagmjn33y4hq4d75v3tj4');
    expect(identityKey(VERSIONED)).toBe('bafyreigl3zlnla33mzkrgt7mxdsjptsnsc76lt25chgbxi3etl2snhl6me');
  });

  test('normalised source', () => {
    expect(functionIdentity((0, eval)('((x, y) => x + y)') as Function, { name: 'add' })).toEqual(IDENTITY);
    const walk = (0, eval)(`(function walk(node, { depth = 0 } = {}) {
      const { kids } = node; // shorthand keys stay, the bindings are renamed
      let out = [node.id];
      for (const kid of kids ?? []) { let node = kid; out.push(...walk(node, { depth: depth + 1 })); }
      return { out, depth, max: Math.max(depth, out.length), label: 'walk' };
    })`) as Function;
    // Indirect eval makes sloppy-mode code, which is an identity of its own.
    expect(functionIdentity(walk)).toEqual({ name: 'walk', source: WALK_SOURCE, sloppy: true });
    expect(identityKey(functionIdentity(walk))).toBe('bafyreidouvmj4tjcvmdxp6hc6ga6x3oigcx5edkbcpmk2a4hhc6vmili5e');
  });

  test('call with a link', () => {
    const node = new LinkStub(LINK);
    const { cid, links } = callAddress(IDENTITY, [node, { scale: 2, of: [node] }], linkOf);
    expect(cid).toBe('bafyreiaomdcxhzsodemvwdlbjgoo4erqgihvob52ebk7b7tulza6uk2vdm');
    expect(links).toEqual([
      { node, path: [0] },
      { node, path: [1, 'of', 0] },
    ]);
  });

  test('call with a version identity', () => {
    expect(callAddress(VERSIONED, ['EURUSD', new Date(Date.UTC(2024, 0, 1))], linkOf).cid).toBe('bafyreiayxenrvcofdqddu24wjuvvcl3vjx75f42xigefaexjtppozffmfq');
  });

  test('object key order does not matter; Map insertion order does', () => {
    const byLabel = new Map(VALUES.map(([label, , cid]) => [label, cid]));
    expect(byLabel.get('object')).toBe(byLabel.get('object, other key order'));
    expect(byLabel.get('object')).toBe(byLabel.get('null-prototype object'));
    expect(byLabel.get('object with a lone-surrogate key')).toBe(byLabel.get('object with a lone-surrogate key, other key order'));
    expect(byLabel.get('Map')).not.toBe(byLabel.get('Map, other insertion order'));
    expect(byLabel.get('object with $-keys (escaped)')).not.toBe(byLabel.get('NaN'));
    expect(byLabel.get('Uint8Array')).not.toBe(byLabel.get('Buffer'));
    expect(byLabel.get('2**53 is a float')).not.toBe(tokenize(2 ** 53 - 1));
  });
});

describe('canonical bytes are DAG-CBOR', () => {
  test.each(VALUES)('%s', (_label, value) => {
    expect(Buffer.from(encodeCanonical(value)).toString('hex')).toBe(Buffer.from(referenceBytes(value)).toString('hex'));
  });

  test('hand-built data models', () => {
    const cases: [unknown, unknown][] = [
      [{ b: 1, a: [1.5, -0] }, { a: [1.5, { $num: '-0' }], b: 1 }],
      [{ $x: undefined, y: 10n }, { $$x: { $undefined: null }, y: { $bigint: '10' } }],
      [new Map([[2, 'b'], [1, 'a']]), { $map: [[2, 'b'], [1, 'a']] }],
      [new Set(['bb', 'a']), { $set: ['bb', 'a'] }],
      // Keys DAG-CBOR cannot hold: entries sorted by their encoding ("a" before the $utf16 tag).
      [{ ['\uD800']: 1, $a: 2 }, { $object: [['$a', 2], [{ $utf16: new Uint8Array([0x00, 0xd8]) }, 1]] }],
      [new Float64Array([1]), { $f64: new Uint8Array([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]) }],
      [new LinkStub(LINK), CID.parse(LINK)],
      [{ p: new GoldenPoint(3, 4) }, { p: { $class: ['test/GoldenPoint', [3, 4]] } }],
      // Links that are not memograph's own CIDs: CIDv0, and a short identity-hash CID.
      [new LinkStub(V0), CID.parse(V0)],
      [[new LinkStub(SHORT)], [CID.parse(SHORT)]],
    ];
    for (const [value, model] of cases) {
      expect(Buffer.from(encodeCanonical(value, linkOf)).equals(Buffer.from(dagCbor.encode(model)))).toBe(true);
    }
  });

  test('the call record', () => {
    const node = new LinkStub(LINK);
    const bytes = dagCbor.encode([
      'memograph/call',
      2,
      CID.parse(identityKey(IDENTITY)),
      [CID.parse(LINK), { of: [CID.parse(LINK)], scale: 2 }],
    ]);
    const { cid } = callAddress(IDENTITY, [node, { scale: 2, of: [node] }], linkOf);
    expect(cid).toBe(CID.createV1(0x71, sha256Digest(bytes)).toString());
    const identityBytes = dagCbor.encode(['memograph/function', 2, { name: 'add', source: '( #0 , #1 ) => #0 + #1' }]);
    expect(identityKey(IDENTITY)).toBe(CID.createV1(0x71, sha256Digest(identityBytes)).toString());
    const valueBytes = dagCbor.encode(['memograph/value', 2, { a: 1 }]);
    expect(tokenize({ a: 1 })).toBe(CID.createV1(0x71, sha256Digest(valueBytes)).toString());
  });
});

function sha256Digest(bytes: Uint8Array) {
  return Digest.create(0x12, createHash('sha256').update(bytes).digest());
}

describe('code manifests (docs/hash-format.md, "Code manifests")', () => {
  test('a manifest record', async () => {
    const { ManifestBuilder, manifestAddress } = await import('../../src/identity/manifest.js');
    const manifest = new ManifestBuilder()
      .add('code', 'src/a.ts', 'helper', 'a'.repeat(64), { line: 3, declaration: 'function' })
      .add('package', 'left-pad', '1.3.0', 'sha512-xyz')
      .add('builtin', 'node:path', '', '')
      .add('env', '', 'HOME', 'absent')
      .build();
    expect(manifest.entries.map((e) => e[0])).toEqual(['builtin', 'code', 'env', 'package']);
    expect(manifestAddress(manifest).cid).toBe(GOLDEN_MANIFEST);
  });

  test('the identity of a small module function', async () => {
    const { manifestOfExport } = await import('../../src/identity/module-manifest.js');
    const entry = new URL('../fixtures/identity/golden/main.js', import.meta.url).pathname;
    const code = manifestOfExport(entry, 'task');
    expect(code.entries).toEqual(GOLDEN_FIXTURE_ENTRIES);
    const identity: FunctionIdentity = { name: 'task', source: 'function task ( #0 ) { return scale ( #0 ) + OFFSET ; }', code };
    expect(identityKey(identity)).toBe(GOLDEN_FIXTURE_IDENTITY);
  });
});

const GOLDEN_MANIFEST = 'bafyreigxyx7osatfjvs6zxxcbg6m3htsauhyub7eqwdkux5xfjsj3maddq';
const GOLDEN_FIXTURE_IDENTITY = 'bafyreihlcgpnxyl3fuej3igyh63f6zkxjm4hz3wo7ivdeylccmzwjqdjai';
// Each hash is the sha256 of the declaration's normalised tokens, e.g. sha256("const OFFSET = 1 ;").
const GOLDEN_FIXTURE_ENTRIES = [
  ['code', 'main.js', 'OFFSET', 'a6948de4b3361fc407ee2af6a50aa31b9d2af3b116646eaf36f7fd17399f3760'],
  ['code', 'main.js', 'task', '19ad597758ae789f73fc53ef6f8af6d9b588d4801a255e7ffd7fba820f11a131'],
  ['code', 'scale.js', 'FACTOR', 'ed0681ed67721ea37e70c053e0e6604e414175be3a6e2e3a8260f7e0390a31c2'],
  ['code', 'scale.js', 'scale', '713a9e0e703a9f5a2754f1378a3c4400324d8336c03cdf562c319f5e3e583a44'],
];
