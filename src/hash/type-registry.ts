/**
 * How non-plain objects are encoded: one Map lookup by exact prototype gives
 * the handler for a Map, Set, Date, RegExp, each binary kind, a class with a
 * registered encoder, or a type rejected with a specific message. Anything not
 * found is an unregistered class instance (rejected by the encoder).
 */
import { InvalidArgumentError } from '../errors.js';
import { isWellFormed } from './cbor-writer.js';

/** How instances of a registered class are content-addressed, and how they travel. */
export interface ClassEncoder<T> {
  /** Stable name, part of the hash: keep it when the class is renamed or moved. */
  readonly name: string;
  /** Returns plain data (anything hashable) that determines the instance's behaviour. */
  encode(instance: T): unknown;
  /**
   * Rebuilds an instance from what `encode` returned (after it travelled as msgpackr
   * bytes). Without it an instance can be hashed and passed to main-thread tasks, but
   * not sent to a worker thread nor stored as a result.
   */
  decode?(data: unknown): T;
  /**
   * The URL of the module that makes this `registerEncoder` call (`import.meta.url`). A
   * worker thread imports it before it decodes anything, so that the class and its
   * encoder exist there too: needed to pass instances to worker tasks.
   */
  readonly module?: string;
}

/** A registered encoder with the class it is for. */
export interface RegisteredEncoder extends ClassEncoder<unknown> {
  readonly cls: Function;
}

