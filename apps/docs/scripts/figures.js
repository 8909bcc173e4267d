// The method page's figures, drawn by the packages themselves (seeded, so every
// build draws the same pixels): synthetic structured images of each class, the
// region that holds the class evidence, and the mean image with that region.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { useBackend } from '@gsa/backends';
import { generateSyntheticDataset } from '@gsa/data';
import {
  imageToRgba,
  meanImage,
  overlayHeatmap,
  renderHeatmap,
  sideBySide,
  upscaleNearest,
} from '@gsa/viz';
import { writePng } from '@gsa/viz/node';

export async function figuresFor(directory) {
  await useBackend('cpu');
  const size = 64;
  const set = generateSyntheticDataset({ count: 12, size, classes: 2, difficulty: 0.1, seed: 0 });
  const images = await set.images.data();
  const pixels = size * size;
  const imageAt = (index) => ({
    height: size,
    width: size,
    channels: 1,
    values: images.subarray(index * pixels, (index + 1) * pixels),
  });
  const panel = (image) => upscaleNearest(imageToRgba(image, { domain: [0, 1] }), 3);
  const byClass = [0, 1].map((label) =>
    [...set.labels.keys()].filter((index) => set.labels[index] === label).slice(0, 3),
  );
  await writePng(
    join(directory, 'synthetic-examples.png'),
    sideBySide(
      byClass.flat().map((index) => panel(imageAt(index))),
      { gap: 6 },
    ),
  );
  const region = { height: size, width: size, values: set.mask };
  const mean = meanImage(images, [set.labels.length, size, size, 1]);
  await writePng(
    join(directory, 'synthetic-region.png'),
    sideBySide(
      [
        upscaleNearest(renderHeatmap(region, { colormap: 'gray' }), 3),
        upscaleNearest(overlayHeatmap(mean, region, { colormap: 'magma', opacity: 0.45 }), 3),
      ],
      { gap: 6 },
    ),
  );
  tf.dispose(set.images);
  return 2;
}
