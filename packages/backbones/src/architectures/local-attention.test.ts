// The paper's local-attention baselines: VGG-att3 ("Learn to Pay Attention")
// and the Residual Attention Network. Training on cpu and wasm runs in
// training.test.ts through the small configurations.
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import {
  AlignedBilinearResize,
  NetworkBuilder,
  backboneDefinition,
  backboneDisplayName,
  countParameters,
  createBackbone,
  featureLayerName,
  localAttentionLayerNames,
  localAttentionMaps,
} from '../index.js';

beforeAll(async () => {
  await useBackend('cpu');
});

// PyTorch's parameter arithmetic (batch-norm running statistics are buffers, not parameters).
const batchNorm = (channels: number) => 2 * channels; // gamma, beta
const conv = (kernel: number, inChannels: number, outChannels: number, bias = false) =>
  kernel * kernel * inChannels * outChannels + (bias ? outChannels : 0);
const linear = (inputs: number, outputs: number) => inputs * outputs + outputs;

describe('vgg_att3 parameters, layer by layer', () => {
  // A conv block: n x (conv 3x3 with bias, batch norm).
  const block = (inChannels: number, channels: number, convs: number) =>
    conv(3, inChannels, channels, true) +
    batchNorm(channels) +
    (convs - 1) * (conv(3, channels, channels, true) + batchNorm(channels));
  const trunk =
    block(3, 64, 2) + // 1,792 + 128 + 36,928 + 128 = 38,976
    block(64, 128, 2) + // 221,952
    block(128, 256, 3) + // 1,476,864
    block(256, 512, 3) + // 5,902,848
    block(512, 512, 3) + // 7,082,496
    block(512, 512, 2); // 4,721,664 -> 19,444,800 in all
  const attention =
    conv(1, 256, 512) + // projector: block 3's 256 channels to g's 512, no bias: 131,072
    3 * conv(1, 512, 1); // u of each compatibility c = <u, l + g>: 1,536
  const vggAtt3 = (side: number, classes: number) =>
    trunk +
    conv(side / 32, 512, 512, true) + // `dense`: the global feature over block 6's (side/32)^2 map
    attention +
    linear(3 * 512, classes); // the classifier on the three concatenated descriptors

  it('at 224x224 with 1000 classes: 33,959,976 (the registry states it)', () => {
    expect(trunk).toBe(19_444_800);
    expect(vggAtt3(224, 1000)).toBe(33_959_976); // dense 7x7: 12,845,568; classifier 1,537,000
    expect(backboneDefinition('vgg_att3').publishedLayoutParameters).toBe(vggAtt3(224, 1000));
    const model = createBackbone('vgg_att3', { inputShape: [224, 224, 3], weightInit: 'none' });
    expect(countParameters(model)).toBe(vggAtt3(224, 1000));
    model.dispose();
  });

  it('at 32x32 with 10 classes (CIFAR-10): 19,855,434', () => {
    expect(vggAtt3(32, 10)).toBe(19_855_434); // dense 1x1: 262,656; classifier 15,370
    const model = createBackbone('vgg_att3', {
      inputShape: [32, 32, 3],
      numClasses: 10,
      weightInit: 'none',
    });
    expect(countParameters(model)).toBe(19_855_434);
    model.dispose();
  });
});

