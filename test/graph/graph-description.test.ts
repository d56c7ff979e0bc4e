import { describe, expect, it } from 'vitest';
import { delayed, InvalidArgumentError, type Delayed } from '../../src/index.js';
import { describeGraph, rebuildGraph, type GraphDescription } from '../../src/graph/graph-description.js';
import { packValue, unpackValue } from '../../src/store/value-codec.js';

const inc = delayed((x: number) => x + 1, { name: 'inc' });
const total = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0), { name: 'total' });
const pick = delayed((o: { a: { deep: number[] }; 'odd key': number }, n: number) => o.a.deep[0]! + o['odd key'] + n, { name: 'pick' });

/** What a worker sends and the store keeps: the description through the value codec. */
const travelled = (structure: unknown) => unpackValue(packValue(describeGraph(structure))) as GraphDescription;

describe('a returned graph as columns', () => {
  it('rebuilds every call with the CID it had, inputs in whole arguments, arrays, objects and deep paths', async () => {
    const leaves = [inc(1), inc(2), inc(3)];
    const sum = total(leaves);
    const picked = pick({ a: { deep: [leaves[0]!, 9] }, 'odd key': inc(7) as unknown as number }, sum as unknown as number);
    const structure = { picked, again: [sum, 'literal', { leaf: leaves[2] }], n: 4 };
    const description = travelled(structure);
    expect(description.format).toBe('memograph/graph 2');
    expect(description.calls.length).toBe(6);
    const { structure: rebuilt, nodes } = await rebuildGraph(description);
    const back = rebuilt as typeof structure;
    expect(back.picked.cid).toBe(picked.cid);
    expect((back.again[0] as Delayed<number>).cid).toBe(sum.cid);
    expect(back.again[1]).toBe('literal');
    expect((back.again[2] as { leaf: Delayed<number> }).leaf.cid).toBe(leaves[2]!.cid);
    expect(back.n).toBe(4);
    expect(nodes.map((node) => node.cid).sort()).toEqual([...leaves, sum, picked, inc(7)].map((node) => node.cid).sort());
  });

  it('keeps the arguments it was given untouched', () => {
    const args = [inc(1), inc(2)];
    describeGraph(total(args));
    expect(args.every((arg) => typeof arg.cid === 'string')).toBe(true);
  });

  it('refuses a call of a main-thread function, naming it', () => {
    const local = delayed((x: number) => x, { name: 'onMain', mainThread: true });
    expect(() => describeGraph([inc(1), local(2)])).toThrow(InvalidArgumentError);
    expect(() => describeGraph([inc(1), local(2)])).toThrow(/"onMain" runs on the main thread/);
  });

  it('says a damaged or foreign description is not a returned graph', async () => {
    const good = () => travelled(total([inc(1), inc(2)]));
    const damaged: [string, (d: GraphDescription) => unknown][] = [
      ['another format', (d) => ({ ...d, format: 'memograph/graph 1' })],
      ['not an object', () => 'graph'],
      ['a column of another type', (d) => ({ ...d, links: Array.from(d.links) })],
      ['an input that comes later', (d) => ({ ...d, links: d.links.map((v, i) => (i === d.links.length - 3 ? 5 : v)) })],
      ['a function that is not there', (d) => ({ ...d, calls: d.calls.map(() => 7) })],
      ['arguments cut short', (d) => ({ ...d, args: d.args.slice(0, 1) })],
      ['links cut short', (d) => ({ ...d, links: d.links.slice(0, 4) })],
      ['links left over', (d) => ({ ...d, links: Int32Array.from([...d.links, 0]) })],
      ['an element past the argument', (d) => ({ ...d, links: d.links.map((v, i) => (i === d.links.length - 1 ? 99 : v)) })],
    ];
    for (const [what, damage] of damaged) {
      await expect(rebuildGraph(damage(good())), what).rejects.toThrow(/not a returned graph/);
    }
  });
});
