/**
 * Entries a function's own source calls for wherever it runs: the values of
 * the environment variables it reads and the modules it imports with a
 * literal `import('…')` (docs/hash-format.md, "Captured values, globals,
 * environment and imports of a function's source").
 *
 * What cannot be known from the source is refused, naming the function: a
 * read of `process.env` by a computed key (unless the function declares its
 * variables with `env`), a computed `import(x)`, and a relative import (a
 * worker evaluates the source with no module URL to resolve it against).
 * A `version` replaces all of this, so it is never asked for then.
 */
import { isBuiltin } from 'node:module';
import { environmentHash } from './environment.js';
import { UnhashableError } from '../errors.js';
import type { FunctionAnalysis } from '../hash/function-source.js';
import type { ManifestBuilder } from './manifest.js';
import { packageOfSpecifier } from './package-of.js';

export interface SourceEntryOptions {
  /** The function's name, for messages. */
  readonly name: string;
  /** Environment variables the function declares it reads (`env` option). */
  readonly env?: readonly string[];
  /** Where it runs: only a worker cannot resolve a relative import at all. */
  readonly where: 'worker' | 'main';
}

export function addSourceEntries(analysis: FunctionAnalysis, options: SourceEntryOptions, builder: ManifestBuilder): void {
  const { envNames, envDynamic, imports, computedImport } = analysis.reads;
  const subject = `function \`${options.name}\``;
  const versionHint = 'or pass { version: "…" } to identify the function yourself';
  if (envDynamic !== undefined && options.env === undefined) {
    throw new UnhashableError(
      subject,
      `it ${envDynamic}, so which environment variables its result depends on cannot be read from its source`,
      `Declare them with { env: ["NAME", …] }, ${versionHint}`,
    );
  }
  for (const name of new Set([...envNames, ...(options.env ?? [])])) {
    // An unset variable is not an empty one (see environment.ts).
    builder.add('env', '', name, environmentHash(name));
  }
  if (computedImport) {
    throw new UnhashableError(subject, 'it has an `import(…)` with a computed specifier, whose code cannot be known', `Import a literal specifier, ${versionHint}`);
  }
  for (const specifier of imports) addImport(specifier, subject, options, builder);
}

function addImport(specifier: string, subject: string, options: SourceEntryOptions, builder: ManifestBuilder): void {
  if (isBuiltin(specifier)) {
    builder.add('builtin', specifier.startsWith('node:') ? specifier : `node:${specifier}`, '', '');
    return;
  }
  if (/^(\.{1,2}(\/|$)|\/|file:)/.test(specifier)) {
    throw new UnhashableError(
      subject,
      `it imports \`${specifier}\`, a file whose code would not be part of its identity`,
      options.where === 'worker'
        ? 'A worker evaluates the source with no module URL, so the import cannot work there either: export the function from a module and pass { module: import.meta.url }'
        : `Export the function from a module and pass { module: import.meta.url }, or pass { version: "…" } to identify the function yourself`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) {
    throw new UnhashableError(subject, `it imports \`${specifier}\`, which is not a package or a node: module`, `Pass { version: "…" } to identify the function yourself`);
  }
  const facts = packageOfSpecifier(specifier, process.cwd());
  builder.add('package', facts.name, facts.version, facts.integrity);
}
