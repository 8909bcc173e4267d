import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackbone, fileSystemHandler, loadWeights } from '../index.js';
import { describeWithSharedData } from '../test-support/paths.fixture.js';

const MOBILENET = 'weights/mobilenet_v1_025_224';

function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Serves a directory over http on a free local port. */
async function serve(directory: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(
      /^\/+/,
      '',
    );
    const stream = createReadStream(join(directory, name));
    stream.on('error', () => response.writeHead(404).end());
    stream.pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  await useBackend('wasm', { threads: 1 });
});

describe('fileSystemHandler', () => {
  it('saves a model to a directory and loads it back (topology and weights)', async () => {
    const model = createBackbone('resnet18', {
      inputShape: [32, 32, 3],
      layers: [1],
      width: 1 / 16,
      numClasses: 3,
      seed: 4,
    });
    const directory = mkdtempSync(join(tmpdir(), 'gsa-backbones-'));
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5);
    try {
      await model.save(fileSystemHandler(directory));
      const loaded = await tfl.loadLayersModel(fileSystemHandler(directory));
      const fresh = createBackbone('resnet18', {
        inputShape: [32, 32, 3],
        layers: [1],
        width: 1 / 16,
        numClasses: 3,
        seed: 5,
      });
      const report = await loadWeights(fresh, join(directory, 'model.json'));
      expect(report.format).toBe('tfjs-layers');
      expect(report.missing).toEqual([]);
      const expected = model.predict(images) as tf.Tensor;
      for (const other of [loaded, fresh]) {
        const predicted = other.predict(images) as tf.Tensor;
        expect(maxAbsDifference(predicted, expected)).toBe(0);
        predicted.dispose();
        other.dispose();
      }
      expected.dispose();
    } finally {
      rmSync(directory, { recursive: true, force: true });
      images.dispose();
      model.dispose();
    }
  });
});

describeWithSharedData(
  MOBILENET,
  "Google's MobileNet v1 0.25 (tfjs layers weights)",
  (directory) => {
    it("loads by name into mobilenet_v1 and gives the original model's predictions", async () => {
      const model = createBackbone('mobilenet_v1', {
        inputShape: [224, 224, 3],
        alpha: 0.25,
        weightInit: 'none',
      });
      const report = await loadWeights(model, directory);
      expect(report.missing).toEqual([]);
      expect(report.unexpected).toEqual([]);
      expect(report.loaded).toHaveLength(model.weights.length);
      const original = await tfl.loadLayersModel(fileSystemHandler(directory));
      const images = tf.randomUniform([2, 224, 224, 3], -1, 1, 'float32', 1);
      const probabilities = tf.tidy(() => tf.softmax(model.predict(images) as tf.Tensor));
      const reference = original.predict(images) as tf.Tensor;
      expect(maxAbsDifference(probabilities, reference)).toBeLessThan(1e-5);
      tf.dispose([images, probabilities, reference]);
      model.dispose();
      original.dispose();
    });

    it('loads from an http URL, and into a feature extractor (the head is reported, not an error)', async () => {
      const { server, url } = await serve(directory);
      try {
        const model = createBackbone('mobilenet_v1', {
          inputShape: [224, 224, 3],
          alpha: 0.25,
          output: 'features',
          weightInit: 'none',
        });
        const report = await loadWeights(model, `${url}/model.json`);
        expect(report.missing).toEqual([]);
        expect(report.unexpected).toEqual(['conv_preds/kernel', 'conv_preds/bias']);
        expect(model.outputs[0]!.shape).toEqual([null, 7, 7, 256]);
        model.dispose();
      } finally {
        server.close();
      }
    });
  },
);
