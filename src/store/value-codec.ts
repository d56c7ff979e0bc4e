/**
 * How a task's result becomes stored bytes (`VALUE_ENCODING` = 'msgpackr/1').
 *
 * Stored bytes outlive the process that wrote them and are shared between machines, so
 * this is a frozen format: the msgpackr options below and the two extension type codes
 * may only change together with a new `VALUE_ENCODING`. Every message is self-describing
 * (record structures are defined inline in each message, never shared between calls), so
 * a fresh Unpackr in another process decodes it.
 *
 * What round-trips exactly (type and value): numbers (incl. -0, NaN, ±Infinity, integers
 * beyond 2^53), BigInts of any size, strings, booleans, null, undefined (also inside
 * objects, arrays, Maps and Sets), plain objects and arrays, Map (any keys), Set, Date
 * (incl. invalid), every typed-array kind, DataView, ArrayBuffer, Buffer (stays a Buffer,
 * a Uint8Array stays a Uint8Array), RegExp (source and flags).
 *
 * Plain data only, as with structured clone, except that we refuse instead of degrading:
 * functions, symbols, class instances (whose prototype and methods would be lost, e.g. a
 * URL would become `{}`), boxed primitives, Errors (stack and own fields would be lost),
 * WeakMaps, Promises and circular references throw an {@link UnstorableValueError} that
 * names the path, so a cached result never differs from the computed one.
 *
 * Known, accepted losses (same as or milder than structured clone): array holes become
 * `undefined`, shared references become copies, non-index properties of arrays, symbol
 * keys and non-enumerable properties are dropped, a null-prototype object comes back
 * with Object.prototype, RegExp#lastIndex resets.
 */
import { Packr, Unpackr, addExtension } from 'msgpackr';
import { ownBytes } from './own-bytes.js';

/** A value cannot be stored faithfully; `path` says where, e.g. `result.items[3].cb`. */
export class UnstorableValueError extends TypeError {
  readonly path: string;

  constructor(path: string, what: string) {
    super(`Cannot cache the value: ${path} ${what}. Only plain data can be stored (see src/store/value-codec.ts).`);
    this.name = 'UnstorableValueError';
    this.path = path;
  }
}

const OPTIONS = {
  moreTypes: true,
  useRecords: true, // without records, mapsAsObjects: false would decode plain objects as Maps
  mapsAsObjects: false,
  useBigIntExtension: true,
  int64AsType: 'bigint', // msgpackr writes only BigInts as int64, numbers never
  useToJSON: false, // toJSON is an API shape, not the value
} as const;

const packr = new Packr(OPTIONS);
// copyBuffers: decoded Buffers must not alias the stored bytes, or mutating a result
// would corrupt the store's copy.
const unpackr = new Unpackr({ ...OPTIONS, copyBuffers: true });

/*
 * msgpackr writes -0 as the integer 0, and renames an own `__proto__` key to `__proto_`.
 * Values that contain either are rare, so only they take a slow path: a copy in which
 * those spots are replaced by marker instances that these two extensions encode.
 */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();
