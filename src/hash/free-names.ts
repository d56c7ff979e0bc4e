/**
 * The names a function's source uses from outside itself (function-source.ts), split
 * into the ECMAScript and Node globals every thread has and the rest, which a worker
 * thread would not have: closures, imports, and private names of an enclosing class.
 */
import type { ScopeManager } from 'eslint-scope';
import type * as ESTree from 'estree';
import vm from 'node:vm';

/** ECMAScript globals (from a fresh context) and what Node gives a worker thread. */
const WORKER_GLOBALS: ReadonlySet<string> = (() => {
  const names = new Set(Object.getOwnPropertyNames(vm.runInNewContext('globalThis') as object));
  const node = [
    'global', 'process', 'Buffer', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval',
    'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'atob', 'btoa', 'URL',
    'URLSearchParams', 'TextEncoder', 'TextDecoder', 'TextEncoderStream', 'TextDecoderStream', 'AbortController',
    'AbortSignal', 'Event', 'EventTarget', 'CustomEvent', 'MessageChannel', 'MessagePort', 'MessageEvent',
    'BroadcastChannel', 'Blob', 'File', 'performance', 'PerformanceEntry', 'PerformanceMark', 'PerformanceMeasure',
    'PerformanceObserver', 'PerformanceObserverEntryList', 'PerformanceResourceTiming', 'crypto', 'Crypto',
    'CryptoKey', 'SubtleCrypto', 'fetch', 'Headers', 'Request', 'Response', 'FormData', 'DOMException',
    'ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest',
    'ReadableByteStreamController', 'ReadableStreamDefaultController', 'TransformStream',
    'TransformStreamDefaultController', 'WritableStream', 'WritableStreamDefaultWriter',
    'WritableStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy', 'CompressionStream',
    'DecompressionStream', 'WebSocket', 'navigator',
  ];
  for (const name of node) if (name in globalThis) names.add(name);
  names.add('__name'); // esbuild's keepNames helper; the worker defines it
  return names;
})();

/** Names the function uses that neither it declares nor every thread has: what a worker would lack (closures, imports), and `#x` private names it does not declare. */
export function freeNames(fn: ESTree.Node, scopes: ScopeManager): string[] {
  const free = new Set<string>();
  for (const reference of scopes.globalScope!.through) {
    const name = reference.identifier.type === 'Identifier' ? reference.identifier.name : '';
    if (name && !WORKER_GLOBALS.has(name)) free.add(name);
  }
  for (const name of undeclaredPrivateNames(fn)) free.add(`#${name}`);
  return [...free].sort();
}

/** Whether `name` is an ECMAScript or Node global that every thread has (Math, JSON, process, …). */
export function isStandardGlobal(name: string): boolean {
  return WORKER_GLOBALS.has(name);
}

/** The standard globals the function uses (Math, JSON, process, …), which its identity names. */
export function globalNames(scopes: ScopeManager): string[] {
  const names = new Set<string>();
  for (const reference of scopes.globalScope!.through) {
    const name = reference.identifier.type === 'Identifier' ? reference.identifier.name : '';
    if (name && WORKER_GLOBALS.has(name) && name !== '__name') names.add(name);
  }
  return [...names].sort();
}

/** `#x` used (this.#x, #x in o) but not declared by a class inside the function. */
function undeclaredPrivateNames(root: ESTree.Node): Set<string> {
  const used = new Set<string>();
  const declared = new Set<string>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as ESTree.Node;
    if (n.type === 'MemberExpression' && n.property.type === 'PrivateIdentifier') used.add(n.property.name);
    if (n.type === 'BinaryExpression' && n.left.type === 'PrivateIdentifier') used.add(n.left.name);
    if ((n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && n.key.type === 'PrivateIdentifier') {
      declared.add(n.key.name);
    }
    for (const key in n) if (key !== 'type' && key !== 'start' && key !== 'end') visit((n as never)[key]);
  };
  visit(root);
  for (const name of declared) used.delete(name);
  return used;
}
