/**
 * The live dashboard: one HTTP server per process, showing every run started
 * with a dashboard, one run at a time. It serves the page's own files (shipped
 * in ./assets: the page works with no network) and pushes a run's progress as
 * server-sent events, at most once per `updateIntervalMs` however fast it goes.
 *
 * Its JSON, by run (runs are numbered from 1 in the order they started; `run=N`
 * picks one, and without it each answers for the latest run):
 *
 *   /api/events[?run=N]  server-sent events: `full`, then `update`s (BoardMessage).
 *                        Without `run` the stream follows the latest run: when a
 *                        newer one starts it sends that run's `full`. With `run` it
 *                        stays on run N; a run not kept (or no longer: the board
 *                        keeps the latest RUNS_KEEP) is followed as without `run`.
 *                        Each message's `run` says which run it shows.
 *   /api/state[?run=N]   that run's full message, once.
 *   /api/graph.svg[?run=N]  that run's picture, coloured by the messages' `graph`.
 *   /api/task?cid=C[&run=N]  a task of that run (without `run`: of the latest run
 *                        that knows of it).
 *
 * A `run` the board does not keep answers 404, except on /api/events.
 *
 * It is read-only by construction: it answers GET and HEAD only, and no route
 * reaches the run. Bound to loopback (the default), it also refuses requests
 * whose Host is not a loopback name, so a web page elsewhere cannot read it by
 * pointing a DNS name at 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Delayed } from '../graph/delayed.js';
import type { Run } from '../run.js';
import { FILL } from '../visualize/styles.js';
import { Board, RUNS_KEEP, type BoardMessage } from './board.js';

export interface DashboardOptions {
  /**
   * The port to listen on; 0 picks a free one. If the port is taken, a free one
   * is used instead, with a warning.
   * @default 8787
   */
  port?: number;
  /**
   * The address to listen on. Anything but loopback makes the dashboard
   * reachable from other machines, and prints a warning.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * The least time between two updates pushed to a page.
   * @default 250
   */
  updateIntervalMs?: number;
  /**
   * When the program has nothing left to do, keep serving the page (until
   * interrupted) instead of exiting, so that a short run can still be looked at.
   * @default false
   */
  keepOpen?: boolean;
}

export type ResolvedDashboardOptions = Required<DashboardOptions>;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

