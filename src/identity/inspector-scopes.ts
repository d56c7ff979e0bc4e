/**
 * Reading what a function closes over, through `node:inspector`: JavaScript
 * cannot see another function's closure, but V8's inspector lists a
 * function's `[[Scopes]]` with the current value of every variable in them.
 *
 * A session connected from the main thread answers `post` synchronously, so
 * this runs inside `delayed()`. It costs a few inspector round trips per
 * function (a few hundred µs), which is why it is done once per `delayed()`
 * and never per call.
 */
import { createRequire } from 'node:module';
import type { Session } from 'node:inspector';

interface RemoteObject {
  readonly type: string;
  readonly subtype?: string;
  readonly value?: unknown;
  readonly unserializableValue?: string;
  readonly objectId?: string;
  readonly description?: string;
}
interface PropertyDescriptor {
  readonly name: string;
  readonly value?: RemoteObject;
}
interface Properties {
  readonly result: readonly PropertyDescriptor[];
  readonly internalProperties?: readonly PropertyDescriptor[];
}

/** Where a binding was found: a closure, module or script scope (''), or the global object. */
export type ScopeKind = 'closure' | 'global';

export interface Captures {
  /** Each name found in a non-global scope of the function, with its current value. */
  readonly values: ReadonlyMap<string, unknown>;
  /** `[[FunctionLocation]]`: where the function is defined. */
  readonly location: { readonly scriptId: string; readonly line: number; readonly column: number } | undefined;
}

const GROUP = 'memograph-closure';
let session: Session | undefined;
let holderId: string | undefined;
/** Values move between the inspector and this thread through this object. */
const holder: { fn?: Function; values?: unknown[] } = Object.create(null) as object;

/** Throws when Node was built without an inspector (then captured values cannot be read). */
export function inspectorAvailable(): boolean {
  try {
    connect();
    return true;
  } catch {
    return false;
  }
}

function connect(): Session {
  if (session === undefined) {
    const inspector = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
    const connected = new inspector.Session();
    connected.connect();
    session = connected;
    const key = `__memograph_holder_${process.pid}`;
    (globalThis as Record<string, unknown>)[key] = holder;
    try {
      holderId = post<{ result: RemoteObject }>('Runtime.evaluate', { expression: `globalThis.${key}`, objectGroup: `${GROUP}-holder` }).result.objectId;
    } finally {
      delete (globalThis as Record<string, unknown>)[key];
    }
  }
  return session;
}

function post<T>(method: string, params: object): T {
  let result: T | undefined;
  let failure: Error | null | undefined;
  let answered = false;
  connect().post(method, params, (error, reply) => {
    answered = true;
    failure = error;
    result = reply as T;
  });
  if (!answered) throw new Error(`internal: the inspector did not answer ${method} synchronously`);
  if (failure) throw failure;
  return result!;
}

function properties(objectId: string): Properties {
  return post<Properties>('Runtime.getProperties', { objectId, ownProperties: true, generatePreview: false });
}

/**
 * The current values of those of `names` that `fn` finds in its closure,
 * module or script scopes (innermost first). Names it would look up on the
 * global object are left out: the caller reads those from `globalThis`.
 */
export function readCaptures(fn: Function, names: readonly string[]): Captures {
  connect();
  try {
    holder.fn = fn;
    const fnId = properties(holderId!).result.find((p) => p.name === 'fn')!.value!.objectId!;
    holder.fn = undefined;
    const internal = properties(fnId).internalProperties ?? [];
    const where = internal.find((p) => p.name === '[[FunctionLocation]]')?.value?.value as
      | { scriptId: string; lineNumber: number; columnNumber: number }
      | undefined;
    const location = where && { scriptId: where.scriptId, line: where.lineNumber, column: where.columnNumber };
    const scopesId = internal.find((p) => p.name === '[[Scopes]]')?.value?.objectId;
    const wanted = new Set(names);
    const found: string[] = [];
    const remote: RemoteObject[] = [];
    if (scopesId !== undefined && wanted.size > 0) {
      for (const scope of properties(scopesId).result) {
        const kind = scope.value?.description?.split(' ')[0];
        if (kind === 'Global' || scope.value?.objectId === undefined) continue;
        for (const variable of properties(scope.value.objectId).result) {
          if (!wanted.has(variable.name) || variable.value === undefined) continue;
          wanted.delete(variable.name);
          found.push(variable.name);
          remote.push(variable.value);
        }
        if (wanted.size === 0) break;
      }
    }
    const values = new Map<string, unknown>();
    if (found.length > 0) {
      // One call hands every value over, primitives and objects alike.
      post('Runtime.callFunctionOn', {
        objectId: holderId,
        functionDeclaration: 'function (...values) { this.values = values; }',
        arguments: remote.map(callArgument),
      });
      const taken = holder.values!;
      holder.values = undefined;
      found.forEach((name, i) => values.set(name, taken[i]));
    }
    return { values, location };
  } finally {
    holder.fn = undefined;
    holder.values = undefined;
    post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
  }
}

function callArgument(value: RemoteObject): object {
  if (value.objectId !== undefined) return { objectId: value.objectId };
  if (value.unserializableValue !== undefined) return { unserializableValue: value.unserializableValue };
  if (value.type === 'undefined') return {};
  return { value: value.value };
}

const scriptUrls = new Map<string, string>();

/**
 * The URL of a script by its inspector id. Only the Debugger domain reports
 * them, so it is enabled (which replays every loaded script) and disabled
 * again at once whenever an id is new; it is never left on, which would let a
 * `debugger` statement pause the thread.
 */
export function scriptUrl(scriptId: string): string | undefined {
  let url = scriptUrls.get(scriptId);
  if (url === undefined) {
    const connected = connect();
    const record = (message: { params: { scriptId: string; url: string } }) => {
      scriptUrls.set(message.params.scriptId, message.params.url);
    };
    connected.on('Debugger.scriptParsed', record);
    try {
      post('Debugger.enable', {});
      post('Debugger.disable', {});
    } finally {
      connected.off('Debugger.scriptParsed', record);
    }
    url = scriptUrls.get(scriptId);
  }
  return url;
}

/**
 * The source V8 holds for each loaded script whose URL is one of `urls` (what
 * the process compiled, after any loader's transform): read with the Debugger
 * domain enabled for the moment it takes, never left on.
 */
export function loadedSources(urls: ReadonlySet<string>): Map<string, string> {
  const connected = connect();
  const ids = new Map<string, string>();
  const record = (message: { params: { scriptId: string; url: string } }) => {
    scriptUrls.set(message.params.scriptId, message.params.url);
    if (urls.has(message.params.url)) ids.set(message.params.url, message.params.scriptId);
  };
  const sources = new Map<string, string>();
  connected.on('Debugger.scriptParsed', record);
  try {
    post('Debugger.enable', {});
    for (const [url, scriptId] of ids) {
      sources.set(url, post<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId }).scriptSource);
    }
  } finally {
    connected.off('Debugger.scriptParsed', record);
    post('Debugger.disable', {});
  }
  return sources;
}
