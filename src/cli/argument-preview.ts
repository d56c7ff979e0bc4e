/**
 * A short rendering of an argument fingerprint (src/hash/argument-fingerprints.ts) for
 * people: the canonical DAG-CBOR is decoded and the JS value it stands for is written
 * back in JS-like syntax — `0.5`, `"train"`, `[1, 2]`, `{rate: 0.5}`, `10n`,
 * `Float64Array [1, 2]`, `<part 1a2b3c4d>` for a graph node — and cut at PREVIEW_LENGTH
 * characters. A fingerprint that holds only a digest has no preview.
 */
import { decode } from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { isDigestFingerprint } from '../hash/argument-fingerprints.js';
import { LITTLE_ENDIAN } from '../hash/large-binary.js';

export const PREVIEW_LENGTH = 60;

/** Names a graph node by its call CID, when it is known. */
export type NameOf = (callCid: string) => string | undefined;

export function previewFingerprint(fingerprint: Uint8Array, nameOf: NameOf): string | undefined {
  if (isDigestFingerprint(fingerprint)) return undefined;
  let text: string;
  try {
    text = render(decode(fingerprint), nameOf);
  } catch {
    return undefined; // not one of ours: nothing to show rather than a wrong value
  }
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

/** Binary tags (see type-registry.ts) → the class and, for number elements, how to read them. */
const BINARY: Record<string, [name: string, read?: (bytes: ArrayBuffer) => ArrayLike<number | bigint>]> = {
  $u8: ['Uint8Array', (b) => new Uint8Array(b)],
  $u8c: ['Uint8ClampedArray', (b) => new Uint8ClampedArray(b)],
  $i8: ['Int8Array', (b) => new Int8Array(b)],
  $u16: ['Uint16Array', (b) => new Uint16Array(b)],
  $i16: ['Int16Array', (b) => new Int16Array(b)],
  $u32: ['Uint32Array', (b) => new Uint32Array(b)],
  $i32: ['Int32Array', (b) => new Int32Array(b)],
  $f32: ['Float32Array', (b) => new Float32Array(b)],
  $f64: ['Float64Array', (b) => new Float64Array(b)],
  $i64: ['BigInt64Array', (b) => new BigInt64Array(b)],
  $u64: ['BigUint64Array', (b) => new BigUint64Array(b)],
  $f16: ['Float16Array'],
  $buffer: ['Buffer'],
  $dataview: ['DataView'],
  $arraybuffer: ['ArrayBuffer'],
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function render(value: unknown, nameOf: NameOf): string {
  const r = (v: unknown) => render(v, nameOf);
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  const cid = CID.asCID(value);
  if (cid) {
    const text = cid.toString();
    return `<${nameOf(text) ?? 'call'} ${text.slice(-8)}>`;
  }
  if (Array.isArray(value)) return `[${value.map(r).join(', ')}]`;
  if (typeof value !== 'object') return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && /^\$[^$]/.test(entries[0]![0])) return renderTagged(entries[0]![0], entries[0]![1], nameOf);
  const file = value as Record<string, unknown>;
  if (typeof file.$$file === 'string' || typeof file.$$dir === 'string') {
    // file(path) and dir(path): what changes is the content, named by its CID.
    return `${file.$$file ? 'file' : 'dir'}(${JSON.stringify(file.path)}) ${String(file.cid).slice(-8)}`;
  }
  const fields = entries.map(([escaped, v]) => {
    const key = escaped.startsWith('$$') ? escaped.slice(1) : escaped;
    return `${IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${r(v)}`;
  });
  return `{${fields.join(', ')}}`;
}

function renderTagged(tag: string, payload: unknown, nameOf: NameOf): string {
  const r = (v: unknown) => render(v, nameOf);
  switch (tag) {
    case '$num':
      return String(payload);
    case '$undefined':
      return 'undefined';
    case '$bigint':
      return `${String(payload)}n`;
    case '$utf16':
      return payload instanceof Uint8Array ? JSON.stringify(Buffer.from(payload).toString('utf16le')) : '"…"';
    case '$date':
      return typeof payload === 'number' ? `Date ${new Date(payload).toISOString()}` : 'Invalid Date';
    case '$regexp':
      return Array.isArray(payload) ? `/${String(payload[0])}/${String(payload[1])}` : '/…/';
    case '$map':
      return Array.isArray(payload) ? `Map {${payload.map((e) => (Array.isArray(e) ? `${r(e[0])} => ${r(e[1])}` : r(e))).join(', ')}}` : 'Map';
    case '$set':
      return Array.isArray(payload) ? `Set {${payload.map(r).join(', ')}}` : 'Set';
    case '$class':
      return Array.isArray(payload) ? `${String(payload[0])} ${r(payload[1])}` : 'class instance';
  }
  const binary = BINARY[tag];
  if (binary === undefined) return `{${tag}: ${r(payload)}}`;
  const [name, read] = binary;
  if (!(payload instanceof Uint8Array)) return `${name} (≥ 64 KiB)`; // large binaries are linked by CID
  // Element bytes are little-endian; a fresh copy is aligned for the typed array over it.
  const elements = read && LITTLE_ENDIAN ? read(payload.slice().buffer) : undefined;
  if (elements === undefined) return `${name} <${Buffer.from(payload).toString('hex').replace(/(..)(?!$)/g, '$1 ')}>`;
  return `${name} [${Array.from(elements, (e) => (typeof e === 'bigint' ? `${e}n` : String(e))).join(', ')}]`;
}
