// `gsa train --pretrained`: a torchvision-layout checkpoint for 10 classes
// (written here, as a user's `safetensors.torch.save_file` would) fine-tuned
// on the shared 2-class data: the body is loaded, the classifier replaced.
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend } from '@gsa/backends';
import {
  createBackbone,
  decodeSafetensors,
  encodeTorchvisionWeights,
  type SafetensorsEntry,
} from '@gsa/backbones';
import type * as tfl from '@tensorflow/tfjs-layers';
import { spawnSync } from 'node:child_process';
import { encodeNpy, parseNpy } from '@gsa/data';
import { loadModelFromDirectory, nestedBackbone } from '@gsa/pipeline/node';
import { runGsa, scratchDirectory, sharedFixture, trainArgs } from './cli-test-support.fixture.js';

const { data } = sharedFixture();
const scratch = scratchDirectory('cli-fine-tune');
const weights = join(scratch, 'weights');
const tiny = { layers: [1, 1], width: 1 / 16 };
const config = join(scratch, 'tiny-resnet.json');

beforeAll(async () => {
  await useBackend('cpu');
  mkdirSync(weights, { recursive: true });
  const pretrained = createBackbone('resnet18', {
    ...tiny,
    inputShape: [16, 16, 3],
    numClasses: 10,
    seed: 3,
  });
  writeFileSync(join(weights, 'tiny-resnet.safetensors'), encodeTorchvisionWeights(pretrained));
  pretrained.dispose();
  writeFileSync(config, JSON.stringify({ backboneOptions: tiny }));
});

const fineTune = (out: string, ...extra: string[]) =>
  runGsa(
    trainArgs(data, join(scratch, out), '--backbone', 'resnet18', '--config', config, ...extra),
    undefined,
    { GSA_WEIGHTS_DIR: weights },
  );

// A copy: a Buffer's slice() is a view into its pool.
const floats = (entry: SafetensorsEntry) =>
  Array.from(new Float32Array(Uint8Array.from(entry.bytes).buffer));

/** A run's deployed model and the backbone nested in it. */
async function loadRun(
  run: string,
): Promise<{ model: tfl.LayersModel; backbone: tfl.LayersModel }> {
  const model = await loadModelFromDirectory(join(scratch, run, 'model'));
  return { model, backbone: nestedBackbone(model)! };
}

describe('gsa train --pretrained (fine-tuning)', () => {
  it('loads the body by name from GSA_WEIGHTS_DIR, replaces the 10-class head, and says so', () => {
    const result = fineTune('all', '--pretrained', 'tiny-resnet', '--head-learning-rate', '0.01');
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/pretrained weights .*tiny-resnet\.safetensors \(safetensors\)/);
    expect(result.stderr).toMatch(/loaded \d+ weights from the file/);
    expect(result.stderr).toContain(
      "replaced the classifier with a fresh one: fc/kernel [8,2] (the file's is [8,10]), fc/bias [2] (the file's is [10])",
    );
    expect(result.stderr).toMatch(/training every layer/);
    expect(result.stderr).toMatch(/classifier fc at learning rate 0\.01, the rest at/);
    // 16x16 images against weights trained at 224x224.
    expect(result.stderr).toMatch(
      /warning: the images are 16x16, but resnet18's weights were trained at 224x224/,
    );
    // Grey images became 3 channels with ImageNet's statistics, recorded for predict and eval.
    const info = JSON.parse(readFileSync(join(scratch, 'all', 'model', 'gsa.json'), 'utf8'));
    expect(info.inputShape).toEqual([16, 16, 3]);
    expect(info.preprocessing.normalize.mean).toEqual([0.485, 0.456, 0.406]);
    // This tiny layout has no torchvision constructor: exporting it for PyTorch is a clear refusal.
    const tiny = runGsa([
      'export',
      '--run',
      join(scratch, 'all'),
      '--out',
      join(scratch, 'tiny-torch'),
      '--format',
      'torchvision',
    ]);
    expect(tiny.status).not.toBe(0);
    expect(tiny.stderr).toMatch(
      /backboneOptions \(layers, width\), a layout torchvision's resnet18\(\) does not build/,
    );
  });

  it('--train head trains the new classifier only: the body leaves as it came', async () => {
    const result = fineTune(
      'head',
      '--pretrained',
      join(weights, 'tiny-resnet.safetensors'),
      '--train',
      'head',
    );
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/frozen \d+ layers with weights \(conv1, bn1, /);
    const file = decodeSafetensors(readFileSync(join(weights, 'tiny-resnet.safetensors')));
    const { model, backbone } = await loadRun('head');
    const trained = decodeSafetensors(encodeTorchvisionWeights(backbone));
    for (const name of ['conv1.weight', 'layer2.0.conv2.weight', 'bn1.running_mean']) {
      expect(floats(trained.tensors.get(name)!)).toEqual(floats(file.tensors.get(name)!));
    }
    // The new classifier did train.
    expect(floats(trained.tensors.get('fc.bias')!)).not.toEqual(
      Array.from(backbone.getLayer('fc').getWeights()[1]!.dataSync()).map(() => 0),
    );
    model.dispose();
  });

  it('refuses what cannot work, naming the value', () => {
    const missing = fineTune('missing', '--pretrained', 'resnet152');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/GSA_WEIGHTS_DIR \(.*\) has no resnet152\.safetensors/);
    expect(missing.stderr).toMatch(/Names there: tiny-resnet\./);
    const noWeights = runGsa(trainArgs(data, join(scratch, 'no-weights'), '--train', 'head'));
    expect(noWeights.status).not.toBe(0);
    expect(noWeights.stderr).toMatch(/--train head freezes pretrained layers, but no --pretrained/);
    // A body that does not fit (the checkpoint is a ResNet at width 1/16; this one is wider).
    writeFileSync(
      join(scratch, 'wide.json'),
      JSON.stringify({ backboneOptions: { layers: [1, 1], width: 1 / 8 } }),
    );
    const wide = runGsa(
      trainArgs(
        data,
        join(scratch, 'wide'),
        '--backbone',
        'resnet18',
        '--config',
        join(scratch, 'wide.json'),
        '--pretrained',
        'tiny-resnet',
      ),
      undefined,
      { GSA_WEIGHTS_DIR: weights },
    );
    expect(wide.status).not.toBe(0);
    expect(wide.stderr).toMatch(/conv1\/kernel: model \[7,7,3,8\], file \[7,7,3,4\]/);
    const badLayer = fineTune(
      'bad-layer',
      '--pretrained',
      'tiny-resnet',
      '--freeze-until',
      'layer9',
    );
    expect(badLayer.status).not.toBe(0);
    expect(badLayer.stderr).toMatch(/--freeze-until layer9/);
  });
});

