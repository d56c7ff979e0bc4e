#!/usr/bin/env node
/**
 * The `memograph` command. Exit codes: 0 ok, 1 task failures or a failed
 * command, 2 a usage problem. Errors go to stderr without a stack trace unless
 * --verbose; colours only on a terminal and never with NO_COLOR (picocolors).
 */
import { Command, CommanderError } from 'commander';
import { err as pc } from './colors.js';
import { InvalidArgumentError, ScriptError } from '../errors.js';
import { resolveCacheDir } from '../store/cache-dir.js';
import { parseRedisUrl } from '../store/redis/redis-url.js';
import { UsageProblem, cacheClear, cacheClearFunction, cacheList, cacheShow, cacheStats } from './cache-commands.js';
import { cacheRepair, cacheVerify } from './repair-command.js';
import { cacheGc, parseAge, parseSize } from './gc-command.js';
import { explain, renderExplained } from './explain-command.js';
import { graphPicture } from './graph-command.js';
import { listWorkers, runWorker, type WorkerCommandOptions } from './worker-command.js';
import { dashboardAddress, runScript, type RunCommandOptions } from './run-command.js';

/** The cache directory from --cache-dir or the environment; a blank one is a usage error (exit 2). */
function cliCacheDir(flag: string | undefined): string {
  try {
    return resolveCacheDir(flag, '--cache-dir');
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageProblem(error.message);
    throw error;
  }
}

/** Where the cache is: the --redis URL, checked, or else the directory as {@link cliCacheDir} finds it. */
function cliCache(options: { cacheDir?: string; redis?: string }): string {
  if (options.redis === undefined) return cliCacheDir(options.cacheDir);
  if (options.cacheDir !== undefined) throw new UsageProblem('Give --cache-dir or --redis, not both');
  try {
    parseRedisUrl(options.redis, '--redis');
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageProblem(error.message);
    throw error;
  }
  return options.redis;
}

const REDIS_HELP = 'use the cache in this Redis instead (redis://[:password@]host:port, rediss://… for TLS, unix:///path/to/redis.sock)';

const program = new Command('memograph')
  .description('A lazy, content-addressed computation engine: run scripts, look into the cache.')
  .option('--verbose', 'show stack traces of errors')
  .exitOverride();

program
  .command('run')
  .description('run a script (TypeScript or JavaScript) with progress, then summarise what ran and what came from the cache')
  .argument('<script>', 'the script to run')
  .argument('[args...]', 'arguments for the script (after --)')
  .option('--no-progress', 'do not show progress')
  .option('--dashboard', 'show the runs live in a web page (address printed at start)')
  .option('--dashboard-port <port>', 'the dashboard port (default 8787; 0: any free port); implies --dashboard')
  .option('--dashboard-host <address>', 'listen on this address instead of 127.0.0.1 (reachable from other machines: prints a warning); implies --dashboard')
  .option('--keep-dashboard', 'when the script is done, keep the dashboard open until interrupted (Ctrl-C); implies --dashboard')
  .action(async (script: string, args: string[], options: RunCommandOptions) => {
    process.exitCode = await runScript(script, args, {
      progress: options.progress,
      dashboard: dashboardAddress(options),
      keepDashboard: options.keepDashboard ?? false,
    });
  });

program
  .command('graph')
  .description("draw the graph a script exports as default (Mermaid, DOT or SVG); with a cache, colour what it holds")
  .argument('<script>', 'a script whose default export is a Delayed (or an array of them)')
  .option('--format <format>', 'mermaid, dot or svg', 'mermaid')
  .option('--cache-dir <dir>', 'colour nodes the cache holds (default: $MEMOGRAPH_CACHE_DIR or ./.memograph, if present)')
  .option('--redis <url>', REDIS_HELP)
  .action(async (script: string, options: { format: string; cacheDir?: string; redis?: string }) => {
    if (!['mermaid', 'dot', 'svg'].includes(options.format)) {
      throw new UsageProblem(`Expected --format to be mermaid, dot or svg, got \`${options.format}\``);
    }
    const picture = await graphPicture(script, {
      format: options.format as 'mermaid' | 'dot' | 'svg',
      cacheDir: cliCache(options),
    });
    process.stdout.write(picture);
  });

program
  .command('explain')
  .description('for each node of the graph a script exports: would the next run serve it from the cache or run it, and why')
  .argument('<script>', 'a script whose default export is a Delayed (or an array of them)')
  .option('--cache-dir <dir>', 'the cache directory (default: $MEMOGRAPH_CACHE_DIR or ./.memograph)')
  .option('--redis <url>', REDIS_HELP)
  .option('--json', 'print JSON for scripts')
  .action(async (script: string, options: { cacheDir?: string; redis?: string; json?: boolean }) => {
    const rows = await explain(script, cliCache(options));
    if (options.json) console.log(JSON.stringify(rows, null, 2));
    else console.log(renderExplained(rows, new Map(rows.map((row) => [row.cid, row.name]))));
  });