describe('Residual Attention Network parameters, layer by layer', () => {
  // Pre-activation bottleneck unit: bn, conv 1x1 (out/4), bn, conv 3x3, bn, conv 1x1 (out), and a
  // 1x1 shortcut conv when the channels or the stride change.
  const unit = (inChannels: number, outChannels: number, strided = false) => {
    const inner = outChannels / 4;
    return (
      batchNorm(inChannels) +
      conv(1, inChannels, inner) +
      batchNorm(inner) +
      conv(3, inner, inner) +
      batchNorm(inner) +
      conv(1, inner, outChannels) +
      (strided || inChannels !== outChannels ? conv(1, inChannels, outChannels) : 0)
    );
  };
  // Mask units: depth d >= 1: one unit after each of d-1 pools, a skip unit at each of those
  // levels, two after the innermost pool, one per upsampling but the last: 3d - 1. Depth 0: two.
  const maskUnits = (depth: number) => (depth === 0 ? 2 : 3 * depth - 1);
  // Sigmoid head: bn, conv 1x1, bn, conv 1x1.
  const maskHead = (channels: number) => 2 * batchNorm(channels) + 2 * conv(1, channels, channels);
  // First unit + trunk (2) + mask units + last unit, and the head.
  const attentionModule = (channels: number, depth: number) =>
    (4 + maskUnits(depth)) * unit(channels, channels) + maskHead(channels);

  const imagenet = (modules: [number, number, number], classes: number) =>
    conv(7, 3, 64) +
    batchNorm(64) + // stem: 9,536
    unit(64, 256) + // 74,112
    modules[0] * attentionModule(256, 3) + // 976,896 each (56 -> 28 -> 14 -> 7)
    unit(256, 512, true) + // 377,856
    modules[1] * attentionModule(512, 2) + // 3,046,912 each (28 -> 14 -> 7)
    unit(512, 1024, true) + // 1,509,376
    modules[2] * attentionModule(1024, 1) + // 8,804,352 each (14 -> 7)
    unit(1024, 2048, true) + // 6,033,408
    2 * unit(2048, 2048) + // 4,462,592 each
    batchNorm(2048) +
    linear(2048, classes); // 2,053,096 with the batch norm at 1000 classes

  it('Attention-56 (modules 1-1-1) at 1000 classes: 31,810,728 (paper: 31.9M)', () => {
    expect(unit(256, 256)).toBe(70_400);
    expect(attentionModule(256, 3)).toBe(976_896);
    expect(imagenet([1, 1, 1], 1000)).toBe(31_810_728);
    expect(backboneDefinition('resattnet56').publishedLayoutParameters).toBe(31_810_728);
    const model = createBackbone('resattnet56', { inputShape: [224, 224, 3], weightInit: 'none' });
    expect(countParameters(model)).toBe(31_810_728);
    model.dispose();
  });

  it('Attention-92 (modules 1-2-3) at 1000 classes: 52,466,344 (paper: 51.3M)', () => {
    expect(imagenet([1, 2, 3], 1000)).toBe(52_466_344);
    expect(backboneDefinition('resattnet92').publishedLayoutParameters).toBe(52_466_344);
    const model = createBackbone('resattnet92', { inputShape: [224, 224, 3], weightInit: 'none' });
    expect(countParameters(model)).toBe(52_466_344);
    model.dispose();
  });

  it('the 32x32-input Attention-92 at 10 classes: 12,170,730', () => {
    const cifar =
      conv(3, 3, 32) +
      batchNorm(32) + // stem: 928
      unit(32, 128) + // 18,624
      attentionModule(128, 2) + // 193,408 (32 -> 16 -> 8)
      unit(128, 256, true) + // 94,720
      2 * attentionModule(256, 1) + // 277,248 each (16 -> 8)
      unit(256, 512, true) + // 377,856
      3 * attentionModule(512, 0) + // 735,573 each: no pools at 8x8
      unit(512, 1024) + // 1,509,376 (stride 1)
      2 * unit(1024, 1024) + // 1,117,184 each
      batchNorm(1024) +
      linear(1024, 10);
    expect(cifar).toBe(12_170_730);
    const model = createBackbone('resattnet92_32', {
      inputShape: [32, 32, 3],
      numClasses: 10,
      weightInit: 'none',
    });
    expect(countParameters(model)).toBe(cifar);
    model.dispose();
  });
});

