import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import {
  backboneDefinition,
  countParameters,
  createBackbone,
  featureLayerName,
  listBackbones,
  registerBackbone,
  type BackboneOptions,
} from './index.js';
import { SMALL_CONFIGS } from './test-support/small-configs.fixture.js';

beforeAll(async () => {
  // cpu: zero-initialised weights stay untouched pages, so even VGG's 138M parameters cost little memory.
  await useBackend('cpu');
});

const REQUIRED = [
  'smallcnn',
  'vgg16',
  'vgg16_bn',
  'resnet18',
  'resnet34',
  'resnet50',
  'resnet101',
  'resnet152',
  'densenet121',
  'densenet161',
  'googlenet',
  'mobilenet_v1',
];

describe('the registry', () => {
  it('holds every backbone of the paper and more, each with what to feed it', () => {
    const names = listBackbones().map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(REQUIRED));
    for (const entry of listBackbones()) {
      expect(['imagenet', 'minus-one-to-one', 'any']).toContain(entry.inputNormalization);
      expect(entry.description.length).toBeGreaterThan(10);
    }
    expect(backboneDefinition('resnet152').displayName).toBe('ResNet-152');
  });

  it('flags the backbones with attention maps of their own', () => {
    const local = listBackbones()
      .filter((entry) => entry.hasLocalAttention)
      .map((entry) => entry.name);
    expect(local).toEqual(expect.arrayContaining(['vgg_att3', 'resattnet56', 'resattnet92']));
    expect(local).not.toContain('resnet18');
    expect(local.every((name) => /att/.test(name))).toBe(true);
  });

  it('names the registered backbones when asked for an unknown one', () => {
    expect(() => createBackbone('resnet19', { inputShape: [32, 32, 3] })).toThrow(
      /Unknown backbone 'resnet19'. Registered: smallcnn, .*resnet18/,
    );
  });

  it('takes new backbones (timm-style registration)', () => {
    registerBackbone<BackboneOptions & { depth?: number }>({
      name: 'tiny_test_net',
      family: 'custom',
      description: 'a two-layer test network',
      inputNormalization: 'any',
      build: (options) => {
        const input = tfl.input({ shape: options.inputShape });
        const pooled = tfl.layers.globalAveragePooling2d({}).apply(input);
        const logits = tfl.layers.dense({ units: options.numClasses ?? 1000 }).apply(pooled);
        return tfl.model({
          inputs: input,
          outputs: logits as tfl.SymbolicTensor,
          name: options.name,
        });
      },
    });
    const model = createBackbone('tiny_test_net', { inputShape: [8, 8, 3], numClasses: 2 });
    expect(model.name).toBe('tiny_test_net');
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });
});

