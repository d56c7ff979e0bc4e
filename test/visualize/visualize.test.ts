import { afterAll, describe, expect, it } from 'vitest';
import { delayed, grid, InvalidArgumentError, shutdown, startRun, sweep, visualize, type Delayed } from '../../src/index.js';
import { FILL } from '../../src/visualize/styles.js';

afterAll(() => shutdown());

const load = delayed(function load(n: number) {
  return n;
});
const add = delayed(function add(a: number, b: number) {
  return a + b;
});
const boom = delayed(function boom(x: number): number {
  throw new Error(`boom ${x}`);
}, { mainThread: true });

const short = (d: Delayed<unknown>) => d.cid.slice(-8);

describe('visualize', () => {
  it('draws Mermaid: a node per call, labelled with name and short CID, edges from inputs to dependents', () => {
    const a = load(1);
    const b = load(2);
    const top = add(a, b);
    expect(visualize(top)).toBe(
      [
        'flowchart TB',
        `  n0["add ${short(top)}"]:::unknown`,
        `  n1["load ${short(b)}"]:::unknown`,
        `  n2["load ${short(a)}"]:::unknown`,
        // Edges of a node follow its arguments' order: load(1) first.
        '  n2 --> n0',
        '  n1 --> n0',
        '  classDef unknown fill:#ffffff,stroke:#555555',
        '',
      ].join('\n'),
    );
  });

  it('draws Graphviz DOT with the same nodes and edges', () => {
    const a = load(3);
    const top = add(a, a);
    expect(visualize(top, { format: 'dot' })).toBe(
      [
        'digraph memograph {',
        '  rankdir=TB;',
        '  node [shape=box, style="rounded,filled", color="#555555", fontname="Helvetica"];',
        `  "${top.cid}" [label="add ${short(top)}", fillcolor="#ffffff"];`,
        `  "${a.cid}" [label="load ${short(a)}", fillcolor="#ffffff"];`,
        `  "${a.cid}" -> "${top.cid}";`,
        '}',
        '',
      ].join('\n'),
    );
  });

  it('colours nodes by their state after a run: ran, from the cache, failed, skipped', async () => {
    const ok = add(load(10), load(11));
    const failing = add(boom(1), load(12));
    const run = startRun([ok, failing], { cache: false, onFailure: 'continue' });
    await run.settled;
    const mermaid = visualize([ok, failing], { snapshot: run.snapshot() });
    expect(mermaid).toContain(`["boom ${short(boom(1))}"]:::failed`);
    expect(mermaid).toContain(`["add ${short(failing)}"]:::skipped`);
    expect(mermaid).toContain(`["add ${short(ok)}"]:::done`);
    expect(mermaid).toContain('classDef failed fill:#f4a6a6');

    const svg = visualize([ok, failing], { format: 'svg', snapshot: run.snapshot() });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<g class="node /g)).toHaveLength(6);
    expect(svg.match(/<path class="edge"/g)).toHaveLength(4);
    expect(svg).toContain(`<g class="node failed" data-id="${boom(1).cid}"><title>`);
    expect(svg).toContain('fill="#f4a6a6"');
  });

  it('has a legend for the colours a run gave it, and tells what will run from what was not looked at', async () => {
    const ok = add(load(20), load(21));
    const failing = add(boom(2), load(22));
    const run = startRun([ok, failing], { cache: false, onFailure: 'continue' });
    await run.settled;
    const svg = visualize([ok, failing], { format: 'svg', snapshot: run.snapshot() });
    const legend = /<g class="legend">(.*)<\/g>/.exec(svg)?.[1] ?? '';
    expect([...legend.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['ran', 'failed', 'skipped (an input failed)']);
    // Drawn while a run is under way, or below a cached node: each state its own colour.
    const fills = new Set(['done', 'cached', 'failed', 'skipped', 'running', 'ready', 'waiting', 'unknown'].map((state) => FILL[state as keyof typeof FILL]));
    expect(fills.size).toBe(8);
    expect(FILL.waiting).not.toBe(FILL.unknown);
    // A plain picture, with no run behind it, has nothing to explain.
    expect(visualize(ok, { format: 'svg' })).not.toContain('class="legend"');
  });

  it('lays out many calls side by side left to right when that fits a page better', () => {
    const step = delayed(function step(i: number) {
      return i;
    });
    const report = delayed(function report(...xs: number[]) {
      return xs.length;
    });
    const svg = visualize(report(...Array.from({ length: 19 }, (_, i) => step(i))), { format: 'svg' });
    const width = Number(/ width="(\d+)"/.exec(svg)![1]);
    const height = Number(/ height="(\d+)"/.exec(svg)![1]);
    // Top to bottom it would be one row of 19 boxes, over 2,000 px wide and about 120 high.
    expect(width).toBeLessThan(600);
    expect(height).toBeGreaterThan(width);
  });

  it('collapses a large graph into one node per function, with counts', () => {
    const inc = delayed(function inc(x: number) {
      return x + 1;
    });
    const sum = delayed(function sum(...xs: number[]) {
      return xs.length;
    });
    const big = sum(...Array.from({ length: 10_000 }, (_, i) => inc(i)));
    expect(visualize(big)).toBe(
      [
        'flowchart TB',
        '  n0["sum ×1"]:::unknown',
        '  n1["inc ×10000"]:::unknown',
        '  n1 -->|10000| n0',
        '  classDef unknown fill:#ffffff,stroke:#555555',
        '',
      ].join('\n'),
    );
    expect(visualize(big, { format: 'svg' }).match(/<g class="node /g)).toHaveLength(2);
  });

  it("collapses a sweep's points into their function, whatever their display names", () => {
    const square = delayed(function square(x: number) {
      return x * x;
    });
    const points = sweep(grid({ x: Array.from({ length: 300 }, (_, i) => i) }), (p) => square(p.x));
    const picture = visualize(points.collect());
    expect(picture).toContain('["square ×300"]');
    expect(picture).not.toContain('square[x=');
  });

  it('refuses a format or target it does not know', () => {
    expect(() => visualize(load(1), { format: 'png' as never })).toThrow(InvalidArgumentError);
    expect(() => visualize(42 as never)).toThrow('Expected target 0 to be a Delayed value, got number');
    expect(() => visualize(load(1), { colour: true } as never)).toThrow('Unknown visualize option `colour`');
  });
});
