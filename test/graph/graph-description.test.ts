import { describe, expect, it } from 'vitest';
import { delayed, InvalidArgumentError, type Delayed } from '../../src/index.js';
import { GraphDescriber, describeGraph, joinChunks, type GraphDescription } from '../../src/graph/graph-description.js';
import { GraphRebuilder, rebuildGraph } from '../../src/graph/graph-rebuild.js';
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

describe('a returned graph in chunks', () => {
  /** Calls made one after another, some deep inside others' arguments, and one made before any chunk that only the structure names. */
  function made() {
    const early = inc(100);
    const calls: Delayed<number>[] = [];
    for (let i = 0; i < 40; i++) {
      const previous = calls.slice(-3);
      if (i % 7 === 6) calls.push(pick({ a: { deep: [previous[0]! as unknown as number, 1] }, 'odd key': previous[1]! as unknown as number }, i));
      else if (i % 5 === 4) calls.push(total(previous));
      else calls.push(inc(i));
    }
    const unused = total([calls[0]!, calls[1]!]);
    const structure = { last: calls[calls.length - 1], early: total([early, calls[3]!]), all: [calls[10], 'x'] };
    return { calls, unused, structure };
  }

  /** Through the value codec, as a worker sends them. */
  const travels = <T>(value: T) => unpackValue(packValue(value)) as T;

  it('rebuilds, chunk by chunk, the calls the structure names with the CIDs they have', async () => {
    const { calls, structure } = made();
    const describer = new GraphDescriber();
    const chunks = [];
    for (const cut of [[0, 8], [8, 9], [9, 25], [25, 40]] as const) {
      describer.add(calls.slice(cut[0], cut[1]));
      chunks.push(travels(describer.take()));
    }
    const last = travels(describer.finish(structure));
    const rebuilder = new GraphRebuilder();
    for (const chunk of chunks) await rebuilder.add(chunk);
    const { structure: rebuilt } = await rebuilder.finish(last);
    const back = rebuilt as { last: Delayed<number>; early: Delayed<number>; all: [Delayed<number>, string] };
    expect(back.last.cid).toBe(structure.last!.cid);
    expect(back.early.cid).toBe(structure.early.cid);
    expect(back.all[0].cid).toBe((structure.all[0] as Delayed<number>).cid);
    expect(back.all[1]).toBe('x');
    // The chunks joined are one description: rebuilt whole, the same graph.
    const whole = await rebuildGraph(travels(joinChunks(chunks, last)));
    expect((whole.structure as typeof back).last.cid).toBe(structure.last!.cid);
    expect(whole.nodes.map((node) => node.cid)).toEqual(rebuilder.nodes.map((node) => node.cid));
  });

  it('describes a call once, however many chunks and the structure name it', () => {
    const { calls, structure } = made();
    const describer = new GraphDescriber();
    describer.add(calls.slice(0, 20));
    describer.add(calls.slice(10, 40));
    const first = describer.take();
    const last = describer.finish(structure);
    // 40 calls, then what only the structure holds: the early call and the total over it.
    expect(first.calls.length).toBe(40);
    expect(last.calls.length).toBe(2);
    expect(first.functions.length + last.functions.length).toBe(3);
  });

  it('says a chunk that names a call of a later chunk is not a returned graph', async () => {
    const { calls, structure } = made();
    const describer = new GraphDescriber();
    describer.add(calls);
    const chunk = travels(describer.take());
    const last = travels(describer.finish(structure));
    await expect(new GraphRebuilder().finish(last)).rejects.toThrow(/not a returned graph/);
    const rebuilder = new GraphRebuilder();
    await rebuilder.add(chunk);
    await expect(rebuilder.add({ ...chunk, links: chunk.links.map((v, i) => (i === chunk.links.length - 3 ? 200 : v)) })).rejects.toThrow(/not a returned graph/);
  });

  it('leaves the chunks it rebuilt as they were, to be stored', async () => {
    const { calls, structure } = made();
    const describer = new GraphDescriber();
    describer.add(calls);
    const chunk = travels(describer.take());
    const last = travels(describer.finish(structure));
    const before = packValue([chunk, last]);
    const rebuilder = new GraphRebuilder();
    await rebuilder.add(chunk);
    await rebuilder.finish(last);
    expect(packValue([chunk, last])).toEqual(before);
  });
});
