/**
 * Canonical encoding of JS values: a hand-written writer of DAG-CBOR bytes for
 * a *tagged data model* of JS values. Format version 2; docs/hash-format.md is
 * the normative description and test/hash/golden.test.ts freezes it.
 *
 * JS value                      → data model (DAG-CBOR)
 *   null, true, false             itself
 *   string (well-formed UTF-16)   text
 *   string with lone surrogates   {"$utf16": bytes (UTF-16LE code units)}
 *   safe integer (not -0)         integer (shortest form)
 *   other finite number           float64
 *   -0, NaN, ±Infinity            {"$num": "-0" | "NaN" | "Infinity" | "-Infinity"}
 *   undefined, array hole         {"$undefined": null}
 *   bigint                        {"$bigint": decimal string}
 *   Array                         list (index elements only)
 *   plain object                  map; keys starting with "$" get one more "$"
 *   … with a lone-surrogate key   {"$object": [[k, v], …]} entries sorted by their encoded bytes
 *   Map                           {"$map": [[k, v], …]}  entries in insertion order (observable)
 *   Set                           {"$set": [m, …]}       members in insertion order
 *   Date                          {"$date": getTime() as a number, above}
 *   RegExp                        {"$regexp": [source, flags]}
 *   typed array, Buffer, DataView,{"$f64" | "$u8" | … | "$buffer" | "$dataview" | "$arraybuffer": bytes}
 *     ArrayBuffer                 (element bytes little-endian); ≥ 64 KiB: the bytes' RAW CID as a link
 *   registered class instance     {"$class": [name, encode(instance)]}
 *   graph node (linkOf gives CID) CID link (tag 42)
 *
 * A tagged value is a one-entry map whose key is "$" + a non-"$" character.
 * Escaped user keys start with "$$", so user data can never read as a tag.
 * Anything else throws UnhashableError naming the value's path, as does nesting
 * deeper than MAX_NESTING and anything that throws while the value is read.
 *
 * The writer keeps one growable buffer for the process and reuses it for every
 * record (re-entrant use, e.g. a class encoder that calls tokenize(), gets a
 * fresh one). Arguments must not be mutated after they are hashed: large
 * binary digests are memoised per object.
 */
import { UnhashableError } from '../errors.js';
import { CborWriter } from './cbor-writer.js';
import { LARGE_BINARY_THRESHOLD, LITTLE_ENDIAN, largeBinaryCid, swapBytes } from './large-binary.js';
import {
  Kind,
  T_BIGINT,
  T_CLASS,
  T_DATE,
  T_MAP,
  T_NUM,
  T_OBJECT,
  T_REGEXP,
  T_SET,
  T_UNDEFINED,
  T_UTF16,
  handlers,
  type RegisteredEncoder,
} from './type-registry.js';
import { MAX_NESTING } from './nesting.js';

export { registerEncoder, type ClassEncoder } from './type-registry.js';
export { LARGE_BINARY_THRESHOLD } from './large-binary.js';

/** Version of the hashed format; part of every record. Bumped only deliberately. */
export const FORMAT_VERSION = 2;

/** Returns the CID of a graph node, or undefined for an ordinary object. */
export type LinkOf = (value: object) => string | undefined;

/**
 * A value found while hashing that a run must look at again: a registered class
 * instance (can it travel to a worker?), a large binary (was it changed in place
 * since its digest was memoised?), a file or directory value (did the file change?).
 * `path` is where, in JS syntax (`args[1].data`).
 */
export type ArgNote =
  | { readonly kind: 'class'; readonly path: string; readonly encoder: RegisteredEncoder }
  | {
      readonly kind: 'binary';
      readonly path: string;
      readonly object: object;
      readonly elementSize: number;
      /** The encoded CID its bytes were addressed by. */
      readonly digest: Uint8Array;
    }
  | { readonly kind: 'file'; readonly path: string; readonly value: object };

/** A graph node found inside the arguments, and where. */
export interface Link {
  readonly node: object;
  /**
   * From the argument list down to the node: numbers index arrays, strings are
   * plain-object keys. A Map is walked as `[...map]` (entry index, then 0 for
   * the key or 1 for the value), a Set as `[...set]`; indexes are insertion order.
   */
  readonly path: readonly (string | number)[];
}

// ---------------------------------------------------------------------------
// Paths, for error messages (`args[1].config.cb`) and Link paths.

