// Small configurations of every family's building blocks: what the fast tests
// train, save and transform.
import type { BackboneName, BackboneOptionsByName } from '../index.js';

export type SmallConfig = {
  [Name in BackboneName]: {
    label: string;
    name: Name;
    options: Omit<BackboneOptionsByName[Name], 'inputShape'>;
  };
}[BackboneName];

export const SMALL_CONFIGS: SmallConfig[] = [
  { label: 'smallcnn', name: 'smallcnn', options: { widths: [8, 16] } },
  {
    label: 'vgg16',
    name: 'vgg16',
    options: { layers: [8, 'M', 16, 'M'], hiddenUnits: 16, poolSize: 2 },
  },
  {
    label: 'vgg16_bn',
    name: 'vgg16_bn',
    options: { layers: [8, 'M', 16, 'M'], hiddenUnits: 16, poolSize: 2 },
  },
  { label: 'resnet (basic blocks)', name: 'resnet18', options: { layers: [1, 1], width: 1 / 16 } },
  { label: 'resnet (bottlenecks)', name: 'resnet50', options: { layers: [1, 1], width: 1 / 16 } },
  {
    label: 'densenet',
    name: 'densenet121',
    options: { growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 2 },
  },
  {
    label: 'googlenet (aux heads)',
    name: 'googlenet',
    options: { width: 1 / 16, auxLogits: true },
  },
  { label: 'mobilenet_v1', name: 'mobilenet_v1', options: { alpha: 0.25 } },
  {
    label: 'vgg_att3',
    name: 'vgg_att3',
    options: { width: 1 / 32, convsPerBlock: [1, 1, 1, 1, 1, 1] },
  },
  {
    label: 'resattnet (32x32 layout)',
    name: 'resattnet92_32',
    options: { width: 1 / 32, modules: [1, 0, 1] },
  },
];
