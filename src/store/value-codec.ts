/**
 * How a task's result becomes stored bytes (`VALUE_ENCODING` = 'msgpackr/2').
 *
 * Stored bytes outlive the process that wrote them and are shared between machines, so
 * this is a frozen format: the msgpackr options below and the extension type codes
 * (0x2d-0x31) may only change together with a new `VALUE_ENCODING`. ('msgpackr/1' wrote
 * lone surrogates as U+FFFD; its results cannot be told apart, so they read as misses.) Every message is self-describing
 * (record structures are defined inline in each message, never shared between calls), so
 * a fresh Unpackr in another process decodes it.
 *
 * What round-trips exactly (type and value): numbers (incl. -0, NaN, ±Infinity, integers
 * beyond 2^53), BigInts of any size, strings, booleans, null, undefined (also inside
 * objects, arrays, Maps and Sets), plain objects and arrays, Map (any keys), Set, Date
 * (incl. invalid), every typed-array kind, DataView, ArrayBuffer, Buffer (stays a Buffer,
 * a Uint8Array stays a Uint8Array), RegExp (source and flags).
 *
 * Strings with lone surrogates (also as object and Map keys, and RegExp sources) travel as
 * their UTF-16 code units, and instances of classes registered with a `decode` as their
 * encoding, rebuilt by `decode` (see hash/type-registry.ts).
 *
 * Plain data only, as with structured clone, except that we refuse instead of degrading:
 * functions, symbols, unregistered class instances (whose prototype and methods would be lost, e.g. a
 * URL would become `{}`), boxed primitives, Errors (stack and own fields would be lost),
 * WeakMaps, Promises, circular references and nesting deeper than MAX_NESTING throw an
 * {@link UnstorableValueError} that names the path, so a cached result never differs from
 * the computed one.
 *
 * Known, accepted losses (same as or milder than structured clone): array holes become
 * `undefined`, shared references become copies, non-index properties of arrays, symbol
 * keys and non-enumerable properties are dropped, a null-prototype object comes back
 * with Object.prototype, RegExp#lastIndex resets.
 */
import { isMainThread } from 'node:worker_threads';
import { Packr, Unpackr, addExtension } from 'msgpackr';
import { isWellFormed } from '../hash/cbor-writer.js';
import { MAX_NESTING } from '../hash/nesting.js';
import { Kind, encoderNamed, handlers, type RegisteredEncoder } from '../hash/type-registry.js';
import { ownBytes } from './own-bytes.js';

/** A value cannot be stored faithfully; `path` says where, e.g. `result.items[3].cb`. */
export class UnstorableValueError extends TypeError {
  readonly path: string;

