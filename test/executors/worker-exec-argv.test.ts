import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { withoutTypeScriptLoader } from '../../src/executors/worker-exec-argv.js';
import { root } from '../cli/run-cli.js';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

describe('the options worker threads start with', () => {
  it('leave out tsx, however it was preloaded, and keep every other option', () => {
    expect(withoutTypeScriptLoader(['--import', 'tsx'])).toEqual([]);
    expect(withoutTypeScriptLoader(['--import=tsx', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(withoutTypeScriptLoader(['--require', '/x/node_modules/tsx/dist/preflight.cjs', '--import', tsxLoader])).toEqual([]);
    expect(withoutTypeScriptLoader(['--loader', 'tsx/esm', '--conditions', 'dev'])).toEqual(['--conditions', 'dev']);
    expect(withoutTypeScriptLoader(['--import', './instrument.mjs', '--import', 'tsx'])).toEqual(['--import', './instrument.mjs']);
  });

  it('are inherited unchanged when there is no tsx to leave out', () => {
    expect(withoutTypeScriptLoader([])).toBeUndefined();
    expect(withoutTypeScriptLoader(['--expose-gc', '--import', './tsx-like.mjs'])).toBeUndefined();
  });
});

interface Printed {
  main: string[];
  worker: string[];
  shouted: string;
}

/** The fixture, run with the built package as a user's TypeScript script is. */
function runScript(command: string[]): Promise<Printed> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...command, 'test/fixtures/worker-argv-script.ts'], { cwd: root }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Printed),
    );
  });
}

describe('worker threads of a script run under tsx', () => {
  it('start without tsx, and still run a task whose function is in a TypeScript module', async () => {
    const printed = await runScript(['--import', tsxLoader]);
    expect(printed.main).toContain(tsxLoader);
    expect(printed.worker).toEqual([]);
    expect(printed.shouted).toBe('TYPESCRIPT!');
  });

  it('the same under the tsx command', async () => {
    const printed = await runScript([tsxCli]);
    expect(printed.main.some((arg) => arg.includes('tsx'))).toBe(true);
    expect(printed.worker).toEqual([]);
    expect(printed.shouted).toBe('TYPESCRIPT!');
  });

  it('inherit everything when a V8 flag, which a worker cannot be given, is among the options', async () => {
    const printed = await runScript(['--expose-gc', '--import', tsxLoader]);
    expect(printed.worker).toEqual(printed.main);
    expect(printed.shouted).toBe('TYPESCRIPT!');
  });

  it('keep the options that are not tsx', async () => {
    const printed = await runScript(['--enable-source-maps', '--import', tsxLoader]);
    expect(printed.worker).toEqual(['--enable-source-maps']);
    expect(printed.shouted).toBe('TYPESCRIPT!');
  });
});