program
  .command('worker')
  .description("take batches of tasks from a cluster's Redis and run them on this machine's threads, until interrupted")
  .requiredOption('--redis <url>', "the cluster's Redis (redis://:password@host:6379, rediss://…, unix:///path/to/redis.sock)")
  .option('--concurrency <n>', 'batches run at once, each on a thread of its own (default: the number of CPUs)')
  .option('--lock-ms <ms>', 'how long a batch stays this worker\'s without renewal: after it, a frozen worker\'s batch goes to another (default 10000)')
  .option('--insecure', 'take work from a Redis on another machine that has no password (whoever can write to it runs code here)')
  .action(async (options: WorkerCommandOptions) => {
    cliCache({ redis: options.redis });
    await runWorker(options);
  });

program
  .command('workers')
  .description("the live workers of a cluster: machine, pid, slots, tasks, batches, busy time")
  .requiredOption('--redis <url>', "the cluster's Redis")
  .option('--json', 'print JSON for scripts')
  .action(async (options: { redis: string; json?: boolean }) => {
    cliCache({ redis: options.redis });
    console.log(await listWorkers(options.redis, options.json ?? false));
  });

const cache = program
  .command('cache')
  .description('look into the cache directory (or the Redis store, with --redis)')
  .option('--cache-dir <dir>', 'the cache directory (default: $MEMOGRAPH_CACHE_DIR or ./.memograph)')
  .option('--redis <url>', REDIS_HELP)
  .option('--json', 'print JSON for scripts');

const cacheOptions = () => {
  const { cacheDir, redis, json } = cache.opts<{ cacheDir?: string; redis?: string; json?: boolean }>();
  return { cacheDir: cliCache({ cacheDir, redis }), json: json ?? false };
};
cache
  .command('stats')
  .description('entries, stored values and size, by function')
  .action(async () => console.log(await cacheStats(cacheOptions())));
cache
  .command('ls')
  .description('every entry: CID, function, size, age, compute time')
  .action(async () => console.log(await cacheList(cacheOptions())));
cache
  .command('show')
  .description("one entry's record and a preview of its value")
  .argument('<cid>', 'the call CID, or its start or end (the 8 characters other commands show)')
  .action(async (cid: string) => console.log(await cacheShow({ ...cacheOptions(), cid })));
cache
  .command('verify')
  .description('check every table, log and manifest file, every record and the bytes of every result and output file; exit 1 if anything is bad')
  .option('--repair', 'repair the store (as `cache repair` does) instead of only reporting')
  .action(async (options: { repair?: boolean }) => {
    if (options.repair) {
      console.log(await cacheRepair(cacheOptions()));
      return;
    }
    const { text, bad } = await cacheVerify(cacheOptions());
    console.log(text);
    if (bad > 0) process.exitCode = 1;
  });
cache
  .command('repair')
  .description('rebuild a damaged store from what can still be read (damaged originals go to lost/), and say what was lost')
  .action(async () => console.log(await cacheRepair(cacheOptions())));
cache
  .command('gc')
  .description('evict entries, least recently used first, until under --max-size; and any unused for --older-than')
  .option('--max-size <size>', 'keep the stored values under this size, e.g. 500MB or 2GB (1 GB = 10^9 bytes; GiB for 2^30)')
  .option('--older-than <age>', 'evict entries not used for this long, e.g. 30d, 12h or 90m')
  .option('--dry-run', 'list what would be evicted and freed; change nothing')
  .option('--yes', 'do not ask before evicting more than half the entries')
  .action(async (options: { maxSize?: string; olderThan?: string; dryRun?: boolean; yes?: boolean }) => {
    const maxSize = options.maxSize === undefined ? undefined : parseSize(options.maxSize, '--max-size');
    const olderThanMs = options.olderThan === undefined ? undefined : parseAge(options.olderThan, '--older-than');
    const { cacheDir, json } = cacheOptions();
    console.log(await cacheGc({ cacheDir, json, maxSize, olderThanMs, dryRun: options.dryRun ?? false, yes: options.yes ?? false }));
  });
cache
  .command('clear')
  .description("delete memograph's files in the cache directory, and the directory if nothing else is left (asks first unless --yes)")
  .option('--yes', 'do not ask')
  .option('--function <name>', "delete only this function's entries (the cache stays)")
  .action(async (options: { yes?: boolean; function?: string }) => {
    const common = { ...cacheOptions(), yes: options.yes ?? false };
    if (options.function === undefined) console.log(await cacheClear(common));
    else if (options.function.trim() === '') throw new UsageProblem('--function needs the name of a function');
    else console.log(await cacheClearFunction({ ...common, fn: options.function }));
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end here too, with code 0; everything else is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    if (error.code === 'commander.unknownOption' && process.argv.slice(2).find((arg) => !arg.startsWith('-')) === 'run') {
      process.stderr.write("memograph: a script's own arguments go after `--`: memograph run <script> -- <its arguments>\n");
    }
  } else {
    const verbose = program.opts<{ verbose?: boolean }>().verbose;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${pc.red('memograph:')} ${verbose && error instanceof Error ? error.stack : message}\n`);
    process.exitCode = error instanceof UsageProblem || error instanceof ScriptError ? 2 : 1;
  }
}