describe('local attention maps', () => {
  const tinyVgg: {
    width: number;
    convsPerBlock: [number, number, number, number, number, number];
  } = { width: 1 / 32, convsPerBlock: [1, 1, 1, 1, 1, 1] };

  it('vgg_att3: one softmax map per level at 1, 1/2, 1/4 of the input, each summing to 1', () => {
    const model = createBackbone('vgg_att3', {
      ...tinyVgg,
      inputShape: [64, 48, 3],
      numClasses: 3,
      seed: 1,
    });
    expect(model.outputs).toHaveLength(1);
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    expect(localAttentionLayerNames(model)).toEqual(['attn1.map', 'attn2.map', 'attn3.map']);
    const images = tf.randomUniform([2, 64, 48, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const levels = localAttentionMaps(model, images);
    expect(levels.map((level) => [level.layerName, level.kind, level.maps.shape])).toEqual([
      ['attn1.map', 'softmax', [2, 64, 48]],
      ['attn2.map', 'softmax', [2, 32, 24]],
      ['attn3.map', 'softmax', [2, 16, 12]],
    ]);
    for (const level of levels) {
      const sums = tf.tidy(() => tf.sum(level.maps, [1, 2]).arraySync() as number[]);
      for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
      expect(tf.tidy(() => tf.min(level.maps).dataSync()[0]!)).toBeGreaterThan(0);
    }
    tf.dispose(levels.map((level) => level.maps));
    expect(tf.memory().numTensors).toBe(before); // no tensor left behind
    tf.dispose(images);
    model.dispose();
  });

  it("vgg_att3 with earlyPooling: VGG-16's first two pools back, maps at 1/4, 1/8, 1/16", () => {
    const model = createBackbone('vgg_att3', {
      ...tinyVgg,
      inputShape: [224, 224, 3],
      numClasses: 3,
      earlyPooling: true,
      seed: 1,
    });
    expect(
      ['attn1.map', 'attn2.map', 'attn3.map'].map((name) => model.getLayer(name).outputShape),
    ).toEqual([
      [null, 56, 56, 1],
      [null, 28, 28, 1],
      [null, 14, 14, 1],
    ]);
    model.dispose();
    // Block 6 ends at 1x1 (224 / 128, floored): `dense` is a 1x1 conv, so 1000 classes give
    // 19,444,800 + 262,656 + 131,072 + 1,536 + 1,537,000 = 21,377,064 parameters.
    const full = createBackbone('vgg_att3', {
      inputShape: [224, 224, 3],
      earlyPooling: true,
      weightInit: 'none',
    });
    expect(countParameters(full)).toBe(21_377_064);
    full.dispose();
    expect(() =>
      createBackbone('vgg_att3', { inputShape: [64, 64, 3], earlyPooling: true }),
    ).toThrow(/too small.*128x128/);
  });

  it('vgg_att3 with sigmoid maps: each position in (0, 1), pooled by the mean', () => {
    const model = createBackbone('vgg_att3', {
      ...tinyVgg,
      inputShape: [32, 32, 3],
      numClasses: 2,
      normalization: 'sigmoid',
      seed: 2,
    });
    const images = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const levels = localAttentionMaps(model, images);
    expect(levels.map((level) => level.kind)).toEqual(['sigmoid', 'sigmoid', 'sigmoid']);
    const [low, high] = tf.tidy(() => [
      tf.min(levels[0]!.maps).dataSync()[0]!,
      tf.max(levels[0]!.maps).dataSync()[0]!,
    ]);
    expect(low).toBeGreaterThan(0);
    expect(high).toBeLessThan(1);
    tf.dispose([images, ...levels.map((level) => level.maps)]);
    model.dispose();
  });

  it('the maps are the ones the logits use: the attended descriptors equal sum(a * l)', () => {
    const model = createBackbone('vgg_att3', {
      ...tinyVgg,
      inputShape: [32, 32, 3],
      numClasses: 2,
      seed: 3,
    });
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const probe = tfl.model({
      inputs: model.inputs,
      outputs: [
        model.getLayer('conv_block5.op.2').output as tfl.SymbolicTensor,
        model.getLayer('attn3.pool').output as tfl.SymbolicTensor,
      ],
    });
    const [local, pooled] = probe.predict(images) as tf.Tensor[];
    const levels = localAttentionMaps(model, images);
    const expected = tf.sum(tf.mul(local!, tf.expandDims(levels[2]!.maps, 3)), [1, 2]);
    expect(tf.max(tf.abs(tf.sub(expected, pooled!))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([images, local!, pooled!, expected, ...levels.map((level) => level.maps)]);
    model.dispose();
  });

  it('resattnet: each attention module gives its soft mask, averaged over channels', () => {
    const model = createBackbone('resattnet92', {
      inputShape: [64, 64, 3],
      numClasses: 4,
      width: 1 / 32,
      seed: 4,
    });
    expect(model.outputs[0]!.shape).toEqual([null, 4]);
    const images = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const levels = localAttentionMaps(model, images);
    // Stages at 1/4, 1/8, 1/16 of the input; Attention-92 has 1, 2 and 3 modules.
    expect(levels.map((level) => [level.layerName, level.maps.shape])).toEqual([
      ['attention_module1.mask', [2, 16, 16]],
      ['attention_module2.mask', [2, 8, 8]],
      ['attention_module2_2.mask', [2, 8, 8]],
      ['attention_module3.mask', [2, 4, 4]],
      ['attention_module3_2.mask', [2, 4, 4]],
      ['attention_module3_3.mask', [2, 4, 4]],
    ]);
    for (const level of levels) {
      expect(level.kind).toBe('channel-mean');
      const [low, high] = tf.tidy(() => [
        tf.min(level.maps).dataSync()[0]!,
        tf.max(level.maps).dataSync()[0]!,
      ]);
      expect(low).toBeGreaterThan(0);
      expect(high).toBeLessThan(1);
    }
    tf.dispose([images, ...levels.map((level) => level.maps)]);
    model.dispose();
  });

  it('resattnet92_32: stages at 32, 16 and 8 for 32x32 images', () => {
    const model = createBackbone('resattnet92_32', {
      inputShape: [32, 32, 3],
      numClasses: 10,
      width: 1 / 32,
      modules: [1, 1, 1],
      seed: 5,
    });
    const images = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const levels = localAttentionMaps(model, images);
    expect(levels.map((level) => level.maps.shape)).toEqual([
      [1, 32, 32],
      [1, 16, 16],
      [1, 8, 8],
    ]);
    tf.dispose([images, ...levels.map((level) => level.maps)]);
    model.dispose();
  });

  it('says what to pass when the model has no local attention', () => {
    const model = createBackbone('smallcnn', { inputShape: [16, 16, 3], widths: [4] });
    const images = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    expect(() => localAttentionMaps(model, images)).toThrow(/vgg_att3 or resattnet/);
    tf.dispose(images);
    model.dispose();
  });
});

describe('the local-attention backbones as backbones', () => {
  it('have table names, features and a Grad-CAM layer', () => {
    expect(
      ['vgg_att3', 'resattnet56', 'resattnet92', 'vgg16', 'resnet152', 'densenet161'].map(
        backboneDisplayName,
      ),
    ).toEqual(['VGG-att3', 'ResAttNet-56', 'ResAttNet-92', 'VGG-16', 'ResNet-152', 'DenseNet-161']);
    expect(backboneDisplayName('googlenet')).toBe('GoogLeNet');
    const vgg = createBackbone('vgg_att3', { inputShape: [32, 32, 3], weightInit: 'none' });
    expect(featureLayerName(vgg)).toBe('conv_block5.op.8'); // l3, the last local feature map
    vgg.dispose();
    const resattnet = createBackbone('resattnet56', {
      inputShape: [64, 64, 3],
      weightInit: 'none',
      width: 1 / 16,
    });
    expect(featureLayerName(resattnet)).toBe('mpool2.1');
    resattnet.dispose();
  });

  it('are seeded: the same seed gives the same logits', () => {
    const logitsOf = (seed: number) => {
      const model = createBackbone('vgg_att3', {
        inputShape: [32, 32, 3],
        width: 1 / 32,
        convsPerBlock: [1, 1, 1, 1, 1, 1],
        numClasses: 3,
        seed,
      });
      const values = tf.tidy(() =>
        Array.from((model.predict(tf.ones([1, 32, 32, 3])) as tf.Tensor).dataSync()),
      );
      model.dispose();
      return values;
    };
    expect(logitsOf(1)).toEqual(logitsOf(1));
    expect(logitsOf(1)).not.toEqual(logitsOf(2));
  });

  it.each([
    ['vgg_att3', { width: 1 / 32, convsPerBlock: [1, 1, 1, 1, 1, 1] }],
    ['resattnet92_32', { width: 1 / 32, modules: [1, 1, 1] }],
  ] as const)('%s saves and loads back with the same logits and maps', async (name, options) => {
    const model = createBackbone(name, {
      ...options,
      inputShape: [32, 32, 3],
      numClasses: 3,
      seed: 9,
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 10) as tf.Tensor4D;
    const [before, after] = [model, loaded].map((m) => m.predict(images) as tf.Tensor);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(before!, after!))).dataSync()[0])).toBe(0);
    const [mapsBefore, mapsAfter] = [model, loaded].map((m) => localAttentionMaps(m, images));
    expect(mapsAfter!.map((level) => level.layerName)).toEqual(
      mapsBefore!.map((level) => level.layerName),
    );
    mapsBefore!.forEach((level, index) => {
      expect(Array.from(mapsAfter![index]!.maps.dataSync())).toEqual(
        Array.from(level.maps.dataSync()),
      );
    });
    tf.dispose([images, before!, after!]);
    tf.dispose([...mapsBefore!, ...mapsAfter!].map((level) => level.maps));
    model.dispose();
    loaded.dispose();
  });

  it('reject inputs and options they cannot take, saying what to change', () => {
    expect(() => createBackbone('vgg_att3', { inputShape: [16, 16, 3] })).toThrow(
      /too small.*32x32/,
    );
    expect(() =>
      createBackbone('vgg_att3', {
        inputShape: [32, 32, 3],
        normalization: 'tanh' as 'softmax',
      }),
    ).toThrow(/softmax' or 'sigmoid/);
    expect(() =>
      createBackbone('resattnet92', {
        inputShape: [32, 32, 3],
        modules: [1, 1] as unknown as [number, number, number],
      }),
    ).toThrow(/three non-negative integers/);
  });
});

describe('the building blocks follow PyTorch', () => {
  it('AlignedBilinearResize is nn.UpsamplingBilinear2d (align_corners=True), with gradients', () => {
    const x = tf.randomUniform([2, 3, 5, 4], -1, 1, 'float32', 11) as tf.Tensor4D;
    const layer = new AlignedBilinearResize({ outputSize: [7, 9] });
    const ours = layer.apply(x) as tf.Tensor;
    const reference = tf.image.resizeBilinear(x, [7, 9], true);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0])).toBeLessThan(1e-5);
    // Each input spreads a total weight of outSize / inSize per axis onto the output.
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input) as tf.Tensor))(x);
    expect(tf.tidy(() => tf.sum(gradient).dataSync()[0])).toBeCloseTo(2 * 4 * 7 * 9, 3);
    tf.dispose([x, ours, reference, gradient]);
  });

  it('mask max pools pad with -infinity like PyTorch, on negative inputs too', () => {
    const builder = new NetworkBuilder({ weightInit: 'none' });
    const input = builder.input([4, 4, 1]);
    const pooled = builder.maxPool2d(input, {
      name: 'pool',
      kernelSize: 3,
      stride: 2,
      padding: 1,
      padWithLowest: true,
    });
    const model = tfl.model({ inputs: input, outputs: pooled });
    // All negative: zero padding would give 0 at every output; PyTorch gives the window maxima.
    const x = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => -1 - i),
      [1, 4, 4, 1],
    );
    const y = model.predict(x) as tf.Tensor;
    // x[r][c] = -1 - (4r + c); windows span rows/cols {-1, 0, 1} and {1, 2, 3}, so the maxima
    // sit at their top-left real cells (0,0), (0,1), (1,0), (1,1).
    expect(Array.from(y.dataSync())).toEqual([-1, -2, -5, -6]);
    tf.dispose([x, y]);
    model.dispose();
  });
});
