/**
 * The README's TypeScript blocks, as a reader takes them. A block is either complete
 * (it type-checks as a file of its own and runs, with its own cache), or a fragment
 * that says so on its first line, `// examples/<file>` (and `(abridged)` when lines are
 * left out): then every line of code in it is a line of that file, which the examples
 * test runs and the typecheck covers. So the README cannot drift from code that works.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the checkout, so that `memograph` resolves as it does for the examples (tsconfig paths).
const blocksDir = join(root, 'test-artifacts', 'readme');
const caches = tempDir();
afterAll(() => {
  caches.remove();
  rmSync(blocksDir, { recursive: true, force: true });
});

interface Block {
  readonly line: number;
  readonly code: string;
}

function typeScriptBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // A block may be indented under a list item; its lines are, as deep.
    const fence = /^( *)```ts$/.exec(lines[i]!);
    if (!fence) continue;
    const indent = fence[1]!;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1] !== `${indent}\`\`\``) i++;
    blocks.push({ line: start + 1, code: lines.slice(start, i + 1).map((line) => line.slice(indent.length)).join('\n') });
    i++;
  }
  return blocks;
}

const FRAGMENT = /^\/\/ (examples\/\S+\.ts)( \(abridged\))?$/;

/** A line as code: trimmed, without a trailing `// comment`. */
const codeOf = (line: string) => line.replace(/\s+\/\/\s.*$/, '').trim();

const blocks = typeScriptBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const fragments = blocks.filter((block) => FRAGMENT.test(block.code.split('\n')[0]!));
const complete = blocks.filter((block) => !fragments.includes(block));

describe('the README', () => {
  it('has TypeScript blocks of both kinds', () => {
    expect(complete.length).toBeGreaterThan(3);
    expect(fragments.length).toBeGreaterThan(0);
  });

  it('shows fragments whose every line of code is in the example file they name', () => {
    for (const block of fragments) {
      let file = '';
      let fileLines = new Set<string>();
      block.code.split('\n').forEach((line, k) => {
        const named = FRAGMENT.exec(line);
        if (named) {
          file = named[1]!;
          expect(existsSync(join(root, file)), `README.md:${block.line + k} names ${file}`).toBe(true);
          fileLines = new Set(readFileSync(join(root, file), 'utf8').split('\n').map(codeOf));
          return;
        }
        const code = codeOf(line);
        if (code === '' || code.startsWith('//') || code.includes('…')) return;
        expect(fileLines.has(code), `README.md:${block.line + k} is not a line of ${file}: ${code}`).toBe(true);
      });
    }
  });

  it('shows complete blocks that type-check', () => {
    mkdirSync(blocksDir, { recursive: true });
    const files = complete.map((block) => {
      const file = join(blocksDir, `block-${block.line}.ts`);
      writeFileSync(file, `${block.code}\n`);
      return file;
    });
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName.replace(`${blocksDir}/block-`, 'README block at line ').replace(/\.ts$/, '')}` : '';
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${where} (+${at}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });

  it('shows complete blocks that run', async () => {
    mkdirSync(blocksDir, { recursive: true });
    const failed: string[] = [];
    for (const block of complete) {
      const file = join(blocksDir, `block-${block.line}.ts`);
      writeFileSync(file, `${block.code}\n`);
      // In a directory of its own, as a reader would try it: its cache and any files it writes land there.
      const cwd = join(caches.path, `block-${block.line}`);
      mkdirSync(cwd, { recursive: true });
      const env: NodeJS.ProcessEnv = { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') };
      delete env.MEMOGRAPH_CACHE_DIR;
      const ran = await exec(process.execPath, ['--import', tsxLoader, file], { cwd, env }).then(
        () => 'ok',
        (error: { stderr?: string; message: string }) => `README.md:${block.line}: ${error.stderr?.trim().split('\n').slice(-6).join('\n') ?? error.message}`,
      );
      if (ran !== 'ok') failed.push(ran);
    }
    expect(failed).toEqual([]);
  });
});
