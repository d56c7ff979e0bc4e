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
  ['null', null, 'bafyreibu7adkkqitmmbejpin4qj7pr46qcjx2xqapdtdavl5zaxllizwxu'],
  ['true', true, 'bafyreidpgqrap4ksnox3omoykm54lqso2ghthuwew4r26wnipl6pq3yy6u'],
  ['false', false, 'bafyreidmgixdfv6kba54fof325jpujzvm6dj5qwirohbs25nimr6kz2woe'],
  ['zero', 0, 'bafyreiedw32t5ruox2meuat7ggjlykm22jl3v7fj2ko7jde6ducjggsdi4'],
  ['negative zero', -0, 'bafyreicy2ya3h6ky7hwnz2betzcaz6ta35nuqyrbdvf2omuoaetgtsehki'],
  ['integer', 1234567, 'bafyreicjcnez4qoiheojfwm6wsymris56ddpef6qz6weics6no3alfry4u'],
  ['negative integer', -24, 'bafyreig2c5cnnp5lvyk5ngxporqma6ursq4khny3vkppmormybe7zafwjy'],
  ['2**53 is a float', 2 ** 53, 'bafyreicl2jbghfgfqilnui2ndr7zprfra7orjvb33zr33ane6lg3wte6cm'],
  ['float', 1.5, 'bafyreigwmzzrmnr44n7rfwixsjretqnv5ibmxijyfwbncvbucmb6w5khwe'],
  ['NaN', NaN, 'bafyreicq3mk6d5ggjhivnzdxrcqtt7bk37pnuae4ofqwq3zlou6xbjwpb4'],
  ['Infinity', Infinity, 'bafyreigtzxcqxvioefclketaatn6xjtfufd5zm6oq6vbq5i62hkweyhpmy'],
  ['-Infinity', -Infinity, 'bafyreibncbwui2zu22uwu6nhyo2z57l3ygw7cepgrvci3fxnbnhr53ql4u'],
  ['undefined', undefined, 'bafyreicdpwcyd2fwnwtqarvlcsykh3qcdemodaspm5qj5kvyiqon6yfa7a'],
  ['bigint', 12345678901234567890n, 'bafyreiavojvoqs4vqa5brad5pat4whbd2mnejqxwadbty35bqr5blk7jou'],
  ['string', 'hello', 'bafyreibbo62jakn4ztkwemwy5hc7de2oudamivnpuojkaakeni5ce73suy'],
  ['unicode string', 'é漢字😀', 'bafyreids6ugahloia4lly4imqgchvz2ytesklwpixikuk5g2vsvgr6c5ry'],
  ['lone surrogate', 'a\uD800b', 'bafyreiefulpxglwo7is6b7e4ia523oevx6q2b4avxvdbbor7vsjzwleona'],
  ['nested array', [1, [2, 'x'], null], 'bafyreidca6wbi4kjgnygxa4uyvnhy5drvr3s5ng3t4zhdcanlt7quezaty'],
  ['array with a hole', [, 1], 'bafyreihwv6j7ryqpsmbnyi4jxe7kjqvxg7a6oaca5r6wa2ah244d4mpdre'],
  ['object', { b: 1, a: 2, ccc: [true] }, 'bafyreifri553orh225tx4e5lcswtonq457guoxozhwgswxtv6p5xcdcoqm'],
  ['object, other key order', { ccc: [true], a: 2, b: 1 }, 'bafyreifri553orh225tx4e5lcswtonq457guoxozhwgswxtv6p5xcdcoqm'],
  ['object with $-keys (escaped)', { $num: 'NaN' }, 'bafyreids7gf2jxyzch4i2osdytegmynhbtbgqnd3s63j7ljdp4oajv5brq'],
  ['object with odd keys', { '': 0, aa: 1, b: 2, é: 3, 'weird key': 4, $$: 5 }, 'bafyreie74uoljtuio77t3gmetk2cpcfqbehfc7z2vt7xdhllyggcbvq3ji'],
  ['null-prototype object', Object.assign(Object.create(null), { a: 2, ccc: [true], b: 1 }), 'bafyreifri553orh225tx4e5lcswtonq457guoxozhwgswxtv6p5xcdcoqm'],
  ['Map', new Map<unknown, unknown>([[1, 'a'], ['b', { c: 2 }]]), 'bafyreigwxje2mizrhc7tstgagytivz52mgblus67i6o67oigaam753aa7m'],
  ['Map, other insertion order', new Map<unknown, unknown>([['b', { c: 2 }], [1, 'a']]), 'bafyreiadbqmch5in45mdiz7ubmojmd5aka26laqwmeslj6kuii46axcrhy'],
  ['Set', new Set([3, 'one', 2]), 'bafyreifavdchxk47g7i236ywyun5zqnsfims6ejv3znvcfhi4indtokjie'],
  ['object with a lone-surrogate key', { b: 1, ['\uD800']: 2, $a: 3 }, 'bafyreib5oslzog7l3cuca7lnvexmhwt6cgmotp67ytee2v33qcupkgybi4'],
  ['object with a lone-surrogate key, other key order', { ['\uD800']: 2, $a: 3, b: 1 }, 'bafyreib5oslzog7l3cuca7lnvexmhwt6cgmotp67ytee2v33qcupkgybi4'],
  ['Date', new Date(Date.UTC(2024, 5, 1)), 'bafyreieovisxunco66ked7ntdhz4atmby4yoth6vunkrf52n7er3n3ttxu'],
  ['invalid Date', new Date(NaN), 'bafyreif6e5gilbqvrs7geewgerkap3lkkyj3zyezo2drvgcpfiibg3qrci'],
  ['RegExp', /a+b\//gi, 'bafyreiblksyaudfvfc2tdgbu7ccqi7vrvu4t5hvxivnq7i5moato72c7r4'],
  ['Uint8Array', new Uint8Array([1, 2, 3]), 'bafyreiau6xxb3rcahaj3f56xzxnre4wdol5mgg5hhwovmrsscd7yqwuudm'],
  ['Buffer', Buffer.from([1, 2, 3]), 'bafyreifuga7y2coy6fv35srkydszp73hage7ln5cwabnr3vovceicsolx4'],
  ['Float64Array', new Float64Array([1.5, -0]), 'bafyreif3kjreahenpgxoowr6zwpytqu3lp6fqvzsdadl32ls4cr5vn5bwi'],
  ['Int16Array', new Int16Array([-2, 300]), 'bafyreif7bznrbriyypybahslwzan4mkug6vuudnmsi5ojbexdwz2mn5fxm'],
  ['BigUint64Array', new BigUint64Array([2n ** 64n - 1n]), 'bafyreid5266xlybm3atozwup6ad7amhwk3jtozp7vsuxsu6izg7tvjcyqy'],
  ['DataView', new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2), 'bafyreifqlenymkfjfci2bpf24qaxpggqqn5yhljyfv3qhwtjnipuwv4x6m'],
  ['ArrayBuffer', new Uint8Array([4, 5]).buffer, 'bafyreidfrfhfdhvzej5uh7fpd5dseqxzbtbhsonege2vsrbqju3etjmpvq'],
  ['registered class', new GoldenPoint(1, -2), 'bafyreicsmuwsxdswyoq6mr5t3u63sdltj357tige4tq4nsuexma7iqx4zq'],
  ['large Float64Array', large, 'bafyreihqetvriyoyyjwyrwq4v7xgnpl2ys5er6qlnck3x3ezcpdcmosjbe'],
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