export const Kind = { Map: 0, Set: 1, Date: 2, RegExp: 3, Binary: 4, Registered: 5, Reject: 6 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export interface Handler {
  readonly kind: Kind;
  /** Encoded tag key (Binary), or the registered encoder (Registered), or the message (Reject). */
  readonly tag?: Uint8Array;
  readonly elementSize?: number;
  readonly encoder?: RegisteredEncoder;
  readonly what?: string;
  readonly hint?: string;
}

/** prototype → how its instances are encoded (exact prototypes only: no subclasses). */
export const handlers = new Map<object, Handler>();
const registeredNames = new Map<string, RegisteredEncoder>();
/** Modules that register encoders with a `decode`, for worker threads to import. */
const encoderModuleUrls: string[] = [];

/** The encoder registered under `name` in this thread, if any. */
export function encoderNamed(name: string): RegisteredEncoder | undefined {
  return registeredNames.get(name);
}

/** The modules a worker thread must import to decode every registered class this thread knows. */
export function encoderModules(): readonly string[] {
  return encoderModuleUrls;
}

/** The encoded text item of a tag key, e.g. "$num" → 0x64 '$' 'n' 'u' 'm'. */
export function tagKey(key: string): Uint8Array {
  const bytes = Buffer.from(key, 'utf8');
  return Uint8Array.from([0x60 | bytes.length, ...bytes]);
}

export const T_NUM = tagKey('$num');
export const T_UNDEFINED = tagKey('$undefined');
export const T_BIGINT = tagKey('$bigint');
export const T_UTF16 = tagKey('$utf16');
export const T_MAP = tagKey('$map');
export const T_SET = tagKey('$set');
export const T_DATE = tagKey('$date');
export const T_REGEXP = tagKey('$regexp');
export const T_CLASS = tagKey('$class');
export const T_OBJECT = tagKey('$object');

const binaryKinds: [object | undefined, string, number][] = [
  [Uint8Array.prototype, '$u8', 1],
  [Uint8ClampedArray.prototype, '$u8c', 1],
  [Int8Array.prototype, '$i8', 1],
  [Uint16Array.prototype, '$u16', 2],
  [Int16Array.prototype, '$i16', 2],
  [Uint32Array.prototype, '$u32', 4],
  [Int32Array.prototype, '$i32', 4],
  [Float32Array.prototype, '$f32', 4],
  [Float64Array.prototype, '$f64', 8],
  [BigInt64Array.prototype, '$i64', 8],
  [BigUint64Array.prototype, '$u64', 8],
  [(globalThis as { Float16Array?: { prototype: object } }).Float16Array?.prototype, '$f16', 2],
  [Buffer.prototype, '$buffer', 1],
  [DataView.prototype, '$dataview', 1],
  [ArrayBuffer.prototype, '$arraybuffer', 1],
];
for (const [proto, tag, elementSize] of binaryKinds) {
  if (proto) handlers.set(proto, { kind: Kind.Binary, tag: tagKey(tag), elementSize });
}
handlers.set(Map.prototype, { kind: Kind.Map });
handlers.set(Set.prototype, { kind: Kind.Set });
handlers.set(Date.prototype, { kind: Kind.Date });
handlers.set(RegExp.prototype, { kind: Kind.RegExp });

const reject = (proto: object | undefined, what: string, hint?: string): void => {
  if (proto) handlers.set(proto, { kind: Kind.Reject, what, hint });
};
const weakHint = 'its contents cannot be enumerated, so it has no content to address';
reject(WeakMap.prototype, 'WeakMap', weakHint);
reject(WeakSet.prototype, 'WeakSet', weakHint);
reject(WeakRef.prototype, 'WeakRef', weakHint);
reject(FinalizationRegistry.prototype, 'FinalizationRegistry', weakHint);
reject(Promise.prototype, 'Promise', 'Pass the Delayed that produces the value, or await it before building the graph');
reject(
  SharedArrayBuffer.prototype,
  'SharedArrayBuffer',
  'Shared memory can change while the task runs; copy it into an ArrayBuffer (e.g. new Uint8Array(view).slice())',
);
for (const Box of [Number, String, Boolean, BigInt, Symbol]) {
  reject(Box.prototype, `boxed primitive (${Box.name} object)`, 'Pass the primitive value instead');
}

/**
 * Make instances of exactly `cls` (not subclasses) hashable as
 * `{"$class": [name, encode(instance)]}`. `encode` must return hashable data
 * that determines everything a task could observe of the instance. With
 * `decode` (and, for worker threads, `module`), instances also travel to tasks
 * and into the cache, and come back as instances of `cls`.
 *
 * @example registerEncoder(Point, { name: 'geo/Point', encode: (p) => [p.x, p.y],
 *   decode: ([x, y]) => new Point(x, y), module: import.meta.url })
 */
export function registerEncoder<T extends object>(
  cls: abstract new (...args: never[]) => T,
  encoder: ClassEncoder<T>,
): void {
  const proto: unknown = typeof cls === 'function' ? cls.prototype : undefined;
  if (typeof proto !== 'object' || proto === null) {
    throw new InvalidArgumentError(`Expected \`cls\` to be a class, got \`${String(cls)}\` (${typeof cls})`);
  }
  if (
    typeof encoder?.name !== 'string' ||
    encoder.name === '' ||
    !isWellFormed(encoder.name) ||
    typeof encoder.encode !== 'function' ||
    (encoder.decode !== undefined && typeof encoder.decode !== 'function') ||
    (encoder.module !== undefined && !isModuleUrl(encoder.module))
  ) {
    throw new InvalidArgumentError(
      'Expected `encoder` to be { name: non-empty string, encode: function, decode?: function, module?: a module URL (import.meta.url) }',
    );
  }
  if (proto === Object.prototype || proto === Array.prototype || handlers.has(proto)) {
    const existing = handlers.get(proto);
    throw new InvalidArgumentError(
      existing?.kind === Kind.Registered
        ? `Class \`${cls.name}\` already has an encoder ("${existing.encoder!.name}")`
        : `Class \`${cls.name}\` is built in and cannot take an encoder`,
    );
  }
  if (registeredNames.has(encoder.name)) {
    throw new InvalidArgumentError(`An encoder named "${encoder.name}" is already registered`);
  }
  const registered: RegisteredEncoder = { ...(encoder as ClassEncoder<unknown>), cls };
  registeredNames.set(encoder.name, registered);
  if (encoder.decode && encoder.module !== undefined && !encoderModuleUrls.includes(encoder.module)) {
    encoderModuleUrls.push(encoder.module);
  }
  handlers.set(proto, { kind: Kind.Registered, encoder: registered });
}

function isModuleUrl(url: unknown): boolean {
  if (typeof url !== 'string') return false;
  try {
    new URL(url);
    return true;
  } catch {
    return false;
  }
}
