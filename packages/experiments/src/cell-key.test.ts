import { canonicalJson, cellKey } from './cell-key.js';

describe('cellKey', () => {
  it('is the sha256 of canonical JSON: key order and -0 do not matter', () => {
    const a = cellKey({ model: 'vgg16', lambda: 0.01, grid: { k: 32, e: [1, 2] }, seed: 0 });
    const b = cellKey({ seed: -0, grid: { e: [1, 2], k: 32 }, lambda: 0.01, model: 'vgg16' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
    // The known digest of that text, so the hash never changes silently.
    expect(cellKey({ a: 1 })).toBe(
      '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
  });

  it('distinguishes configs that differ in any value or type', () => {
    expect(cellKey({ k: 32 })).not.toBe(cellKey({ k: '32' }));
    expect(cellKey({ k: [1, 2] })).not.toBe(cellKey({ k: [2, 1] }));
  });

  it('rejects values JSON cannot carry, naming where they are', () => {
    expect(() => cellKey({ lr: Number.NaN })).toThrow(/\$\.lr is NaN/);
    expect(() => cellKey({ a: { b: Infinity } })).toThrow(/\$\.a\.b is Infinity/);
    expect(() => cellKey({ a: undefined } as never)).toThrow(/\$\.a is undefined/);
    expect(() => cellKey({ when: new Date(0) } as never)).toThrow(/\$\.when is a Date/);
  });
});
