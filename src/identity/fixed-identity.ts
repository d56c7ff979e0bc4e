/**
 * memograph's own functions that tasks call (`reportProgress`) have no bearing on a task's
 * result, and their code reaches runtime state (AsyncLocalStorage, worker ports) that
 * cannot be content-addressed. They carry a fixed identity under this symbol, which a
 * captured-value manifest uses in place of their code. Bump the string if the function
 * ever starts to affect results.
 */
export const FIXED_IDENTITY = Symbol.for('memograph.fixed-identity');

export function withFixedIdentity<F extends Function>(fn: F, identity: string): F {
  Object.defineProperty(fn, FIXED_IDENTITY, { value: identity });
  return fn;
}

export function fixedIdentityOf(fn: Function): string | undefined {
  const identity = (fn as { [FIXED_IDENTITY]?: unknown })[FIXED_IDENTITY];
  return typeof identity === 'string' ? identity : undefined;
}
