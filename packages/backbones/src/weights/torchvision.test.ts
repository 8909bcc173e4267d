import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gsa/backends';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackbone, loadWeights, saveTorchvisionWeights } from '../index.js';
import { WeightsMismatchError } from './report.js';
import { decodeSafetensors, encodeSafetensors, toFloat32Array } from './safetensors.js';
import { encodeTorchvisionWeights, torchvisionNames } from './torchvision.js';

beforeAll(async () => {
  await useBackend('cpu');
});

const smallResNet = (seed: number, numClasses = 4) =>
  createBackbone('resnet18', {
    inputShape: [32, 32, 3],
    layers: [1, 1],
    width: 1 / 16,
    numClasses,
    seed,
  });

function outputsOf(model: ReturnType<typeof smallResNet>, images: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
}

describe('torchvision weights (safetensors)', () => {
  it('names every weight as torchvision does, in PyTorch layouts', () => {
    const model = smallResNet(1);
    const names = torchvisionNames(model).map((entry) => entry.torchName);
    expect(names).toEqual(
      expect.arrayContaining([
        'conv1.weight',
        'bn1.weight',
        'bn1.bias',
        'bn1.running_mean',
        'bn1.running_var',
        'layer1.0.conv1.weight',
        'layer2.0.downsample.0.weight',
        'layer2.0.downsample.1.running_var',
        'fc.weight',
        'fc.bias',
      ]),
    );
    const file = decodeSafetensors(encodeTorchvisionWeights(model));
    expect(file.tensors.get('conv1.weight')!.shape).toEqual([4, 3, 7, 7]); // OIHW
    expect(file.tensors.get('fc.weight')!.shape).toEqual([4, 8]); // [out, in]
    expect(file.tensors.get('bn1.num_batches_tracked')!.dtype).toBe('I64');
    model.dispose();
  });

  it('exports and re-imports a model exactly (path and bytes)', async () => {
    const source = smallResNet(1);
    const target = smallResNet(2);
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9);
    expect(outputsOf(target, images)).not.toEqual(outputsOf(source, images));
    const directory = mkdtempSync(join(tmpdir(), 'gsa-backbones-'));
    try {
      const path = join(directory, 'resnet.safetensors');
      await saveTorchvisionWeights(source, path);
      const report = await loadWeights(target, path);
      expect(report.format).toBe('safetensors');
      expect(report.loaded).toHaveLength(target.weights.length);
      expect(report.unexpected).toEqual([]);
      expect(outputsOf(target, images)).toEqual(outputsOf(source, images));
      const third = smallResNet(3);
      await loadWeights(third, encodeTorchvisionWeights(source));
      expect(outputsOf(third, images)).toEqual(outputsOf(source, images));
      third.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
      tf.dispose(images);
      source.dispose();
      target.dispose();
    }
  });

  it('transposes conv kernels OIHW -> HWIO and linear weights [out, in] -> [in, out]', async () => {
    const model = createBackbone('smallcnn', {
      inputShape: [8, 8, 2],
      widths: [3],
      numClasses: 2,
      batchNorm: false,
    });
    const conv = Float32Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => i); // [O=3, I=2, 3, 3]
    const linear = Float32Array.from([1, 2, 3, 4, 5, 6]); // [out=2, in=3]
    await loadWeights(
      model,
      encodeSafetensors({
        'block1.conv.weight': { dtype: 'F32', shape: [3, 2, 3, 3], data: conv },
        'block1.conv.bias': { dtype: 'F32', shape: [3], data: new Float32Array([0, 0, 0]) },
        'fc.weight': { dtype: 'F32', shape: [2, 3], data: linear },
        'fc.bias': { dtype: 'F32', shape: [2], data: new Float32Array([0, 0]) },
      }),
    );
    const [kernel] = model.getLayer('block1.conv').getWeights();
    const hwio = kernel!.arraySync() as number[][][][];
    // kernel[h][w][i][o] == torch[o][i][h][w] == ((o * 2 + i) * 3 + h) * 3 + w
    expect(hwio[1]![2]![1]![2]).toBe(((2 * 2 + 1) * 3 + 1) * 3 + 2);
    const [dense] = model.getLayer('fc').getWeights();
    expect(dense!.arraySync()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    model.dispose();
  });

  it('strict: refuses a file that lacks weights or has other shapes, and loads nothing', async () => {
    const five = smallResNet(1, 5);
    const four = smallResNet(2, 4);
    const before = four.getLayer('conv1').getWeights()[0]!.dataSync().slice();
    const bytes = encodeTorchvisionWeights(five);
    await expect(loadWeights(four, bytes)).rejects.toThrow(
      /mismatched 2 \(fc\/kernel: model \[8,4\], file \[8,5\]/,
    );
    expect(four.getLayer('conv1').getWeights()[0]!.dataSync()).toEqual(before);
    const error = await loadWeights(four, bytes).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WeightsMismatchError);
    // Not strict: everything but the head loads, and the report says so.
    const report = await loadWeights(four, bytes, { strict: false });
    expect(report.mismatched.map((entry) => entry.name)).toEqual(['fc/kernel', 'fc/bias']);
    expect(report.unexpected).toEqual([]); // matched by name: reported as mismatched only
    expect(four.getLayer('conv1').getWeights()[0]!.dataSync()).toEqual(
      five.getLayer('conv1').getWeights()[0]!.dataSync(),
    );
    five.dispose();
    four.dispose();
  });

  it('reads the names of old DenseNet checkpoints (norm.1 -> norm1), as torchvision does', async () => {
    const model = createBackbone('densenet121', {
      inputShape: [32, 32, 3],
      growthRate: 2,
      blockConfig: [1],
      numInitFeatures: 4,
      bnSize: 1,
      numClasses: 2,
      seed: 1,
    });
    const modern = decodeSafetensors(encodeTorchvisionWeights(model));
    const legacy: Parameters<typeof encodeSafetensors>[0] = {};
    for (const [name, entry] of modern.tensors) {
      if (entry.dtype !== 'F32') continue;
      legacy[name.replace(/(denselayer\d+\.(?:norm|conv))([12])\./, '$1.$2.')] = {
        dtype: 'F32',
        shape: entry.shape,
        data: toFloat32Array(entry),
      };
    }
    expect(Object.keys(legacy)).toContain('features.denseblock1.denselayer1.norm.1.weight');
    const report = await loadWeights(model, encodeSafetensors(legacy));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    model.dispose();
  });
});
