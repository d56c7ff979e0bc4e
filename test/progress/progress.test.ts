import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { delayed, shutdown, startRun, type Delayed } from '../../src/index.js';

afterAll(() => shutdown());

const step = delayed(
  async (previous: number) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    return previous + 1;
  },
  { mainThread: true, name: 'step' },
);

function chain(length: number, from: number): Delayed<number> {
  let node = step(from);
  for (let i = 1; i < length; i++) node = step(node);
  return node;
}

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('progress', () => {
  it('writes a plain line every interval when not on a terminal, and a last line at the end', async () => {
    const { stream, text } = capture(false);
    const run = startRun([chain(8, 0)], { cache: false, progress: { stream, interactive: false, plainIntervalSeconds: 0.05 } });
    expect(await run.result).toEqual([8]);
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => line.startsWith('[memograph] '))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\[memograph\] 8\/8 done \(100%\) \| cached 0 \| running 0 \| failed 0 \| \d+\.\ds$/);
    // Nothing before the run knows its size.
    expect(text()).not.toMatch(/ 0\/0 /);
  });

  it('draws a live bar on a terminal, ending at done of total', async () => {
    const { stream, text } = capture(true);
    const run = startRun([chain(5, 100)], { cache: false, progress: { stream, interactive: true } });
    await run.result;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const out = text();
    expect(out).toContain('5/5 (100%) | cached 0 | running 0 | failed 0');
    expect(out).not.toContain('0/0');
    expect(out).toMatch(/\u001b\[/); // it redraws in place with terminal escapes
  });
});

/** What a terminal shows after `output`: carriage returns, line clears, rows up and newlines applied. */
function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let column = 0;
  const text = output.replace(/\u001b\[\?25[hl]/g, '').replace(/\r\n/g, '\n');
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('\u001b[2K', i)) {
      lines[row] = '';
      i += 3;
    } else if (text.startsWith('\u001b[1A', i)) {
      row = Math.max(0, row - 1);
      i += 3;
    } else if (text[i] === '\r') column = 0;
    else if (text[i] === '\n') {
      row++;
      if (row === lines.length) lines.push('');
      column = 0;
    } else {
      const line = lines[row]!;
      lines[row] = line.slice(0, column) + text[i] + line.slice(column + 1);
      column++;
    }
  }
  return lines;
}

describe('progress on a real terminal', () => {
  it('keeps its line below the script’s own output and the dashboard’s address, never through them', async (context) => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { existsSync } = await import('node:fs');
    if (!existsSync('/usr/bin/script')) {
      context.skip('needs util-linux `script` for a pseudo-terminal');
      return;
    }
    const command = `${process.execPath} --import tsx test/fixtures/progress-terminal-script.ts`;
    const env: NodeJS.ProcessEnv = { ...process.env, COLUMNS: '200' };
    delete env.CI;
    const { stdout } = await promisify(execFile)('/usr/bin/script', ['-qfec', command, '/dev/null'], { env, maxBuffer: 16 * 2 ** 20 });
    const shown = screen(stdout).filter((line) => line.trim() !== '');
    const said = shown.filter((line) => line.includes('script says'));
    expect(said.length).toBeGreaterThan(3);
    expect(said.filter((line) => !/^script says: (still here|sum 66)$/.test(line))).toEqual([]);
    expect(shown.filter((line) => line.includes('dashboard at'))).toEqual([expect.stringMatching(/^memograph: dashboard at http:\/\/127\.0\.0\.1:\d+\/$/)]);
    // The progress line, once, at the bottom of what was shown, with percent and what ran.
    const bars = shown.filter((line) => line.includes('█') || line.includes('░'));
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatch(/13\/13 \(100%\) \| cached 0 \| running 0 \| failed 0 \| \d+\.\ds$/);
    expect(stdout).not.toContain(' 0/0 ');
    expect(stdout).toMatch(/running [1-9]\d*: step/);
  });
});

describe('the bottom line', () => {
  it('leaves a stream as it was once every line on it has ended, whatever order they end in', async () => {
    const { BottomLine } = await import('../../src/progress/bottom-line.js');
    for (const firstToEnd of ['first', 'second'] as const) {
      const { stream, text } = capture(true);
      const first = new BottomLine(stream, []);
      first.draw('first run 1/2');
      const second = new BottomLine(stream, []);
      second.draw('second run 1/3');
      const lines = { first, second };
      lines[firstToEnd].end();
      lines[firstToEnd === 'first' ? 'second' : 'first'].end();
      await new Promise((resolve) => setImmediate(resolve));
      const before = text().length;
      stream.write('after both\n');
      await new Promise((resolve) => setImmediate(resolve));
      expect(text().slice(before), firstToEnd).toBe('after both\n');
    }
  });

  it('keeps a line of several rows together, below other output, redrawn in place', async () => {
    const { BottomLine } = await import('../../src/progress/bottom-line.js');
    const { stream, text } = capture(true);
    const bottom = new BottomLine(stream, []);
    bottom.draw(['cluster: 1 worker (host-a 2 slots), 0 tasks of this run on them', 'bar 1/3']);
    bottom.draw(['cluster: 2 workers (host-a 4 slots), 1 task of this run on them', 'bar 2/3']);
    stream.write('said by the script\n');
    bottom.draw('bar alone 3/3');
    bottom.draw(['cluster: 2 workers (host-a 4 slots), 3 tasks of this run on them', 'bar 3/3']);
    bottom.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(screen(text())).toEqual(['said by the script', 'cluster: 2 workers (host-a 4 slots), 3 tasks of this run on them', 'bar 3/3', '']);
  });
});

describe('the cluster line', () => {
  const worker = (id: string, host: string, slots: number, thisRun: number, live = true) => ({
    id, host, pid: 1, slots, tasks: thisRun, busyMs: 0, live, thisRun: { tasks: thisRun, busyMs: 0 }, threads: [],
  });

  it("names each machine once with its workers' slots added up, and the run's tasks on them", async () => {
    const { clusterLine } = await import('../../src/progress/cluster-line.js');
    expect(clusterLine([worker('a', 'host-a', 8, 100), worker('b', 'host-b', 8, 23)])).toBe('cluster: 2 workers (host-a 8 slots, host-b 8 slots), 123 tasks of this run on them');
    expect(clusterLine([worker('a', 'host-a', 2, 1), worker('b', 'host-a', 2, 0), worker('c', 'host-b', 1, 4, false)])).toBe(
      'cluster: 2 workers (host-a 4 slots; 1 gone), 5 tasks of this run on them',
    );
    const many = ['h1', 'h2', 'h3', 'h4', 'h5'].map((host) => worker(host, host, 1, 1));
    expect(clusterLine(many)).toBe('cluster: 5 workers (h1 1 slot, h2 1 slot, h3 1 slot, +2 more), 5 tasks of this run on them');
    expect(clusterLine([])).toBe('cluster: no live workers (batches wait for one)');
  });
});
