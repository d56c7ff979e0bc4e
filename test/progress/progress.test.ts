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
    expect(lines.at(-1)).toMatch(/^\[memograph\] 8\/8 done \| cached 0 \| running 0 \| failed 0 \| \d+\.\ds$/);
  });

  it('draws a live bar on a terminal, ending at done of total', async () => {
    const { stream, text } = capture(true);
    const run = startRun([chain(5, 100)], { cache: false, progress: { stream, interactive: true } });
    await run.result;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const out = text();
    expect(out).toContain('5/5 | cached 0 | running 0 | failed 0');
    expect(out).toMatch(/\u001b\[/); // it redraws in place with terminal escapes
  });
});
