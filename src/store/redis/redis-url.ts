/**
 * Where a Redis is, as a user writes it: `redis://[user:password@]host[:port][/db]`,
 * `rediss://…` for TLS, or `unix:///path/to/redis.sock[?password=…&db=…]` for a socket
 * on this machine. Checked before anything connects, so a typo is an error that names
 * the URL (its password hidden), not a hang while a client retries.
 */
import type { RedisOptions } from 'ioredis';
import { InvalidArgumentError } from '../../errors.js';

export interface RedisAddress {
  readonly options: RedisOptions;
  /** The URL without its password, for messages. */
  readonly shown: string;
  /** The server is on this machine (a socket or a loopback address). */
  readonly local: boolean;
  readonly authenticated: boolean;
}

/**
 * A Redis that blinks (a restart, a failover) is waited for, a few seconds; one that is
 * gone fails the commands waiting on it, and the run with them, instead of retrying for
 * ever. A command without a reply in COMMAND_TIMEOUT_MS (a frozen server) fails too.
 */
const RECONNECT_ATTEMPTS = 8;
const COMMAND_TIMEOUT_MS = 30_000;
const FAILING_FAST: RedisOptions = {
  maxRetriesPerRequest: 2,
  commandTimeout: COMMAND_TIMEOUT_MS,
  retryStrategy: (attempt) => (attempt > RECONNECT_ATTEMPTS ? null : Math.min(100 * 2 ** (attempt - 1), 3000)),
};

export function parseRedisUrl(url: string, optionName = '`redis`'): RedisAddress {
  if (typeof url !== 'string' || url === '') {
    throw new InvalidArgumentError(`Expected ${optionName} to be a Redis URL (redis://host:6379, rediss://…, unix:///path/to/redis.sock), got \`${String(url)}\``);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`Expected ${optionName} to be a Redis URL (redis://host:6379, rediss://…, unix:///path/to/redis.sock), got \`${hidePassword(url)}\``);
  }
  const shown = hidePassword(url);
  const bad = (why: string) => new InvalidArgumentError(`${optionName} ${shown}: ${why}`);
  const db = parsed.protocol === 'unix:' ? parsed.searchParams.get('db') ?? '0' : parsed.pathname.replace(/^\//, '') || '0';
  if (!/^\d+$/.test(db)) throw bad(`the database must be a number, got \`${db}\``);
  const username = decodeURIComponent(parsed.protocol === 'unix:' ? parsed.searchParams.get('user') ?? '' : parsed.username) || undefined;
  const password = (parsed.protocol === 'unix:' ? parsed.searchParams.get('password') ?? '' : decodeURIComponent(parsed.password)) || undefined;
  const common: RedisOptions = { db: Number(db), username, password, lazyConnect: true, ...FAILING_FAST };
  if (parsed.protocol === 'unix:') {
    if (parsed.pathname === '' || parsed.pathname === '/') throw bad('give the socket\'s path: unix:///path/to/redis.sock');
    return { options: { ...common, path: decodeURIComponent(parsed.pathname) }, shown, local: true, authenticated: password !== undefined };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw bad(`unknown scheme \`${parsed.protocol}\` (redis:, rediss: or unix:)`);
  if (parsed.hostname === '') throw bad('give the host: redis://host:6379');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const tls = parsed.protocol === 'rediss:' ? { servername: host } : undefined;
  const local = host === 'localhost' || host === '::1' || /^127\./.test(host);
  return { options: { ...common, host, port, ...(tls && { tls }) }, shown, local, authenticated: password !== undefined };
}

function hidePassword(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@').replace(/([?&]password=)[^&]*/, '$1***');
}