describe("parameter counts equal torchvision's", () => {
  // torchvision 0.14.1's counts (`sum(p.numel() for p in model.parameters())`,
  // 1000 classes), written out here rather than read from the registry, so a
  // wrong registry entry or a wrong architecture cannot pass by agreeing with itself.
  const TORCHVISION_PARAMETERS: Record<string, number> = {
    vgg11: 132_863_336,
    vgg11_bn: 132_868_840,
    vgg13: 133_047_848,
    vgg13_bn: 133_053_736,
    vgg16: 138_357_544,
    vgg16_bn: 138_365_992,
    vgg19: 143_667_240,
    vgg19_bn: 143_678_248,
    resnet18: 11_689_512,
    resnet34: 21_797_672,
    resnet50: 25_557_032,
    resnet101: 44_549_160,
    resnet152: 60_192_808,
    wide_resnet50_2: 68_883_240,
    wide_resnet101_2: 126_886_696,
    densenet121: 7_978_856,
    densenet161: 28_681_000,
    densenet169: 14_149_480,
    densenet201: 20_013_928,
    googlenet: 6_624_904, // without the auxiliary heads, as torchvision's pretrained model
  };
  const TORCHVISION_FAMILIES = ['vgg', 'resnet', 'densenet', 'googlenet'];

  it('every entry of a torchvision family declares its count, and it is the one above', () => {
    const declared = Object.fromEntries(
      listBackbones()
        .filter(
          (entry) =>
            TORCHVISION_FAMILIES.includes(entry.family) ||
            entry.torchvisionParameters !== undefined,
        )
        .map((entry) => [entry.name, entry.torchvisionParameters]),
    );
    expect(declared).toEqual(TORCHVISION_PARAMETERS);
  });

  it.each(Object.entries(TORCHVISION_PARAMETERS))('%s: %d', (name, expected) => {
    // Built full size at 1000 classes.
    const model = createBackbone(name, { inputShape: [32, 32, 3], weightInit: 'none' });
    expect(countParameters(model)).toBe(expected);
    model.dispose();
  });

  it('googlenet with its auxiliary heads: 13,004,888; mobilenet_v1 (alpha 1): 4,231,976 (Keras: trainable)', () => {
    const googlenet = createBackbone('googlenet', {
      inputShape: [64, 64, 3],
      auxLogits: true,
      weightInit: 'none',
    });
    expect(countParameters(googlenet)).toBe(13_004_888);
    googlenet.dispose();
    const mobilenet = createBackbone('mobilenet_v1', {
      inputShape: [32, 32, 3],
      weightInit: 'none',
    });
    expect(countParameters(mobilenet)).toBe(4_231_976);
    mobilenet.dispose();
  });

  it("the README's other counts: smallcnn 370,184; mobilenet_v1 at alpha 0.25 (224x224) 470,072", () => {
    const smallcnn = createBackbone('smallcnn', { inputShape: [32, 32, 3], weightInit: 'none' });
    expect(countParameters(smallcnn)).toBe(370_184);
    smallcnn.dispose();
    const mobilenet = createBackbone('mobilenet_v1', {
      inputShape: [224, 224, 3],
      alpha: 0.25,
      weightInit: 'none',
    });
    expect(countParameters(mobilenet)).toBe(470_072);
    mobilenet.dispose();
  });

  it('width and depth settings scale the same blocks', () => {
    const count = (options: Parameters<typeof createBackbone<'resnet18'>>[1]) => {
      const model = createBackbone('resnet18', { ...options, weightInit: 'none' });
      const parameters = countParameters(model);
      model.dispose();
      return parameters;
    };
    const full = count({ inputShape: [32, 32, 3] });
    const half = count({ inputShape: [32, 32, 3], width: 0.5 });
    const shallow = count({ inputShape: [32, 32, 3], layers: [1, 1, 1, 1] });
    expect(half).toBeLessThan(full / 3);
    expect(shallow).toBeLessThan(full);
    const model = createBackbone('resnet18', {
      inputShape: [32, 32, 3],
      layers: [1, 1, 1, 1],
      weightInit: 'none',
    });
    expect(model.layers.some((layer) => layer.name === 'layer1.1')).toBe(false);
    model.dispose();
  });
});

