import '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import { NetworkBuilder, torchPoolOutputSize } from './network-builder.js';
import { scaleChannels } from './common.js';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('torchPoolOutputSize', () => {
  // Sizes PyTorch 1.13's nn.MaxPool2d gives (size, kernel, stride, padding, ceil_mode -> output).
  it.each([
    [112, 3, 2, 1, false, 56],
    [112, 3, 2, 0, true, 56],
    [7, 3, 2, 0, true, 3],
    [14, 2, 2, 0, true, 7],
    [3, 2, 2, 0, true, 2],
    [5, 3, 2, 1, true, 3],
    [6, 3, 2, 1, true, 4],
    [25, 3, 2, 1, false, 13],
  ])(
    '%d, kernel %d, stride %d, padding %d, ceil %s -> %d',
    (size, kernel, stride, padding, ceil, out) => {
      expect(torchPoolOutputSize(size, kernel, stride, padding, ceil)).toBe(out);
    },
  );
});

describe('NetworkBuilder', () => {
  it("pads explicitly where tfjs' 'same' would differ from PyTorch", () => {
    const builder = new NetworkBuilder({ weightInit: 'none' });
    const input = builder.input([9, 9, 3]);
    const init = { kind: 'torchDefault' } as const;
    const strided = builder.conv2d(input, {
      name: 'strided',
      filters: 2,
      kernelSize: 3,
      stride: 2,
      padding: 1,
      kernelInit: init,
    });
    const same = builder.conv2d(input, {
      name: 'same',
      filters: 2,
      kernelSize: 3,
      padding: 1,
      kernelInit: init,
    });
    expect(strided.shape).toEqual([null, 5, 5, 2]); // floor((9 + 2 - 3) / 2) + 1
    expect(strided.sourceLayer.inboundNodes[0]!.inboundLayers[0]!.name).toBe('strided_pad');
    expect(same.shape).toEqual([null, 9, 9, 2]);
    expect(same.sourceLayer.inboundNodes[0]!.inboundLayers[0]!.name).toBe('input');
  });

  it('zero-pads a max pool only after a ReLU (where it equals -infinity padding)', () => {
    const builder = new NetworkBuilder({ weightInit: 'none' });
    const input = builder.input([9, 9, 3]);
    expect(() =>
      builder.maxPool2d(input, { name: 'pool', kernelSize: 3, stride: 2, padding: 1 }),
    ).toThrow(/non-negative input/);
    const pooled = builder.maxPool2d(builder.relu(input, 'relu'), {
      name: 'pool',
      kernelSize: 3,
      stride: 2,
      padding: 1,
      inputIsNonNegative: true,
    });
    expect(pooled.shape).toEqual([null, 5, 5, 3]);
    const ceil = builder.maxPool2d(input, {
      name: 'ceil_pool',
      kernelSize: 3,
      stride: 1,
      padding: 1,
      ceilMode: true,
    });
    expect(ceil.shape).toEqual([null, 9, 9, 3]); // 'same' at stride 1: tfjs ignores the padded cells
  });

  it('scales channels by rounding half up, never below one', () => {
    expect([
      scaleChannels(64, 0.25),
      scaleChannels(24, 1 / 16),
      scaleChannels(16, 1 / 32),
      scaleChannels(3, 0.01),
    ]).toEqual([16, 2, 1, 1]);
  });
});