const HEADERS = {
  // Everything the page uses comes from this server: no CDN, no inline script.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

let server: DashboardServer | undefined;

/** Show `run` on this process's dashboard, starting the server on first use; resolves to the page's address. */
/** The first run's options decide where it listens; later runs join the same page. */
export function showOnDashboard(run: Run<unknown[]>, targets: readonly Delayed<unknown>[], options: ResolvedDashboardOptions): Promise<string> {
  let current: DashboardServer;
  try {
    current = server ??= new DashboardServer(options);
    current.show(run, targets);
  } catch (error) {
    return Promise.reject(error as Error); // the run goes on without it
  }
  // One that could not listen is dropped, so that a later run tries again.
  current.url.catch(() => {
    if (server === current) server = undefined;
  });
  return current.url;
}

/** Stop the dashboard server, if one runs, unless it was asked to stay open (`keepOpen`) and `force` is not set. */
export async function closeDashboard(force = false): Promise<void> {
  const current = server;
  if (!current || (current.keepOpen && !force)) return;
  server = undefined;
  await current.close();
}

class DashboardServer {
  readonly url: Promise<string>;
  get keepOpen(): boolean {
    return this.#options.keepOpen;
  }

  readonly #http: Server;
  readonly #options: ResolvedDashboardOptions;
  readonly #assets = new Map<string, Buffer>();
  /** Each page's stream: the run it asked for (none: the latest), and the run it was last sent. */
  readonly #clients = new Map<ServerResponse, { asked: number | undefined; showing: number }>();
  readonly #timer: NodeJS.Timeout;
  readonly #board = new Board();
  #origins = new Set<string>();

  constructor(options: ResolvedDashboardOptions) {
    this.#options = options;
    for (const { file } of Object.values(ASSETS)) {
      this.#assets.set(file, readFileSync(new URL(`./assets/${file}`, import.meta.url)));
    }
    const palette = Object.entries(FILL).map(([state, colour]) => `--${state}: ${colour};`);
    this.#assets.set('app.css', Buffer.concat([Buffer.from(`:root { ${palette.join(' ')} }\n`), this.#assets.get('app.css')!]));
    this.#http = createServer((request, response) => this.#answer(request, response));
    // The dashboard watches a program; it must never be what keeps it alive.
    this.#http.on('connection', (socket) => socket.unref());
    this.#http.unref();
    this.url = this.#listen();
    this.url.catch(() => undefined);
    this.#timer = setInterval(() => this.#push(), options.updateIntervalMs);
    this.#timer.unref();
    if (options.keepOpen) process.once('beforeExit', () => this.#stayOpen());
  }

  #stayOpen(): void {
    if (!this.#http.listening) return;
    this.#push();
    this.#http.ref();
    // Interrupted, it closes and the program ends as it would have: exit handlers run.
    // Under `memograph run` a terminal's Ctrl-C comes twice at once (from the terminal and
    // passed on by the command): the repeat is the same request, not a second, harder one.
    // The repeat may come after the close has finished, on a busy machine, so the handler
    // stays a second longer (unreferenced: it keeps nothing alive) before Ctrl-C means Ctrl-C again.
    let closing: Promise<void> | undefined;
    const interrupted = () => {
      closing ??= this.close().finally(() => setTimeout(() => process.off('SIGINT', interrupted), 1000).unref());
    };
    process.on('SIGINT', interrupted);
    void this.url.then((url) => process.stderr.write(`memograph: the work is done; the dashboard stays at ${url} until interrupted (Ctrl-C)\n`));
  }

  show(run: Run<unknown[]>, targets: readonly Delayed<unknown>[]): void {
    this.#board.watch(run, targets, () => this.#push());
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const client of this.#clients.keys()) client.end();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  async #listen(): Promise<string> {
    const { host, port } = this.#options;
    const listen = (at: number) =>
      new Promise<void>((resolve, reject) => {
        this.#http.once('error', reject);
        this.#http.listen(at, host, () => {
          this.#http.off('error', reject);
          resolve();
        });
      });
    try {
      await listen(port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      process.emitWarning(`memograph: dashboard port ${port} is in use; using a free port instead`);
      await listen(0);
    }
    const address = this.#http.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${shownHost}:${address.port}/`;
    this.#origins = new Set([...LOOPBACK].map((name) => `${name.includes(':') ? `[${name}]` : name}:${address.port}`));
    if (!LOOPBACK.has(host)) {
      process.emitWarning(
        `memograph: the dashboard listens on ${host}:${address.port}, reachable from other machines; ` +
          'it shows function names, CIDs and error messages to anyone who can connect',
      );
    }
    process.stderr.write(`memograph: dashboard at ${url}\n`);
    return url;
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('The dashboard is read-only.\n');
      return;
    }
    if (LOOPBACK.has(this.#options.host) && !this.#origins.has(request.headers.host ?? '')) {
      response.writeHead(421, { ...HEADERS, 'content-type': 'text/plain' }).end('Unknown host: open the dashboard at the address memograph printed.\n');
      return;
    }
    const { pathname: path, searchParams } = new URL(request.url ?? '/', 'http://dashboard');
    const asset = ASSETS[path === '/index.html' ? '/' : path];
    if (asset) return void response.writeHead(200, { ...HEADERS, 'content-type': asset.type }).end(this.#assets.get(asset.file));
    const asked = searchParams.get('run');
    const run = asked === null ? undefined : /^[1-9]\d*$/.test(asked) ? Number(asked) : NaN;
    if (path === '/api/events') return this.#subscribe(request, response, run);
    if (run !== undefined && !this.#board.has(run)) return this.#notFound(response, `No run ${asked} is kept: the dashboard keeps the latest ${RUNS_KEEP} runs.`);
    if (path === '/api/state') return this.#json(response, this.#board.full(run));
    if (path === '/api/graph.svg') {
      const svg = this.#board.graphOf(run ?? this.#board.latest)?.svg() ?? '<svg xmlns="http://www.w3.org/2000/svg"/>';
      return void response.writeHead(200, { ...HEADERS, 'content-type': 'image/svg+xml' }).end(svg);
    }
    if (path === '/api/task') {
      const task = this.#board.task(searchParams.get('cid') ?? '', run);
      if (task) return this.#json(response, task);
    }
    this.#notFound(response, `Not found: ${path}`);
  }

  #notFound(response: ServerResponse, text: string): void {
    response.writeHead(404, { ...HEADERS, 'content-type': 'text/plain' }).end(`${text}\n`);
  }

  #json(response: ServerResponse, body: unknown): void {
    response.writeHead(200, { ...HEADERS, 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  #subscribe(request: IncomingMessage, response: ServerResponse, asked: number | undefined): void {
    response.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    // Whatever finished before this page came is in its full picture: send it to the
    // pages already here first, so that nobody gets a task twice or misses one.
    this.#push();
    const client = { asked, showing: 0 };
    client.showing = this.#runFor(client);
    this.#clients.set(response, client);
    this.#send(response, 'full', this.#board.full(client.showing));
    request.once('close', () => this.#clients.delete(response));
  }

  /** The run a page is to be shown: the one it asked for while the board keeps it, else the latest. */
  #runFor(client: { asked: number | undefined }): number {
    return client.asked !== undefined && this.#board.has(client.asked) ? client.asked : this.#board.latest;
  }

  #push(): void {
    if (!this.#board.dirty) return;
    // With no page open, nothing is built: watching costs the run only its events.
    if (this.#clients.size === 0) return this.#board.discard();
    // A page that stays on its run gets what changed; one whose run changed (a newer run
    // started, or its run was let go) gets the new run's full picture, built once the
    // updates have taken what was new, so that it holds everything.
    const staying = new Set<number>();
    for (const client of this.#clients.values()) if (this.#runFor(client) === client.showing) staying.add(client.showing);
    const updates = this.#board.updates(staying);
    const fulls = new Map<number, BoardMessage>();
    for (const [response, client] of this.#clients) {
      const run = this.#runFor(client);
      const update = run === client.showing ? updates.get(run) : undefined;
      if (update) this.#send(response, 'update', update);
      else {
        let full = fulls.get(run);
        if (!full) fulls.set(run, (full = this.#board.full(run)));
        client.showing = run;
        this.#send(response, 'full', full);
      }
    }
  }

  #send(client: ServerResponse, kind: 'full' | 'update', message: BoardMessage): void {
    client.write(`event: ${kind}\ndata: ${JSON.stringify(message)}\n\n`);
  }
}