describe('golden vectors (format version 1)', () => {
  test('format version', () => {
    expect(FORMAT_VERSION).toBe(1);
  });

  test.each(VALUES)('tokenize: %s', (_label, value, cid) => {
    expect(tokenize(value)).toBe(cid);
  });

  test('identity keys', () => {
    expect(identityKey(IDENTITY)).toBe('bafyreigez5hamyf5tpx3mohr77lfdxpsxjc6r74dofcth5kgyxsewojjmu');
    expect(identityKey(VERSIONED)).toBe('bafyreib5unwjt7gvot57bony4w7jicngvdo7uywatdhxzpa23v6vnwkvlm');
  });

  test('normalised source', () => {
    expect(functionIdentity((0, eval)('((x, y) => x + y)') as Function, { name: 'add' })).toEqual(IDENTITY);
    const walk = (0, eval)(`(function walk(node, { depth = 0 } = {}) {
      const { kids } = node; // shorthand keys stay, the bindings are renamed
      let out = [node.id];
      for (const kid of kids ?? []) { let node = kid; out.push(...walk(node, { depth: depth + 1 })); }
      return { out, depth, max: Math.max(depth, out.length), label: 'walk' };
    })`) as Function;
    expect(functionIdentity(walk)).toEqual({ name: 'walk', source: WALK_SOURCE });
    expect(identityKey(functionIdentity(walk))).toBe('bafyreiaqn3bph57ncfv2haocrgv47iubngenuw6ql5rswx67eay3ayeyba');
  });

  test('call with a link', () => {
    const node = new LinkStub(LINK);
    const { cid, links } = callAddress(IDENTITY, [node, { scale: 2, of: [node] }], linkOf);
    expect(cid).toBe('bafyreidotiuau7ij7g55j2sx52tb5xqldxrhyrvv3rkqgj7axbb2oihykm');
    expect(links).toEqual([
      { node, path: [0] },
      { node, path: [1, 'of', 0] },
    ]);
  });

  test('call with a version identity', () => {
    expect(callAddress(VERSIONED, ['EURUSD', new Date(Date.UTC(2024, 0, 1))], linkOf).cid).toBe('bafyreifu5n7yjqf5ntculjbqwdne4nlh4mv725ins2zwiqgeh5vjqsbudq');
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
      1,
      CID.parse(identityKey(IDENTITY)),
      [CID.parse(LINK), { of: [CID.parse(LINK)], scale: 2 }],
    ]);
    const { cid } = callAddress(IDENTITY, [node, { scale: 2, of: [node] }], linkOf);
    expect(cid).toBe(CID.createV1(0x71, sha256Digest(bytes)).toString());
    const identityBytes = dagCbor.encode(['memograph/function', 1, { name: 'add', source: '( #0 , #1 ) => #0 + #1' }]);
    expect(identityKey(IDENTITY)).toBe(CID.createV1(0x71, sha256Digest(identityBytes)).toString());
    const valueBytes = dagCbor.encode(['memograph/value', 1, { a: 1 }]);
    expect(tokenize({ a: 1 })).toBe(CID.createV1(0x71, sha256Digest(valueBytes)).toString());
  });
});

function sha256Digest(bytes: Uint8Array) {
  return Digest.create(0x12, createHash('sha256').update(bytes).digest());
}