describe('createBackbone', () => {
  it.each(SMALL_CONFIGS.map((config) => [config.label, config] as const))(
    '%s: logits [N, classes]; features: its last feature map',
    (_label, config) => {
      const logits = createBackbone(config.name, {
        ...config.options,
        inputShape: [32, 32, 3],
        numClasses: 6,
      });
      expect(logits.outputs[0]!.shape).toEqual([null, 6]);
      const features = createBackbone(config.name, {
        ...config.options,
        inputShape: [32, 32, 3],
        output: 'features',
      });
      expect(features.outputs).toHaveLength(1);
      expect(features.outputs[0]!.shape).toHaveLength(4);
      // The feature map is the one the classifier pools.
      const featureLayer = logits.getLayer(featureLayerName(logits));
      expect((featureLayer.output as tfl.SymbolicTensor).shape).toEqual(features.outputs[0]!.shape);
      expect(featureLayerName(features)).toBe(featureLayer.name);
      logits.dispose();
      features.dispose();
    },
  );

  it.each([
    ['smallcnn', 'block4.relu'],
    ['vgg16', 'features.30'],
    ['resnet18', 'layer4.1'],
    ['resnet50', 'layer4.2'],
    ['densenet121', 'relu'],
    ['googlenet', 'inception5b'],
    ['mobilenet_v1', 'conv_pw_13_relu'],
  ])('%s: the last feature map is %s', (name, layerName) => {
    const model = createBackbone(name, { inputShape: [64, 64, 3], weightInit: 'none' });
    expect(featureLayerName(model)).toBe(layerName);
    model.dispose();
  });

  it('googlenet with auxLogits outputs [logits, aux1, aux2]; features mode drops them', () => {
    const model = createBackbone('googlenet', {
      inputShape: [64, 64, 3],
      width: 0.25,
      auxLogits: true,
      numClasses: 3,
    });
    expect(model.outputNames).toEqual(['fc', 'aux1.fc2', 'aux2.fc2']);
    model.dispose();
    const features = createBackbone('googlenet', {
      inputShape: [64, 64, 3],
      width: 0.25,
      auxLogits: true,
      output: 'features',
    });
    expect(features.outputNames).toEqual(['inception5b']);
    expect(features.layers.some((layer) => layer.name.startsWith('aux'))).toBe(false);
    features.dispose();
  });

  it('is seeded: the same seed gives the same weights, another seed others', () => {
    const weightsOf = (seed: number) => {
      const model = createBackbone('resnet18', {
        inputShape: [32, 32, 3],
        layers: [1],
        width: 1 / 16,
        seed,
      });
      const values = model.weights.map((weight) => Array.from(weight.read().dataSync()));
      model.dispose();
      return values;
    };
    expect(weightsOf(1)).toEqual(weightsOf(1));
    expect(weightsOf(1)).not.toEqual(weightsOf(2));
  });

  it("draws torchvision's initial weights (kaiming fan-out convs, N(0, 0.01) VGG linears, ones/zeros batch norm)", () => {
    const std = (tensor: tf.Tensor) =>
      tf.tidy(() => Math.sqrt(tf.moments(tensor).variance.dataSync()[0]!));
    const resnet = createBackbone('resnet18', {
      inputShape: [32, 32, 3],
      layers: [1, 1, 1, 1],
      width: 0.5,
      seed: 3,
    });
    const [conv] = resnet.getLayer('layer3.0.conv2').getWeights(); // 3x3, 128 -> 128: fan_out 1152
    expect(std(conv!)).toBeCloseTo(Math.sqrt(2 / 1152), 3);
    const [gamma, beta, mean, variance] = resnet.getLayer('layer3.0.bn2').getWeights();
    expect([gamma, beta, mean, variance].map((t) => Array.from(new Set(t!.dataSync())))).toEqual([
      [1],
      [0],
      [0],
      [1],
    ]);
    const [fc] = resnet.getLayer('fc').getWeights();
    expect(tf.tidy(() => tf.max(tf.abs(fc!)).dataSync()[0]!)).toBeLessThanOrEqual(
      1 / Math.sqrt(256),
    );
    resnet.dispose();
    const vgg = createBackbone('vgg16', {
      inputShape: [32, 32, 3],
      layers: [8, 'M'],
      hiddenUnits: 256,
      seed: 3,
    });
    const [linear, bias] = vgg.getLayer('classifier.0').getWeights();
    expect(std(linear!)).toBeCloseTo(0.01, 3);
    expect(Array.from(new Set(bias!.dataSync()))).toEqual([0]);
    vgg.dispose();
  });

  it('rejects bad options with messages that say what to change', () => {
    expect(() => createBackbone('resnet18', { inputShape: [32, 32, 3], numClasses: 0 })).toThrow(
      /numClasses/,
    );
    expect(() =>
      createBackbone('resnet18', { inputShape: [32, 32] as unknown as [number, number, number] }),
    ).toThrow(/inputShape/);
    expect(() => createBackbone('googlenet', { inputShape: [8, 8, 3] })).toThrow(/too small/);
    expect(() => createBackbone('mobilenet_v1', { inputShape: [32, 32, 3], alpha: 1.5 })).toThrow(
      /alpha/,
    );
    expect(() =>
      createBackbone('resnet18', { inputShape: [32, 32, 3], widthPerGroup: 128 }),
    ).toThrow(/basic blocks/);
  });
});
