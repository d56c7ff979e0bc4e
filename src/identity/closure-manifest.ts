/**
 * The code manifest of a function that runs on the main thread: the values
 * it captures and the globals it reads are part of what it computes, so two
 * closures with one source and different captured values (`makeAdder(10)`,
 * `makeAdder(20)`) are two functions (docs/hash-format.md, "Captured values,
 * globals, environment and imports of a function's source").
 *
 * For each name the function uses from outside (function-source.ts), its
 * value is read from the function's closure, module or script scopes through
 * the inspector (inspector-scopes.ts), else from `globalThis`:
 *
 * - a hashable value is a `captured` entry by `tokenize`;
 * - a function is identified by its own identity, captures included
 *   (recursively, cycles cut), or as a `package`/`builtin` when it is defined
 *   in node_modules or inside Node; a native function by name and Node's version;
 * - a module's exports used only as `ns.name` are identified by the names used;
 * - anything else is refused here, when `delayed()` is called, naming the variable.
 */
import { fixedIdentityOf } from './fixed-identity.js';
import { fileURLToPath } from 'node:url';
import { UnhashableError } from '../errors.js';
import { tokenize } from '../hash/call-address.js';
import { isStandardGlobal } from '../hash/free-names.js';
import { analyzeFunction, type FunctionAnalysis } from '../hash/function-source.js';
import { functionIdentity, identityKey } from '../hash/identity.js';
import { readCaptures, scriptUrl, type Captures } from './inspector-scopes.js';
import { ManifestBuilder, type CodeManifest } from './manifest.js';
import { packageOfFile } from './package-of.js';
import { addSourceEntries } from './source-manifest.js';

/** The `module` of a `captured` entry for a global; closure, module and script scopes use ''. */
export const GLOBAL_SCOPE = 'globalThis';
/** The hash of a `captured` entry for a free name that nothing defines (reading it throws). */
export const ABSENT = 'absent';

const VERSION_HINT = 'Pass { version: "…" } to identify the function yourself';

/** One identification: functions being identified (to cut cycles) and those done. */
interface Walk {
  readonly env: readonly string[] | undefined;
  readonly active: Set<Function>;
  readonly done: Map<Function, string>;
}

export function closureManifest(fn: Function, name: string, env: readonly string[] | undefined): CodeManifest {
  const walk: Walk = { env, active: new Set([fn]), done: new Map() };
  const builder = new ManifestBuilder();
  addFunctionEntries(fn, analyzeFunction(fn), name, walk, builder);
  return builder.build();
}

function addFunctionEntries(fn: Function, analysis: FunctionAnalysis, name: string, walk: Walk, builder: ManifestBuilder): void {
  addSourceEntries(analysis, { name, env: walk.env, where: 'main' }, builder);
  const free = analysis.freeNames.filter((n) => !n.startsWith('#'));
  const { globalProperties } = analysis.reads;
  if (free.length === 0 && analysis.globalNames.length === 0 && globalProperties.length === 0) return;
  const { values } = captures(fn, [...free, ...analysis.globalNames]);
  const add = (scope: string, variable: string, value: unknown) =>
    addCaptured(scope, variable, value, analysis.reads.memberReads.get(variable), name, walk, builder);
  for (const variable of free) {
    if (values.has(variable)) add('', variable, values.get(variable));
    else addGlobal(variable, add, builder);
  }
  // A closure may shadow a standard global (`const URL = …`): then it is a captured value like any other.
  for (const variable of analysis.globalNames) if (values.has(variable)) add('', variable, values.get(variable));
  for (const property of globalProperties) if (!isStandardGlobal(property)) addGlobal(property, add, builder);
}

function addGlobal(variable: string, add: (scope: string, variable: string, value: unknown) => void, builder: ManifestBuilder): void {
  if (variable in globalThis) add(GLOBAL_SCOPE, variable, (globalThis as Record<string, unknown>)[variable]);
  else builder.add('captured', GLOBAL_SCOPE, variable, ABSENT);
}

function captures(fn: Function, names: readonly string[]): Captures {
  try {
    return readCaptures(fn, names);
  } catch (error) {
    throw new UnhashableError(
      `function \`${fn.name || 'anonymous'}\``,
      `the values it captures cannot be read (${(error as Error).message})`,
      VERSION_HINT,
    );
  }
}

