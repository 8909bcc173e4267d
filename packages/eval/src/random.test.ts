import { mulberry32, shuffled } from './random.js';

describe('mulberry32', () => {
  it('is reproducible, stays in [0, 1) and is roughly uniform', () => {
    const first = mulberry32(123);
    const second = mulberry32(123);
    const draws = Array.from({ length: 10_000 }, () => first());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => second()));
    expect(draws.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(mulberry32(124)()).not.toBe(mulberry32(123)());
  });

  it('shuffles a copy into a permutation', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const result = shuffled(items, mulberry32(1));
    expect(result).not.toEqual(items);
    expect([...result].sort((a, b) => a - b)).toEqual(items);
    expect(items[0]).toBe(0);
  });
});
