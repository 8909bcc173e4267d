import {
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  toFloat32Array,
} from './safetensors.js';

/** A file written byte by byte as the format describes it. */
function handMade(header: object, data: number[], padTo = 1): Uint8Array {
  let json = JSON.stringify(header);
  while (json.length % padTo !== 0) json += ' ';
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(new TextEncoder().encode(json), 8);
  file.set(data, 8 + json.length);
  return file;
}

describe('safetensors', () => {
  it('reads a hand-made file (unaligned data offset, metadata, little-endian floats)', () => {
    const floats = new Uint8Array(new Float32Array([1.5, -2, 3.25, 0]).buffer);
    const file = handMade(
      {
        __metadata__: { format: 'pt' },
        'a.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
        'a.count': { dtype: 'I64', shape: [], data_offsets: [16, 24] },
      },
      [...floats, 7, 0, 0, 0, 0, 0, 0, 0],
    );
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('a.weight')!.shape).toEqual([2, 2]);
    expect(Array.from(toFloat32Array(tensors.get('a.weight')!))).toEqual([1.5, -2, 3.25, 0]);
    expect(Array.from(toFloat32Array(tensors.get('a.count')!))).toEqual([7]);
  });

  it('round-trips what it writes, with the header padded to 8 bytes', () => {
    const weight = new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    const file = encodeSafetensors(
      {
        w: { dtype: 'F32', shape: [2, 3], data: weight },
        n: { dtype: 'I64', shape: [1], data: new BigInt64Array([42n]) },
      },
      { producer: 'test' },
    );
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({ producer: 'test' });
    expect(toFloat32Array(tensors.get('w')!)).toEqual(weight);
    expect(Array.from(toFloat32Array(tensors.get('n')!))).toEqual([42]);
  });

  it('converts half precision (F16, BF16) and F64 to float32', () => {
    // F16 0x3c00 = 1, 0xc000 = -2, 0x3555 ~ 0.33325; BF16 0x3f80 = 1, 0xc040 = -3.
    const file = handMade(
      {
        h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
        d: { dtype: 'F64', shape: [1], data_offsets: [10, 18] },
      },
      [
        0x00,
        0x3c,
        0x00,
        0xc0,
        0x55,
        0x35,
        0x80,
        0x3f,
        0x40,
        0xc0,
        ...new Uint8Array(new Float64Array([0.125]).buffer),
      ],
    );
    const { tensors } = decodeSafetensors(file);
    const half = toFloat32Array(tensors.get('h')!);
    expect(half[0]).toBe(1);
    expect(half[1]).toBe(-2);
    expect(half[2]).toBeCloseTo(0.33325, 4);
    expect(Array.from(toFloat32Array(tensors.get('b')!))).toEqual([1, -3]);
    expect(Array.from(toFloat32Array(tensors.get('d')!))).toEqual([0.125]);
  });

  it.each([
    [
      'a file shorter than its header length',
      () => new Uint8Array([255, 0, 0, 0, 0, 0, 0, 0, 123]),
    ],
    [
      'a header that is not JSON',
      () => handMade({}, []).map((byte, index) => (index === 8 ? 0x41 : byte)),
    ],
    [
      'an unknown dtype',
      () => handMade({ x: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, [0]),
    ],
    [
      'offsets that do not match the shape',
      () => handMade({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0]),
    ],
    [
      'offsets past the end',
      () => handMade({ x: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, [0, 0]),
    ],
    [
      'overlapping tensors',
      () =>
        handMade(
          {
            x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
            y: { dtype: 'U8', shape: [2], data_offsets: [1, 3] },
          },
          [0, 0, 0],
        ),
    ],
  ])('rejects %s', (_case, make) => {
    expect(() => decodeSafetensors(make())).toThrow(SafetensorsError);
  });
});
