/**
 * Test helpers: a deliberately simple, slow second implementation of the
 * value → data model mapping of docs/hash-format.md, encoded by @ipld/dag-cbor,
 * to cross-check the hand-written encoder; a strict deep equality; link stubs.
 */
import * as dagCbor from '@ipld/dag-cbor';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';

/** Stands in for a graph node: linkOf() gives its CID. */
export class LinkStub {
  constructor(readonly cid: string) {}
}
export const linkOf = (value: object): string | undefined => (value instanceof LinkStub ? value.cid : undefined);

/** Registered class encoders the reference model knows, by prototype (tests add theirs). */
export const referenceEncoders = new Map<object, { name: string; encode(instance: any): unknown }>();

const binaryTags = new Map<unknown, string>([
  [Uint8Array.prototype, '$u8'],
  [Uint8ClampedArray.prototype, '$u8c'],
  [Int8Array.prototype, '$i8'],
  [Uint16Array.prototype, '$u16'],
  [Int16Array.prototype, '$i16'],
  [Uint32Array.prototype, '$u32'],
  [Int32Array.prototype, '$i32'],
  [Float32Array.prototype, '$f32'],
  [Float64Array.prototype, '$f64'],
  [BigInt64Array.prototype, '$i64'],
  [BigUint64Array.prototype, '$u64'],
  [Buffer.prototype, '$buffer'],
  [DataView.prototype, '$dataview'],
  [ArrayBuffer.prototype, '$arraybuffer'],
]);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The data model of a value, as plain objects, arrays and CID instances. */
export function toDataModel(value: unknown): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (value === undefined) return { $undefined: null };
  if (typeof value === 'string') {
    return LONE_SURROGATE.test(value) ? { $utf16: new Uint8Array(Buffer.from(value, 'utf16le')) } : value;
  }
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return { $num: '-0' };
    if (Number.isNaN(value)) return { $num: 'NaN' };
    if (value === Infinity) return { $num: 'Infinity' };
    if (value === -Infinity) return { $num: '-Infinity' };
    return value;
  }
  if (value instanceof LinkStub) return CID.parse(value.cid);
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return Array.from(value, toDataModel);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value as object);
    if (keys.some((key) => LONE_SURROGATE.test(key))) {
      // A key DAG-CBOR cannot hold: a list of [key, value] entries, sorted by their encoding.
      const entries = keys.map((key) => [toDataModel(key), toDataModel((value as Record<string, unknown>)[key])]);
      return { $object: sortByEncoding(entries) };
    }
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      out[key.startsWith('$') ? `$${key}` : key] = toDataModel((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  if (value instanceof Map) {
    // Insertion order: it is observable, so it is part of the address.
    return { $map: [...value].map(([k, v]) => [toDataModel(k), toDataModel(v)]) };
  }
  if (value instanceof Set) return { $set: [...value].map(toDataModel) };
  if (value instanceof Date) return { $date: toDataModel(value.getTime()) };
  if (value instanceof RegExp) return { $regexp: [value.source, value.flags] };
  const tag = binaryTags.get(proto);
  if (tag) {
    const view = value as ArrayBufferView | ArrayBuffer;
    const bytes = ArrayBuffer.isView(view)
      ? new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength))
      : new Uint8Array(view.slice(0));
    if (bytes.length >= 64 * 1024) {
      const digest = createHash('sha256').update(bytes).digest();
      return { [tag]: CID.createV1(0x55, Digest.create(0x12, digest)) };
    }
    return { [tag]: bytes };
  }
  const registered = referenceEncoders.get(proto);
  if (registered) return { $class: [registered.name, toDataModel(registered.encode(value))] };
  throw new Error(`reference model has no mapping for ${Object.prototype.toString.call(value)}`);
}

function sortByEncoding(items: unknown[]): unknown[] {
  return items
    .map((item) => ({ item, bytes: dagCbor.encode(item) }))
    .sort((a, b) => compareBytes(a.bytes, b.bytes))
    .map(({ item }) => item);
}

/** @ipld/dag-cbor's encoding of the reference data model. */
export function referenceBytes(value: unknown): Uint8Array {
  return dagCbor.encode(toDataModel(value));
}

/**
 * Strict deep equality: SameValue for numbers, exact types (a Buffer is not a
 * Uint8Array, a Float32Array is not an Int32Array), binary by bytes, Maps and
 * Sets entry by entry in insertion order (which JS code can observe), plain
 * objects regardless of key order, links by CID. Holes equal undefined.
 */
export function strictEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    // Object.prototype and null prototypes are both "plain object".
    const plain = (x: object): boolean => [Object.prototype, null].includes(Object.getPrototypeOf(x));
    if (!(plain(a) && plain(b as object))) return false;
  }
  if (a instanceof LinkStub) return a.cid === (b as LinkStub).cid;
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((_, i) => strictEqual(a[i], y[i]));
  }
  if (a instanceof Map) return strictEqual([...a], [...(b as Map<unknown, unknown>)]);
  if (a instanceof Set) return strictEqual([...a], [...(b as Set<unknown>)]);
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (a instanceof RegExp) return a.source === (b as RegExp).source && a.flags === (b as RegExp).flags;
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) return compareBytes(bytesOf(a), bytesOf(b as object)) === 0;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return (
    keys.length === Object.keys(y).length &&
    keys.every((k) => Object.prototype.hasOwnProperty.call(y, k) && strictEqual(x[k], y[k]))
  );
}

function bytesOf(value: object): Uint8Array {
  return ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : new Uint8Array(value as ArrayBuffer);
}
