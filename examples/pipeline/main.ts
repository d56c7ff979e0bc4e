// A data pipeline over files: prepare → analyse → report.
//
//   prepare   an external program (node prepare.mjs) cleans readings.csv into clean.csv
//   count     a standard tool (wc -l) counts the clean rows
//   analyse   a TypeScript step on a worker thread reads clean.csv and computes statistics
//   report    a TypeScript step renders them as Markdown, written to out/report.md
//
// Run it twice: the second run finds the report in the cache and runs nothing. Edit
// readings.csv or prepare.mjs and only the steps downstream of the edit run again.
//
//   npx tsx examples/pipeline/main.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { command, delayed, file, shutdown, startRun, type CommandResult } from 'memograph';

// Paths relative to the working directory keep the cache valid wherever the project lives.
const here = relative(process.cwd(), fileURLToPath(new URL('.', import.meta.url))) || '.';
const out = join(here, 'out');

const prepare = command(['node', file(join(here, 'prepare.mjs')), file(join(here, 'readings.csv')), 'clean.csv'], {
  cwd: out,
  outputs: ['clean.csv'],
  name: 'prepare',
  replay: true, // its "kept N of M rows" note is shown again whenever its cached result is used
});

const count = command(['wc', '-l', prepare.output()], { cwd: out, name: 'count' });

/** Per-sensor mean, min and max of the clean readings. */
const analyse = delayed(async function analyse(prepared: CommandResult) {
  // A worker runs this function from its source alone, so it imports what it uses itself.
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(prepared.outputs['clean.csv']!.path, 'utf8');
  const bySensor: Record<string, number[]> = {};
  for (const line of text.trim().split('\n').slice(1)) {
    const [sensor, , celsius] = line.split(',');
    (bySensor[sensor!] ??= []).push(Number(celsius));
  }
  return Object.entries(bySensor).map(([sensor, xs]) => ({
    sensor,
    n: xs.length,
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    min: Math.min(...xs),
    max: Math.max(...xs),
  }));
});

const report = delayed(function report(stats: { sensor: string; n: number; mean: number; min: number; max: number }[], counted: CommandResult) {
  const lines = Number(counted.stdout.trim().split(/\s+/)[0]);
  const rows = stats.map((s) => `| ${s.sensor} | ${s.n} | ${s.mean.toFixed(2)} | ${s.min} | ${s.max} |`);
  return [
    '# Sensor report',
    '',
    `${lines - 1} clean readings.`,
    '',
    '| sensor | n | mean °C | min | max |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
});

const target = report(analyse(prepare), count);
const run = startRun([target]);
const [markdown] = await run.result;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'report.md'), markdown);
console.log(markdown);
const { total, executed, cached } = run.counts;
console.log(`${total} node(s) looked at: ${executed} executed, ${cached} from the cache`);
await shutdown();