  constructor(path: string, what: string) {
    super(
      `Cannot cache the value: ${path} ${what}. A result is stored as plain data: numbers, bigints, strings, booleans, null, ` +
        'undefined, plain objects and arrays, Map, Set, Date, RegExp, typed arrays, ArrayBuffer, DataView and Buffer, and instances ' +
        'of classes given to registerEncoder with a decode. Return such data or register the class; only a task on the main thread ' +
        'with cache: false may return other values.',
    );
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
 * msgpackr writes -0 as the integer 0, renames an own `__proto__` key to `__proto_`, and
 * writes every string as UTF-8, which turns lone surrogates into U+FFFD. Registered
 * classes it would write as plain objects. Values that contain any of these are rare,
 * so only they take a slow path: a copy in which those spots are replaced by marker
 * instances that the extensions below encode exactly.
 */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();
/** An object with a `__proto__` key or a key that is not well-formed UTF-16. */
class KeyedObject {
  constructor(readonly entries: unknown[]) {}
}
/** A string with lone surrogates: travels as its UTF-16LE code units. */
class IllFormedString {
  constructor(readonly text: string) {}
}
/** A RegExp whose source holds lone surrogates. */
class IllFormedRegExp {
  constructor(readonly regexp: RegExp) {}
}
/** An instance of a class registered with a `decode`: travels as [name, encode(instance)]. */
class EncodedInstance {
  constructor(readonly name: string, readonly data: unknown) {}
}
addExtension({ Class: NegativeZero, type: 0x2d, write: () => null, read: () => -0 });
addExtension({
  Class: KeyedObject,
  type: 0x2e,
  write: (marker: KeyedObject) => marker.entries,
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
addExtension({
  Class: IllFormedString,
  type: 0x2f,
  // Buffer's utf16le is little-endian on every host.
  write: (marker: IllFormedString) => Buffer.from(marker.text, 'utf16le'),
  read: (units: Uint8Array) => Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le'),
});
addExtension({
  Class: IllFormedRegExp,
  type: 0x30,
  write: (marker: IllFormedRegExp) => [new IllFormedString(marker.regexp.source), marker.regexp.flags],
  read: ([source, flags]: [string, string]) => new RegExp(source, flags),
});
addExtension({
  Class: EncodedInstance,
  type: 0x31,
  write: (marker: EncodedInstance) => [marker.name, marker.data],
  read: ([name, data]: [string, unknown]) => decodeInstance(name, data),
});

function decodeInstance(name: string, data: unknown): unknown {
  const encoder = encoderNamed(name);
  if (!encoder?.decode) {
    throw new TypeError(
      `Cannot decode an instance of the class registered as "${name}": ${encoder ? 'its encoder has no `decode`' : 'no encoder of that name is registered in this thread'}` +
        (isMainThread ? '' : ' (a worker thread imports the `module` given to registerEncoder)'),
    );
  }
  const instance = encoder.decode(data);
  if (typeof instance !== 'object' || instance === null || Object.getPrototypeOf(instance) !== encoder.cls.prototype) {
    throw new TypeError(`The \`decode\` of the class registered as "${name}" did not return an instance of \`${encoder.cls.name}\``);
  }
  return instance;
}

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

/** What one scan found: the containers open above the current value, and registered instances' encodings. */
interface Scan {
  readonly ancestors: object[];
  /** instance → encode(instance), computed once by the scan and reused by the rewrite. */
  encodings: Map<object, unknown> | undefined;
}

/** Encode a value; the returned bytes own their ArrayBuffer (safe to transfer or keep). */
export function packValue(value: unknown, rootName = 'result'): Uint8Array {
  const context: Scan = { ancestors: [], encodings: undefined };
  let needsRewrite: boolean;
  try {
    needsRewrite = scan(value, context);
  } catch (error) {
    if (error instanceof Unstorable) throw error.toError(rootName);
    throw error;
  }
  const packed = packr.pack(needsRewrite ? rewrite(value, context.encodings) : value);
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

/** Whether a child must be scanned: objects, and the primitives the fast path gets wrong. */
function needsScan(child: unknown): boolean {
  switch (typeof child) {
    case 'object':
    case 'function':
    case 'symbol':
      return true;
    case 'number':
      return child === 0;
    case 'string':
      return !isWellFormed(child);
    default:
      return false;
  }
}

/** Reject what cannot be stored; answer whether the slow path is needed (see the markers above). */
function scan(value: unknown, context: Scan): boolean {
  switch (typeof value) {
    case 'number':
      return value === 0 && 1 / value < 0;
    case 'string':
      return !isWellFormed(value);
    case 'function':
      throw new Unstorable('is a function');
    case 'symbol':
      throw new Unstorable('is a symbol');
    case 'object':
      return value === null ? false : scanObject(value, context);
    default:
      return false;
  }
}

function scanObject(object: object, context: Scan): boolean {
  const proto = Object.getPrototypeOf(object) as object | null;
  if (LEAF_PROTOTYPES.has(proto as object)) return proto === RegExp.prototype && !isWellFormed((object as RegExp).source);
  const { ancestors } = context;
  if (ancestors.length >= CYCLE_CHECK_DEPTH && ancestors.includes(object)) {
    // Detected many laps in; report the first lap only.
    const first = ancestors.indexOf(object);
    const lap = ancestors.length - ancestors.lastIndexOf(object);
    throw new Unstorable('is a circular reference', { length: first + lap, target: first });
  }
  if (ancestors.length >= MAX_NESTING) throw new Unstorable(`is nested deeper than ${MAX_NESTING} levels`);
  let rewrite = false;
  ancestors.push(object);
  if (proto === Object.prototype || proto === null) {
    const record = object as Record<string, unknown>;
    let key = '';
    try {
      for (key in record) {
        const child = record[key];
        if (needsScan(child) && scan(child, context)) rewrite = true;
        if (key === '__proto__' || !isWellFormed(key)) rewrite = true;
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
        if (needsScan(child) && scan(child, context)) rewrite = true;
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
        if (needsScan(key) && scan(key, context)) rewrite = true;
        inKey = false;
        if (needsScan(child) && scan(child, context)) rewrite = true;
      } catch (error) {
        if (error instanceof Unstorable) error.path.push(inKey ? `.keys()[${i}]` : `.get(${describeKey(key)})`);
        throw error;
      }
      i++;
    }
  } else if (proto === Set.prototype) {
    let i = 0;
    for (const child of object as Set<unknown>) {
      try {
        if (needsScan(child) && scan(child, context)) rewrite = true;
      } catch (error) {
        if (error instanceof Unstorable) error.path.push(`.values()[${i}]`);
        throw error;
      }
      i++;
    }
  } else {
    const handler = handlers.get(proto as object);
    if (handler?.kind !== Kind.Registered) throw new Unstorable(describeInstance(object));
    scanRegistered(object, handler.encoder!, context);
    rewrite = true;
  }
  ancestors.pop();
  return rewrite;
}

/** An instance of a registered class travels as its encoding, which must itself be storable. */
function scanRegistered(object: object, encoder: RegisteredEncoder, context: Scan): void {
  if (!encoder.decode) {
    throw new Unstorable(
      `is an instance of \`${encoder.cls.name}\` (registered as "${encoder.name}") whose encoder has no \`decode\`, so it cannot be rebuilt; give registerEncoder a decode (and a module, for worker threads)`,
    );
  }
  const data = encoder.encode(object);
  try {
    scan(data, context);
  } catch (error) {
    if (error instanceof Unstorable) error.path.push(`.<encoded ${encoder.name}>`);
    throw error;
  }
  (context.encodings ??= new Map()).set(object, data);
}

/** The slow path: a copy with the spots msgpackr gets wrong replaced by markers. */
function rewrite(value: unknown, encodings: Map<object, unknown> | undefined): unknown {
  if (typeof value === 'number') return value === 0 && 1 / value < 0 ? NEGATIVE_ZERO : value;
  if (typeof value === 'string') return isWellFormed(value) ? value : new IllFormedString(value);
  if (typeof value !== 'object' || value === null) return value;
  const again = (child: unknown): unknown => rewrite(child, encodings);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Array.prototype) return (value as unknown[]).map(again);
  if (proto === Map.prototype) {
    return new Map([...(value as Map<unknown, unknown>)].map(([k, v]) => [again(k), again(v)]));
  }
  if (proto === Set.prototype) return new Set([...(value as Set<unknown>)].map(again));
  if (proto === RegExp.prototype) return isWellFormed((value as RegExp).source) ? value : new IllFormedRegExp(value as RegExp);
  if (encodings?.has(value)) {
    const encoder = (handlers.get(proto as object) as { encoder: RegisteredEncoder }).encoder;
    return new EncodedInstance(encoder.name, again(encodings.get(value)));
  }
  if (proto !== Object.prototype && proto !== null) return value; // a leaf (scan rejected the rest)
  const record = value as Record<string, unknown>;
  const entries: unknown[] = [];
  let keyed = false;
  for (const key in record) {
    if (key === '__proto__' || !isWellFormed(key)) keyed = true;
    entries.push(key, again(record[key]));
  }
  if (keyed) {
    for (let i = 0; i < entries.length; i += 2) entries[i] = again(entries[i]);
    return new KeyedObject(entries);
  }
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
