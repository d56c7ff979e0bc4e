/**
 * One fresh process of the `identity` scenario:
 *
 *   node --import tsx bench/identity-child.ts <entry file> <export name>
 *
 * Prints `{"first": ms, "warmUs": µs}` on stdout: the code manifest of the
 * export on first use in this process (the persistent cache as the caller left
 * it), then the same `delayed()`-time call again (median of many).
 */
import { codeManifest } from '../src/identity/code-manifest.js';
import { pathToFileURL } from 'node:url';

const [entry, exportName] = process.argv.slice(2) as [string, string];
// The manifest is read from disk; the function only names the export. Its
// module file is older than this process, so it is not compared with it.
const fn = function placeholder() {};
// memograph's own code reads environment variables by computed names (the identity
// layer hashes the ones a manifest lists): declared, as a user would declare theirs.
const request = { fn, name: exportName, placement: { kind: 'module' as const, url: pathToFileURL(entry).href, exportName }, env: ['MEMOGRAPH_CACHE_DIR'] };
const started = performance.now();
const manifest = codeManifest(request);
const first = performance.now() - started;
const warm: number[] = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  codeManifest(request);
  warm.push((performance.now() - t) * 1000);
}
warm.sort((a, b) => a - b);
const files = new Set(manifest!.entries.filter((e) => e[0] === 'code' || e[0] === 'module').map((e) => e[1])).size;
process.stdout.write(`${JSON.stringify({ first, warmUs: warm[100], entries: manifest!.entries.length, files })}\n`);
