/**
 * The code manifest of a function, by where it runs:
 *
 * - a module function (`{ module }`): the slice of its module's closure that
 *   the export can reach (module-manifest.ts);
 * - a main-thread function: the values it captures and the globals it reads,
 *   functions among them identified recursively (closure-manifest.ts);
 * - a self-contained function: the environment variables and literal
 *   `import()`s of its own source (source-manifest.ts).
 *
 * The graph layer calls this once per `delayed()`; a `version` replaces it.
 */
import { analyzeFunction } from '../hash/function-source.js';
import { closureManifest } from './closure-manifest.js';
import { ManifestBuilder, type CodeManifest } from './manifest.js';
import { moduleManifest } from './module-manifest.js';
import { addSourceEntries } from './source-manifest.js';

export type ManifestPlacement =
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string }
  | { readonly kind: 'main' }
  | { readonly kind: 'source' };

export interface ManifestRequest {
  readonly fn: Function;
  readonly name: string;
  readonly placement: ManifestPlacement;
  /** Environment variables the function declares it reads (`env` option). */
  readonly env?: readonly string[];
}

export function codeManifest(request: ManifestRequest): CodeManifest | undefined {
  const { fn, name, placement, env } = request;
  switch (placement.kind) {
    case 'module':
      return moduleManifest({ ...request, placement });
    case 'main':
      return closureManifest(fn, name, env);
    case 'source': {
      const builder = new ManifestBuilder();
      addSourceEntries(analyzeFunction(fn), { name, env, where: 'worker' }, builder);
      return builder.build();
    }
  }
}