const enum Step {
  Index,
  Key,
  MapKey,
  MapValue,
  SetMember,
  Payload,
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

// ---------------------------------------------------------------------------

export class CanonicalEncoder extends CborWriter {
  /** In use by a hashing call (see acquireEncoder). */
  busy = false;
  private root = 'value';
  private linkOf: LinkOf | undefined = undefined;
  private links: Link[] | undefined = undefined;
  // The path to the value being written: steps[i] says how segs[i] is used.
  private depth = 0;
  private readonly segs: (string | number)[] = [];
  private readonly steps: Step[] = [];
  // Containers being written (cycle detection) and the path depth of each.
  private open = 0;
  private readonly ancestors: (object | undefined)[] = [];
  private readonly ancestorDepths: number[] = [];
  /** How many registered-class payloads enclose the current value. */
  private payloads = 0;
  /** What this record noted (see ArgNote); emptied by reset. */
  readonly notes: ArgNote[] = [];

  reset(root: string, linkOf?: LinkOf, links?: Link[]): void {
    this.rewind();
    this.root = root;
    this.linkOf = linkOf;
    this.links = links;
    this.depth = 0;
    this.open = 0;
    this.payloads = 0;
    this.notes.length = 0;
  }

  /** Forget references to user objects (called when done, also after errors). */
  clear(): void {
    this.linkOf = undefined;
    this.links = undefined;
    if (this.open > 0) this.ancestors.fill(undefined);
    this.open = 0;
    this.payloads = 0;
    this.notes.length = 0;
    this.shrink();
  }

  // --- values --------------------------------------------------------------

  /** Writes argument `i` of a call (path `root[i]`). */
  arg(i: number, value: unknown): void {
    this.segs[0] = i;
    this.steps[0] = Step.Index;
    this.depth = 1;
    this.topValue(value);
    this.depth = 0;
  }

  /**
   * Writes a whole value. Whatever goes wrong while reading it — a getter or a Proxy
   * trap that throws, a revoked Proxy, a registered encoder that throws — is an
   * UnhashableError naming where (the path at the moment it threw).
   */
  topValue(v: unknown): void {
    try {
      this.value(v);
    } catch (error) {
      if (error instanceof UnhashableError) throw error;
      throw this.fail(`reading it threw ${describeThrown(error)}`, 'Pass plain data whose properties can be read');
    }
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        if (!this.text(v)) {
          this.tag(T_UTF16);
          const bytes = Buffer.from(v, 'utf16le');
          if (!LITTLE_ENDIAN) bytes.swap16();
          this.head(2, bytes.length);
          this.raw(bytes);
        }
        return;
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.byte(v ? 0xf5 : 0xf4);
      case 'undefined':
        this.tag(T_UNDEFINED);
        return this.byte(0xf6);
      case 'bigint':
        this.tag(T_BIGINT);
        this.text(v.toString());
        return;
      case 'symbol':
        throw this.fail(`symbol ${String(v)}`, 'Symbols have no content to address');
      case 'function': {
        const cid = this.linkOf?.(v);
        if (cid !== undefined) return this.link(v, cid);
        throw this.fail(describeFunction(v), 'Functions are code, not data: call it inside the task, or make it a delayed step of its own');
      }
      case 'object':
        if (v === null) return this.byte(0xf6);
        return this.object(v);
    }
  }

  private number(n: number): void {
    if (Number.isSafeInteger(n)) {
      if (n >= 0) {
        if (n === 0 && 1 / n < 0) {
          this.tag(T_NUM);
          this.text('-0');
          return;
        }
        return this.head(0, n);
      }
      return this.head(1, -1 - n);
    }
    if (n === n && n !== Infinity && n !== -Infinity) {
      this.ensure(9);
      this.buf[this.pos] = 0xfb;
      this.view.setFloat64(this.pos + 1, n);
      this.pos += 9;
      return;
    }
    this.tag(T_NUM);
    this.text(n !== n ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity');
  }

  private link(node: object, cid: string): void {
    if (this.payloads > 0) {
      throw this.fail(
        'graph node inside the encoding of a registered class',
        'The scheduler cannot put its result there; pass the node as an argument of its own',
      );
    }
    this.linkString(cid);
    this.links?.push({ node, path: this.linkPath() });
  }

  private object(v: object): void {
    const cid = this.linkOf?.(v);
    if (cid !== undefined) return this.link(v, cid);
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return this.plainObject(v as Record<string, unknown>);
    if (proto === Array.prototype && Array.isArray(v)) return this.array(v);
    const handler = handlers.get(proto as object);
    if (handler === undefined) throw this.unknownObject(v, proto);
    switch (handler.kind) {
      case Kind.Binary:
        return this.binary(v, handler.tag!, handler.elementSize!);
      case Kind.Map:
        return this.entries(v as Map<unknown, unknown>, true);
      case Kind.Set:
        return this.entries(v as Set<unknown>, false);
      case Kind.Date:
        this.tag(T_DATE);
        return this.number(dateGetTime.call(v as Date));
      case Kind.RegExp:
        this.tag(T_REGEXP);
        this.byte(0x82);
        this.value((v as RegExp).source);
        this.value((v as RegExp).flags);
        return;
      case Kind.Registered:
        return this.registered(v, handler.encoder!);
      case Kind.Reject:
        throw this.fail(handler.what!, handler.hint);
    }
  }

  private enter(v: object): void {
    const { ancestors, open } = this;
    for (let i = 0; i < open; i++) {
      if (ancestors[i] === v) {
        throw this.fail(`cyclic reference back to \`${this.pathString(this.ancestorDepths[i]!)}\``, 'Content addresses need acyclic data');
      }
    }
    if (open >= MAX_NESTING) {
      throw this.fail(`nested deeper than ${MAX_NESTING} levels of containers`, 'Flatten the data, or pass it as a Buffer or string');
    }
    ancestors[open] = v;
    this.ancestorDepths[open] = this.depth;
    this.open = open + 1;
  }

  private leave(): void {
    this.ancestors[--this.open] = undefined;
  }

  private array(v: unknown[]): void {
    this.enter(v);
    const n = v.length;
    this.head(4, n);
    const d = this.depth++;
    this.steps[d] = Step.Index;
    for (let i = 0; i < n; i++) {
      this.segs[d] = i;
      this.value(v[i]);
    }
    this.depth = d;
    this.leave();
  }

  private plainObject(v: Record<string, unknown>): void {
    this.enter(v);
    const symbols = Object.getOwnPropertySymbols(v);
    for (const s of symbols) {
      if (Object.prototype.propertyIsEnumerable.call(v, s)) {
        throw this.fail(`object with symbol key ${String(s)}`, 'Symbol keys have no content to address; use string keys or a Map');
      }
    }
    const keys = Object.keys(v);
    const n = keys.length;
    let escaped = false;
    for (let i = 0; i < n; i++) {
      if (keys[i]!.charCodeAt(0) === 0x24 /* $ */) {
        keys[i] = '$' + keys[i];
        escaped = true;
      }
    }
    if (escaped) this.noteBrand(v, keys);
    if (n > 1) sortKeys(keys);
    const start = this.pos;
    const linksAtStart = this.links?.length ?? 0;
    const notesAtStart = this.notes.length;
    this.head(5, n);
    const d = this.depth++;
    this.steps[d] = Step.Key;
    for (let i = 0; i < n; i++) {
      const name = keys[i]!;
      const key = escaped && name.charCodeAt(0) === 0x24 ? name.slice(1) : name;
      this.segs[d] = key;
      if (!this.text(name)) {
        // Rare: forget what was written of this object and write it in the other form.
        this.pos = start;
        if (this.links) this.links.length = linksAtStart;
        this.notes.length = notesAtStart;
        this.depth = d;
        this.illFormedKeysObject(v, Object.keys(v));
        this.leave();
        return;
      }
      this.value(v[key]);
    }
    this.depth = d;
    this.leave();
  }

  /** A file or directory value (src/files) is noted, so a run can check the file is unchanged. */
  private noteBrand(v: object, escapedKeys: readonly string[]): void {
    if (escapedKeys.includes('$$file') || escapedKeys.includes('$$dir')) {
      this.notes.push({ kind: 'file', value: v, path: this.pathString(this.depth) });
    }
  }

  /**
   * Map entries or Set members, in insertion order: iteration order is observable
   * (a task may print, index or reduce them in order), so two Maps that differ
   * only in order are different arguments (docs/hash-format.md).
   */
  private entries(v: Map<unknown, unknown> | Set<unknown>, isMap: boolean): void {
    this.enter(v);
    this.tag(isMap ? T_MAP : T_SET);
    this.head(4, v.size);
    const d = this.depth++;
    let i = 0;
    const write = (value: unknown, key: unknown): void => {
      this.segs[d] = i++;
      if (isMap) {
        this.byte(0x82);
        this.steps[d] = Step.MapKey;
        this.value(key);
        this.steps[d] = Step.MapValue;
      } else {
        this.steps[d] = Step.SetMember;
      }
      this.value(value);
    };
    v.forEach(write);
    this.depth = d;
    this.leave();
  }

  /**
   * A plain object with a key that is not well-formed UTF-16, which a DAG-CBOR map
   * key cannot hold: `{"$object": [[key, value], …]}`, keys written as strings are
   * (text or `$utf16`), entries sorted by their encoded bytes (so by key: keys are
   * distinct and CBOR items prefix-free), so key order still does not matter.
   */
  private illFormedKeysObject(v: Record<string, unknown>, keys: readonly string[]): void {
    this.tag(T_OBJECT);
    const n = keys.length;
    this.head(4, n);
    const d = this.depth++;
    this.steps[d] = Step.Key;
    const regionStart = this.pos;
    const bounds: number[] = [];
    const linkBounds: number[] = [];
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      bounds.push(this.pos);
      linkBounds.push(this.links?.length ?? 0);
      this.segs[d] = key;
      this.byte(0x82);
      this.value(key);
      this.value(v[key]);
    }
    bounds.push(this.pos);
    linkBounds.push(this.links?.length ?? 0);
    this.depth = d;
    if (n > 1) this.sortItems(regionStart, bounds, linkBounds);
  }

  private sortItems(regionStart: number, bounds: number[], linkBounds: number[]): void {
    const count = bounds.length - 1;
    const order = Array.from({ length: count }, (_, k) => k);
    const buf = this.nodeBuf;
    order.sort((a, b) => buf.compare(buf, bounds[b]!, bounds[b + 1]!, bounds[a]!, bounds[a + 1]!));
    const copy = this.buf.slice(regionStart, this.pos);
    let at = regionStart;
    for (const k of order) {
      this.buf.set(copy.subarray(bounds[k]! - regionStart, bounds[k + 1]! - regionStart), at);
      at += bounds[k + 1]! - bounds[k]!;
    }
    const links = this.links;
    if (links && linkBounds[count]! > linkBounds[0]!) {
      const found = links.slice(linkBounds[0]);
      links.length = linkBounds[0]!;
      for (const k of order) {
        for (let j = linkBounds[k]!; j < linkBounds[k + 1]!; j++) links.push(found[j - linkBounds[0]!]!);
      }
    }
  }

  private binary(v: object, tag: Uint8Array, elementSize: number): void {
    let bytes: Uint8Array;
    if (v instanceof Uint8Array) {
      bytes = v;
    } else if (ArrayBuffer.isView(v)) {
      bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    } else {
      bytes = new Uint8Array(v as ArrayBuffer);
    }
    if (bytes.buffer instanceof SharedArrayBuffer) {
      throw this.fail(
        'view of a SharedArrayBuffer',
        'Shared memory can change while the task runs; copy it first (e.g. .slice())',
      );
    }
    this.tag(tag);
    if (bytes.length >= LARGE_BINARY_THRESHOLD) {
      const digest = largeBinaryCid(v, bytes, elementSize);
      this.linkBytes(digest);
      this.notes.push({ kind: 'binary', path: this.pathString(this.depth), object: v, elementSize, digest });
      return;
    }
    this.head(2, bytes.length);
    this.raw(LITTLE_ENDIAN || elementSize === 1 ? bytes : swapBytes(bytes, elementSize));
  }

  private registered(v: object, encoder: RegisteredEncoder): void {
    this.enter(v);
    this.notes.push({ kind: 'class', path: this.pathString(this.depth), encoder });
    this.tag(T_CLASS);
    this.byte(0x82);
    this.text(encoder.name);
    const d = this.depth++;
    this.steps[d] = Step.Payload;
    this.segs[d] = encoder.name;
    this.payloads++;
    this.value(encoder.encode(v));
    this.payloads--;
    this.depth = d;
    this.leave();
  }

  // --- errors and paths ----------------------------------------------------

  private fail(what: string, hint?: string): UnhashableError {
    return new UnhashableError(this.pathString(this.depth), what, hint);
  }

  private unknownObject(v: object, proto: unknown): UnhashableError {
    const ctor = (proto as { constructor?: unknown } | null)?.constructor;
    const name = typeof ctor === 'function' ? ctor.name : '';
    if (Array.isArray(v)) {
      return name === 'Array'
        ? this.fail('array from another realm (vm context)', 'Copy it into an array of this realm')
        : this.fail(`instance of \`${name || 'anonymous class'}\`, an Array subclass`, 'Pass a plain array (Array.from(x))');
    }
    if (ctor === Object) return this.fail('object whose prototype is another object (Object.create)', 'Pass a plain object');
    if (name === 'Object') return this.fail('object from another realm (vm context)', 'Copy it into a plain object of this realm');
    if (name) {
      return this.fail(
        `class instance of \`${name}\``,
        `Register an encoder for it: registerEncoder(${name}, { name: '…', encode: (x) => plainData })`,
      );
    }
    return this.fail(`object ${Object.prototype.toString.call(v)} with a non-plain prototype`);
  }

  /** The path of depth `depth` in JS syntax, e.g. `args[1].config["weird key"]`. */
  private pathString(depth: number): string {
    let out = this.root;
    for (let i = 0; i < depth; i++) {
      const seg = this.segs[i]!;
      switch (this.steps[i]) {
        case Step.Index:
          out += `[${seg}]`;
          break;
        case Step.Key:
          out += IDENTIFIER.test(seg as string) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
          break;
        case Step.MapKey:
          out += '.<map key>';
          break;
        case Step.MapValue:
          out += '.<map value>';
          break;
        case Step.SetMember:
          out += '.<set member>';
          break;
        case Step.Payload:
          out += `.<encoded ${seg}>`;
          break;
      }
    }
    return out;
  }

  private linkPath(): readonly (string | number)[] {
    // Most links are whole arguments (`f(a, b)`): share one frozen path per position
    // rather than allocate one per link; a million-node graph has a million links.
    const first = this.segs[0];
    if (this.depth === 1 && typeof first === 'number' && first < TOP_LEVEL_PATHS.length) return TOP_LEVEL_PATHS[first]!;
    const path: (string | number)[] = [];
    for (let i = 0; i < this.depth; i++) {
      const seg = this.segs[i]!;
      const step = this.steps[i];
      path.push(seg);
      if (step === Step.MapKey) path.push(0);
      else if (step === Step.MapValue) path.push(1);
    }
    return path;
  }
}

