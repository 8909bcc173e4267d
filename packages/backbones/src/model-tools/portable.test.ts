import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FixedSpatialMap } from '@gsa/attention';
import { useBackend } from '@gsa/backends';
import { createBackbone, featureLayerName, TorchBatchNorm, type BackboneName } from '../index.js';
import { SMALL_CONFIGS } from '../test-support/small-configs.fixture.js';
import {
  layerClassNames,
  NotPortableError,
  portableModel,
  savedLayerClasses,
  STOCK_LAYER_CLASSES,
} from './portable.js';

beforeAll(async () => {
  await useBackend('wasm', { threads: 1 });
});

/** `image -> image * map -> backbone`, as gsa deploys a model. */
function withMap(backbone: tfl.LayersModel): tfl.LayersModel {
  const [, height, width, channels] = backbone.inputs[0]!.shape as number[];
  const input = tfl.input({ shape: [height!, width!, channels!], name: 'image' });
  const map = tf.tidy(() => tf.randomUniform([height!, width!], 0, 1, 'float32', 5));
  const attended = new FixedSpatialMap({ map, name: 'spatial_map' }).apply(input);
  map.dispose();
  return tfl.model({ inputs: input, outputs: backbone.apply(attended) as tfl.SymbolicTensor[] });
}

/** The model's outputs (one or several) for `images`, as arrays. */
function outputsOf(model: tfl.LayersModel, images: tf.Tensor): Float32Array[] {
  const predicted = model.predict(images) as tf.Tensor | tf.Tensor[];
  const list = Array.isArray(predicted) ? predicted : [predicted];
  const values = list.map((tensor) => tensor.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(b.map((values) => values.length)).toEqual(a.map((values) => values.length));
  let largest = 0;
  a.forEach((values, output) => {
    values.forEach((value, index) => {
      largest = Math.max(largest, Math.abs(value - b[output]![index]!));
    });
  });
  return largest;
}

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  // What a model folder's model.json says, read without loading it.
  const savedClasses = savedLayerClasses(saved!.modelTopology);
  expect([...layerClassNames(model)].filter((name) => !savedClasses.has(name))).toEqual([]);
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

/** Trained-looking statistics: batch norm's running mean and variance away from 0 and 1. */
function perturbStatistics(model: tfl.LayersModel): void {
  let seed = 11;
  const visit = (layers: tfl.layers.Layer[]) => {
    for (const layer of layers) {
      if (layer instanceof tfl.LayersModel) visit(layer.layers);
      else if (layer.getClassName() === 'TorchBatchNorm') {
        const [gamma, beta, mean, variance] = layer.getWeights();
        layer.setWeights([
          tf.randomUniform(gamma!.shape, 0.5, 1.5, 'float32', seed++),
          tf.randomUniform(beta!.shape, -0.5, 0.5, 'float32', seed++),
          tf.randomUniform(mean!.shape, -0.5, 0.5, 'float32', seed++),
          tf.randomUniform(variance!.shape, 0.5, 2, 'float32', seed++),
        ]);
      }
    }
  };
  visit(model.layers);
}

const PORTABLE = SMALL_CONFIGS.filter(({ name }) => !['vgg_att3', 'resattnet92_32'].includes(name));

describe('portableModel', () => {
  it.each([
    ...PORTABLE.map(({ label, name, options }) => ({
      label,
      name,
      options,
      size: 32,
      channels: 3,
    })),
    // Adaptive pooling: identity (4x4 features to 4x4), bins that do not divide (7x7 to 2x2).
    ...[16, 28].map((size) => ({
      label: `vgg16_bn at ${size} px`,
      name: 'vgg16_bn' as BackboneName,
      options: { layers: [8, 'M', 16, 'M'], hiddenUnits: 16, poolSize: size === 16 ? 4 : 2 },
      size,
      channels: 3,
    })),
    {
      label: 'googlenet with transformInput',
      name: 'googlenet' as BackboneName,
      options: { width: 1 / 16, transformInput: true },
      size: 32,
      channels: 3,
    },
    {
      label: 'grey smallcnn',
      name: 'smallcnn' as BackboneName,
      options: {},
      size: 16,
      channels: 1,
    },
  ])('$label: stock layers only, the same outputs, saved and loaded', async (spec) => {
    const backbone = createBackbone(spec.name, {
      ...spec.options,
      inputShape: [spec.size, spec.size, spec.channels],
      numClasses: 3,
      seed: 1,
    } as never);
    perturbStatistics(backbone);
    const model = withMap(backbone);
    const portable = await portableModel(model);
    const classes = [...layerClassNames(portable)];
    expect(classes.filter((name) => !STOCK_LAYER_CLASSES.has(name))).toEqual([]);
    expect(layerClassNames(model).has('FixedSpatialMap')).toBe(true); // the original is untouched

    const images = tf.randomUniform([2, spec.size, spec.size, spec.channels], 0, 1, 'float32', 7);
    const expected = outputsOf(model, images);
    expect(maxDifference(expected, outputsOf(portable, images))).toBeLessThan(1e-5);
    const loaded = await roundTrip(portable);
    expect(maxDifference(expected, outputsOf(loaded, images))).toBeLessThan(1e-5);
    // Differentiable as the original (Grad-CAM takes gradients through it).
    const gradientOf = (form: tfl.LayersModel) =>
      tf.grad((x: tf.Tensor) => tf.sum([form.apply(x) as tf.Tensor | tf.Tensor[]].flat()[0]!))(
        images,
      );
    const [gradient, portableGradient] = [gradientOf(model), gradientOf(portable)];
    expect(
      maxDifference(
        [gradient.dataSync() as Float32Array],
        [portableGradient.dataSync() as Float32Array],
      ),
    ).toBeLessThan(1e-4);
    tf.dispose([gradient, portableGradient]);
    // Grad-CAM finds the same last feature map in both forms.
    const backboneOf = (whole: tfl.LayersModel) =>
      whole.layers.find((layer): layer is tfl.LayersModel => layer instanceof tfl.LayersModel)!;
    expect(featureLayerName(backboneOf(loaded))).toBe(featureLayerName(backbone));
    tf.dispose(images);
    for (const disposable of [model, portable, loaded]) disposable.dispose();
  });

  it('writes adaptive pooling that divides as AveragePooling2D, and the rest as Dense bin matrices', async () => {
    const divides = createBackbone('vgg16', {
      inputShape: [32, 32, 3],
      layers: [8, 'M', 16, 'M'],
      hiddenUnits: 16,
      poolSize: 2,
      numClasses: 2,
    });
    expect(layerClassNames(await portableModel(divides)).has('AveragePooling2D')).toBe(true);
    const bins = await portableModel(
      createBackbone('vgg16', {
        inputShape: [28, 28, 3],
        layers: [8, 'M', 16, 'M'],
        hiddenUnits: 16,
        poolSize: 2,
        numClasses: 2,
      }),
    );
    const avgpool = bins.layers.filter((layer) => layer.name.startsWith('avgpool'));
    expect(avgpool.map((layer) => layer.getClassName())).toEqual([
      'AveragePooling2D', // 1x1: it marks where the features end
      'Permute',
      'Dense',
      'Permute',
      'Dense',
      'Permute',
    ]);
    // Row 1 of the 7 -> 2 bin matrix averages inputs 3 to 6 (bins overlap at 3).
    const rows = bins.getLayer('avgpool_rows').getWeights()[0]!;
    expect(Array.from(tf.tidy(() => tf.transpose(rows)).dataSync()).slice(7)).toEqual([
      0, 0, 0, 0.25, 0.25, 0.25, 0.25,
    ]);
  });

  it('refuses a custom layer inside a nested Sequential, which it keeps as it is', async () => {
    const inner = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 2, kernelSize: 3 }),
        new TorchBatchNorm({ name: 'inner_bn' }),
      ],
    });
    const input = tfl.input({ shape: [8, 8, 3] });
    const model = tfl.model({ inputs: input, outputs: inner.apply(input) as tfl.SymbolicTensor });
    await expect(portableModel(model)).rejects.toThrow(/\(TorchBatchNorm\)/);
  });

  it('names the layers that have no stock form', async () => {
    const model = createBackbone('vgg_att3', {
      inputShape: [32, 32, 3],
      width: 1 / 32,
      convsPerBlock: [1, 1, 1, 1, 1, 1],
      numClasses: 2,
    });
    const refusal = await portableModel(model).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(NotPortableError);
    expect((refusal as NotPortableError).message).toMatch(
      /no form in tfjs's own layers: .*\((SpatialAttentionNormalization|AttentionWeightedPooling|ConstantPadding2D|AlignedBilinearResize)\)/,
    );
  });
});
