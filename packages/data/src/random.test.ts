import { Random, hashSeed } from './random.js';

describe('Random', () => {
  it('is reproducible, stays in [0, 1) and is roughly uniform', () => {
    const first = new Random(123);
    const second = new Random(123);
    const draws = Array.from({ length: 10_000 }, () => first.next());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => second.next()));
    expect(draws.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(new Random(124).next()).not.toBe(new Random(123).next());
  });

  it('draws integers below n and normals with mean 0 and variance 1', () => {
    const random = new Random(5);
    const ints = Array.from({ length: 6000 }, () => random.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    const normals = Array.from({ length: 20_000 }, () => random.normal());
    const mean = normals.reduce((s, v) => s + v, 0) / normals.length;
    const variance = normals.reduce((s, v) => s + (v - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles in place into a permutation', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const result = new Random(1).shuffle([...items]);
    expect(result).not.toEqual(items);
    expect([...result].sort((a, b) => a - b)).toEqual(items);
  });
});

describe('hashSeed', () => {
  it('separates nearby seeds, argument orders and fractional values', () => {
    const hashes = [hashSeed(0), hashSeed(1), hashSeed(0, 1), hashSeed(1, 0), hashSeed(0.5)];
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashSeed(7, 3)).toBe(hashSeed(7, 3));
  });
});