function addCaptured(
  scope: string,
  variable: string,
  value: unknown,
  keys: readonly string[] | undefined,
  owner: string,
  walk: Walk,
  builder: ManifestBuilder,
): void {
  const path = `${scope === GLOBAL_SCOPE ? 'global' : 'captured variable'} \`${variable}\` of function \`${owner}\``;
  // `const scope = globalThis; … scope.NAME`: the globals it reads, as if read by name.
  if (keys !== undefined && value === globalThis) {
    for (const key of keys) if (!isStandardGlobal(key)) addGlobal(key, (s, v, x) => addCaptured(s, v, x, undefined, owner, walk, builder), builder);
    return;
  }
  // Only the exports a function reads are part of it, not a whole module's.
  if (keys !== undefined && isModuleLike(value)) {
    for (const key of keys) {
      let member: unknown;
      try {
        member = (value as Record<string, unknown>)[key];
      } catch (error) {
        throw new UnhashableError(`${path}: \`.${key}\``, `reading it threw: ${(error as Error).message}`, VERSION_HINT);
      }
      builder.add('captured', scope, `${variable}.${key}`, identifyValue(member, `${path}: \`.${key}\``, walk, builder));
    }
    return;
  }
  builder.add('captured', scope, variable, identifyValue(value, path, walk, builder));
}

/** An ES module namespace, or an exports object of getters (esbuild's `__export`, vitest's imports). */
function isModuleLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.toString.call(value) === '[object Module]') return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== null && proto !== Object.prototype) return false;
  const descriptors = Object.values(Object.getOwnPropertyDescriptors(value));
  return descriptors.length > 0 && descriptors.every((d) => d.get !== undefined && d.set === undefined);
}

function identifyValue(value: unknown, path: string, walk: Walk, builder: ManifestBuilder): string {
  if (typeof value === 'function') return identifyFunction(value, path, walk, builder);
  try {
    return tokenize(value);
  } catch (error) {
    if (!(error instanceof UnhashableError)) throw error;
    if (!isContainer(value)) throw refusal(path, error);
    // Plain data holding functions (a table of handlers): the functions by their identities.
    return tokenize({ 'memograph/captured-structure': structure(value, path, walk, builder, new Set()) });
  }
}

function isContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype || Object.prototype.toString.call(value) === '[object Module]';
}

function structure(value: unknown, path: string, walk: Walk, builder: ManifestBuilder, open: Set<object>): unknown {
  if (typeof value === 'function') return { 'memograph/function': identifyFunction(value, path, walk, builder) };
  if (!isContainer(value)) {
    try {
      tokenize(value);
      return value;
    } catch (error) {
      throw refusal(path, error as Error);
    }
  }
  if (open.has(value)) throw new UnhashableError(path, 'it holds itself (a cycle of objects with functions in it)', VERSION_HINT);
  open.add(value);
  const copy: unknown = Array.isArray(value)
    ? value.map((item, i) => structure(item, `${path}[${i}]`, walk, builder, open))
    : Object.fromEntries(Object.keys(value).map((key) => [key, structure((value as Record<string, unknown>)[key], `${path}.${key}`, walk, builder, open)]));
  open.delete(value);
  return copy;
}

function refusal(path: string, error: Error): UnhashableError {
  const what = error.message.replace(/^Cannot content-address /, '');
  return new UnhashableError(path, `its value cannot be content-addressed (${what})`, `Pass its value as an argument instead, or ${VERSION_HINT.charAt(0).toLowerCase()}${VERSION_HINT.slice(1)}`);
}

function identifyFunction(fn: Function, path: string, walk: Walk, builder: ManifestBuilder): string {
  const known = walk.done.get(fn);
  if (known !== undefined) return known;
  const name = fn.name || 'anonymous';
  // A function that (indirectly) captures itself: its source is already part of what is being identified.
  if (walk.active.has(fn)) return `cycle ${name}`;
  const fixed = fixedIdentityOf(fn);
  if (fixed !== undefined) {
    const hash = `fixed ${fixed}`;
    walk.done.set(fn, hash);
    return hash;
  }
  const analysis = analyzeFunction(fn);
  let hash: string;
  if (analysis.isNative) {
    if (name.startsWith('bound ')) {
      throw new UnhashableError(path, `\`${name}\` is a bound function, whose target and bound arguments cannot be identified`, VERSION_HINT);
    }
    hash = `native ${name} ${process.version}`;
  } else {
    const { location } = captures(fn, []);
    const url = location === undefined ? undefined : scriptUrl(location.scriptId);
    const at = location === undefined ? '' : `${location.line + 1}:${location.column + 1}`;
    const file = url?.startsWith('file:') ? fileURLToPath(url) : url;
    const pkg = file === undefined ? undefined : packageOfFile(file);
    if (url?.startsWith('node:')) {
      builder.add('builtin', url, '', '');
      hash = `builtin ${url} ${name} ${at}`;
    } else if (pkg !== undefined) {
      // Code in node_modules changes with the package: identified by its version, not recursed into.
      builder.add('package', pkg.name, pkg.version, pkg.integrity);
      hash = `package ${pkg.name}@${pkg.version} ${name} ${at}`;
    } else {
      walk.active.add(fn);
      try {
        const own = new ManifestBuilder();
        addFunctionEntries(fn, analysis, name, walk, own);
        const code = own.build();
        hash = `function ${identityKey(functionIdentity(fn, { name, manifest: () => code }))}`;
      } finally {
        walk.active.delete(fn);
      }
    }
  }
  walk.done.set(fn, hash);
  return hash;
}