class ProtoKeyedObject {
  constructor(readonly entries: unknown[]) {}
}
addExtension({ Class: NegativeZero, type: 0x2d, write: () => null, read: () => -0 });
addExtension({
  Class: ProtoKeyedObject,
  type: 0x2e,
  write: (marker: ProtoKeyedObject) => marker.entries,
  read: (entries: unknown[]) => {
    const object: Record<string, unknown> = {};
    for (let i = 0; i < entries.length; i += 2) {
      // defineProperty, because assigning `__proto__` would set the prototype.
      Object.defineProperty(object, entries[i] as string, {
        value: entries[i + 1],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  },
});

/** Prototypes whose instances msgpackr encodes faithfully without looking inside. */
const LEAF_PROTOTYPES = new Set<object>([
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Buffer.prototype,
  ...[
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  ].map((kind) => kind.prototype as object),
]);

/** Ancestors are only searched for cycles below this depth: a cycle always gets there. */
const CYCLE_CHECK_DEPTH = 64;

/** Encode a value; the returned bytes own their ArrayBuffer (safe to transfer or keep). */
export function packValue(value: unknown, rootName = 'result'): Uint8Array {
  let needsRewrite: boolean;
  try {
    needsRewrite = scan(value, []);
  } catch (error) {
    if (error instanceof Unstorable) throw error.toError(rootName);
    throw error;
  }
  const packed = packr.pack(needsRewrite ? rewrite(value) : value);
  // Packr returns a view into its shared scratch buffer (see own-bytes.ts).
  return ownBytes(packed);
}

export function unpackValue(bytes: Uint8Array): unknown {
  // msgpack `bin` decodes to the class of the source array, so read from a Buffer view
  // (no copy) to get Buffers back; a Uint8Array was written as a typed-array extension.
  return unpackr.unpack(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Thrown inside the scan; each level adds its path segment on the way out (free when nothing throws). */
class Unstorable {
  /** Segments, innermost first. */
  readonly path: string[] = [];
  constructor(
    readonly what: string,
    /** For a cycle: how many leading segments reach the first repeat, and how many reach its target. */
    readonly cycle?: { length: number; target: number },
  ) {}

  toError(rootName: string): UnstorableValueError {
    const segments = this.path.reverse();
    if (!this.cycle) return new UnstorableValueError(rootName + segments.join(''), this.what);
    const target = rootName + segments.slice(0, this.cycle.target).join('');
    return new UnstorableValueError(rootName + segments.slice(0, this.cycle.length).join(''), `${this.what} (to ${target})`);
  }
}

/** Reject what cannot be stored; answer whether the slow path is needed (a -0 or `__proto__` key). */
function scan(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'number':
      return value === 0 && 1 / value < 0;
    case 'function':
      throw new Unstorable('is a function');
    case 'symbol':
      throw new Unstorable('is a symbol');
    case 'object':
      return value === null ? false : scanObject(value, ancestors);
    default:
      return false;
  }
}

function scanObject(object: object, ancestors: object[]): boolean {
  const proto = Object.getPrototypeOf(object) as object | null;
  if (LEAF_PROTOTYPES.has(proto as object)) return false;
  if (ancestors.length >= CYCLE_CHECK_DEPTH && ancestors.includes(object)) {
    // Detected many laps in; report the first lap only.
    const first = ancestors.indexOf(object);
    const lap = ancestors.length - ancestors.lastIndexOf(object);
    throw new Unstorable('is a circular reference', { length: first + lap, target: first });
  }
  let rewrite = false;
  ancestors.push(object);
  if (proto === Object.prototype || proto === null) {
    const record = object as Record<string, unknown>;
    let key = '';
    try {
      for (key in record) {
        const child = record[key];
        if (typeof child === 'object' || typeof child === 'function' || typeof child === 'symbol' || child === 0) {
          if (scan(child, ancestors)) rewrite = true;
        }
        if (key === '__proto__') rewrite = true;
      }
    } catch (error) {
      if (error instanceof Unstorable) error.path.push(propertySegment(key));
      throw error;
    }
  } else if (proto === Array.prototype) {
    const array = object as unknown[];
    let i = 0;
    try {
      for (; i < array.length; i++) {
        const child = array[i];
        if (typeof child === 'object' || typeof child === 'function' || typeof child === 'symbol' || child === 0) {
          if (scan(child, ancestors)) rewrite = true;
        }
      }
    } catch (error) {
      if (error instanceof Unstorable) error.path.push(`[${i}]`);
      throw error;
    }
  } else if (proto === Map.prototype) {
    let i = 0;
    for (const [key, child] of object as Map<unknown, unknown>) {
      let inKey = true;
      try {
        if (typeof key === 'object' || typeof key === 'function' || typeof key === 'symbol') {
          if (scan(key, ancestors)) rewrite = true;
        }
        inKey = false;
        if (typeof child === 'object' || typeof child === 'function' || typeof child === 'symbol' || child === 0) {
          if (scan(child, ancestors)) rewrite = true;
        }
      } catch (error) {
        if (error instanceof Unstorable) error.path.push(inKey ? `.keys()[${i}]` : `.get(${describeKey(key)})`);
        throw error;
      }
      i++;
    }
  } else if (proto === Set.prototype) {
    let i = 0;
    for (const child of object as Set<unknown>) {
      if (typeof child === 'object' || typeof child === 'function' || typeof child === 'symbol') {
        try {
          if (scan(child, ancestors)) rewrite = true;
        } catch (error) {
          if (error instanceof Unstorable) error.path.push(`.values()[${i}]`);
          throw error;
        }
      }
      i++;
    }
  } else {
    throw new Unstorable(describeInstance(object));
  }
  ancestors.pop();
  return rewrite;
}

/** The slow path: a copy with -0 and `__proto__`-keyed objects replaced by markers. */
function rewrite(value: unknown): unknown {
  if (typeof value === 'number') return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value;
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Array.prototype) return (value as unknown[]).map(rewrite);
  if (proto === Map.prototype) {
    return new Map([...(value as Map<unknown, unknown>)].map(([k, v]) => [rewrite(k), rewrite(v)]));
  }
  if (proto === Set.prototype) return new Set([...(value as Set<unknown>)].map(rewrite));
  if (proto !== Object.prototype && proto !== null) return value; // a leaf (scan rejected the rest)
  const record = value as Record<string, unknown>;
  const entries: unknown[] = [];
  let protoKey = false;
  for (const key in record) {
    if (key === '__proto__') protoKey = true;
    entries.push(key, rewrite(record[key]));
  }
  if (protoKey) return new ProtoKeyedObject(entries);
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < entries.length; i += 2) copy[entries[i] as string] = entries[i + 1];
  return copy;
}

function propertySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (typeof key === 'object' && key !== null) return Array.isArray(key) ? '[…]' : '{…}';
  return String(key);
}

function describeInstance(object: object): string {
  if (object instanceof Error) return `is an Error (${object.name}); store its message and fields as plain data`;
  if (object instanceof Promise) return 'is a Promise; return the awaited value instead';
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  const what = typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a custom prototype';
  return `is ${what}, whose prototype would be lost; convert it to plain data (object, array, Map, …)`;
}
