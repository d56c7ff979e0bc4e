import { describe, expect, it } from 'vitest';
import { turnOrder } from '../../bench/turns.js';

describe('the order variants take their turns in', () => {
  const variants = ['pairs', 'get', 'unpack', 'wide', 'returned'];

  it('is the listed order every repeat, by default', () => {
    expect([0, 1, 2, 3].map((r) => turnOrder(variants, r, 'same'))).toEqual([variants, variants, variants, variants]);
  });

  it('alternates with its reverse, so that each of a pair goes second as often as first', () => {
    const orders = [0, 1, 2, 3].map((r) => turnOrder(variants, r, 'alternate'));
    expect(orders[0]).toEqual(variants);
    expect(orders[1]).toEqual(['returned', 'wide', 'unpack', 'get', 'pairs']);
    expect(orders[2]).toEqual(variants);
    const wideFirst = orders.filter((order) => order.indexOf('wide') < order.indexOf('returned')).length;
    expect(wideFirst).toBe(2);
    // The list it was given is left as it was.
    expect(variants).toEqual(['pairs', 'get', 'unpack', 'wide', 'returned']);
  });
});