const TOP_LEVEL_PATHS: readonly (readonly number[])[] = Array.from({ length: 256 }, (_, i) => Object.freeze([i]));

const dateGetTime = Date.prototype.getTime;

function describeThrown(error: unknown): string {
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'a RangeError (nested too deeply for the stack)';
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function describeFunction(fn: Function): string {
  const source = Function.prototype.toString.call(fn);
  if (/^class\b/.test(source)) return `class \`${fn.name || 'anonymous'}\``;
  return fn.name ? `function \`${fn.name}\`` : 'anonymous function';
}

/**
 * Sort (escaped) keys in DAG-CBOR map order: shorter UTF-8 encoding first, then
 * bytewise. For ASCII keys that is length, then code unit order.
 */
function sortKeys(keys: string[]): void {
  let ascii = true;
  for (const k of keys) {
    for (let i = 0; i < k.length; i++) {
      if (k.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) break;
  }
  if (!ascii) {
    keys.sort((a, b) => {
      const x = Buffer.from(a, 'utf8');
      const y = Buffer.from(b, 'utf8');
      return x.length - y.length || Buffer.compare(x, y);
    });
    return;
  }
  // Insertion sort: objects have few keys and this avoids sort()'s setup cost.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && asciiGreater(keys[j]!, k)) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

function asciiGreater(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

// ---------------------------------------------------------------------------
// The shared encoder. Hashing is synchronous, so one buffer serves the whole
// process; a nested use (a class encoder or linkOf that hashes) gets its own.

const shared = new CanonicalEncoder();

export function acquireEncoder(root: string, linkOf?: LinkOf, links?: Link[]): CanonicalEncoder {
  const encoder = shared.busy ? new CanonicalEncoder() : shared;
  encoder.busy = true;
  encoder.reset(root, linkOf, links);
  return encoder;
}

export function releaseEncoder(encoder: CanonicalEncoder): void {
  encoder.clear();
  encoder.busy = false;
}

/**
 * The canonical DAG-CBOR bytes of one value (no record around it). For tests
 * and tools; hashing code uses callAddress() and tokenize().
 */
export function encodeCanonical(value: unknown, linkOf?: LinkOf, links?: Link[]): Uint8Array {
  const encoder = acquireEncoder('value', linkOf, links);
  try {
    encoder.topValue(value);
    return encoder.bytes();
  } finally {
    releaseEncoder(encoder);
  }
}