/** A Python 3 with torch and torchvision (Debian: apt-get install python3-torch python3-torchvision), if any. */
function pythonWithTorch(): string | undefined {
  for (const python of [process.env.GSA_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', 'import torch, torchvision, numpy'], {
      encoding: 'utf8',
    });
    if (probe.status === 0) return python;
  }
  return undefined;
}

describe('gsa export --format torchvision', () => {
  const python = pythonWithTorch();
  beforeAll(() => {
    if (!python)
      console.warn(
        'skipped: the PyTorch round trip needs python3 with torch and torchvision (apt-get install python3-torch python3-torchvision, or GSA_PYTHON)',
      );
  });

  it("writes the state_dict, the map and model.py; PyTorch's logits equal gsa's", async () => {
    // torchvision's own resnet18 layout (no backboneOptions), fine-tuned from a full-size checkpoint.
    const full = createBackbone('resnet18', { inputShape: [16, 16, 3], numClasses: 1000, seed: 4 });
    writeFileSync(join(weights, 'resnet18.safetensors'), encodeTorchvisionWeights(full));
    full.dispose();
    const trained = runGsa(
      trainArgs(
        data,
        join(scratch, 'resnet18'),
        '--backbone',
        'resnet18',
        '--pretrained',
        'resnet18',
        '--epochs',
        '1',
      ),
      undefined,
      { GSA_WEIGHTS_DIR: weights },
    );
    expect(trained.status).toBe(0);
    const out = join(scratch, 'resnet18-torch');
    const exported = runGsa([
      'export',
      '--run',
      join(scratch, 'resnet18'),
      '--out',
      out,
      '--format',
      'torchvision',
    ]);
    expect(exported.status).toBe(0);
    expect(exported.stdout).toContain('for PyTorch');
    const state = decodeSafetensors(readFileSync(join(out, 'backbone.safetensors')));
    expect(state.tensors.get('fc.weight')!.shape).toEqual([2, 512]);
    expect(parseNpy(readFileSync(join(out, 'map.npy'))).shape).toEqual([16, 16]);
    expect(readFileSync(join(out, 'model.py'), 'utf8')).toContain(
      'torchvision.models.resnet18(num_classes=2)',
    );
    if (!python) return;
    const images = tf.randomNormal([3, 16, 16, 3], 0, 1, 'float32', 7);
    const { model } = await loadRun('resnet18');
    const expected = Array.from((model.predict(images) as tf.Tensor).dataSync());
    writeFileSync(join(scratch, 'images.npy'), encodeNpy(images.dataSync(), [3, 16, 16, 3]));
    const run = spawnSync(
      python,
      [join(out, 'model.py'), join(scratch, 'images.npy'), join(scratch, 'logits.npy')],
      {
        encoding: 'utf8',
      },
    );
    expect(run.stderr).toBe('');
    const logits = Array.from(
      parseNpy(readFileSync(join(scratch, 'logits.npy'))).data as ArrayLike<number>,
    );
    expect(logits).toHaveLength(expected.length);
    for (const [i, value] of logits.entries()) expect(value).toBeCloseTo(expected[i]!, 4);
    model.dispose();
    images.dispose();
  });
});
