/**
 * Type-exact deep equality for round-trip tests: SameValue for numbers (so -0 ≠ 0 and
 * NaN = NaN), identical prototypes (so a Buffer ≠ a Uint8Array, a Map ≠ an object),
 * keys and entries compared in order. Returns the path of the first difference, or
 * undefined when the two are the same.
 */
export function firstDifference(expected: unknown, actual: unknown, path = 'value'): string | undefined {
  if (typeof expected !== typeof actual) return `${path}: ${typeof expected} vs ${typeof actual}`;
  if (typeof expected !== 'object' || expected === null || actual === null) {
    return Object.is(expected, actual) ? undefined : `${path}: ${show(expected)} vs ${show(actual)}`;
  }
  const a = expected as object;
  const b = actual as object;
  const protoA = Object.getPrototypeOf(a) as object | null;
  if (protoA !== Object.getPrototypeOf(b)) {
    return `${path}: prototype ${name(a)} vs ${name(b)}`;
  }
  if (a instanceof Date) return same(a.getTime(), (b as Date).getTime(), path);
  if (a instanceof RegExp) return same(`${a.source}/${a.flags}`, `${(b as RegExp).source}/${(b as RegExp).flags}`, path);
  if (a instanceof ArrayBuffer) return sameElements(new Uint8Array(a), new Uint8Array(b as ArrayBuffer), path);
  if (a instanceof DataView) {
    const other = b as DataView;
    return sameElements(
      new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      new Uint8Array(other.buffer, other.byteOffset, other.byteLength),
      path,
    );
  }
  if (ArrayBuffer.isView(a)) return sameElements(a as unknown as ArrayLike<unknown>, b as unknown as ArrayLike<unknown>, path);
  if (a instanceof Map) {
    const entriesA = [...a];
    const entriesB = [...(b as Map<unknown, unknown>)];
    if (entriesA.length !== entriesB.length) return `${path}: Map size ${entriesA.length} vs ${entriesB.length}`;
    for (let i = 0; i < entriesA.length; i++) {
      const difference =
        firstDifference(entriesA[i]![0], entriesB[i]![0], `${path}.keys()[${i}]`) ??
        firstDifference(entriesA[i]![1], entriesB[i]![1], `${path}.values()[${i}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (a instanceof Set) return firstDifference([...a], [...(b as Set<unknown>)], `${path}<Set>`);
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return `${path}: length ${a.length} vs ${other.length}`;
    for (let i = 0; i < a.length; i++) {
      const difference = firstDifference(a[i], other[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys ${show(keysA)} vs ${show(keysB)}`;
  for (const key of keysA) {
    const difference = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}[${JSON.stringify(key)}]`,
    );
    if (difference) return difference;
  }
  return undefined;
}

function sameElements(a: ArrayLike<unknown>, b: ArrayLike<unknown>, path: string): string | undefined {
  if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return `${path}[${i}]: ${show(a[i])} vs ${show(b[i])}`;
  }
  return undefined;
}

function same(a: unknown, b: unknown, path: string): string | undefined {
  return Object.is(a, b) ? undefined : `${path}: ${show(a)} vs ${show(b)}`;
}

function name(object: object): string {
  const proto = Object.getPrototypeOf(object) as { constructor?: { name?: string } } | null;
  return proto === null ? 'null' : (proto.constructor?.name ?? '?');
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (Object.is(value, -0)) return '-0';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
