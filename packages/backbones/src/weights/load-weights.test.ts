// Loading errors name the source and say what to do; saves replace files
// whole (a failed save leaves the previous file as it was, and no temp file).
import '@tensorflow/tfjs-layers'; // registers the gradients in Node
import { useBackend } from '@gsa/backends';
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBackbone,
  fileSystemHandler,
  loadWeights,
  saveTorchvisionWeights,
  SafetensorsError,
  WeightsMismatchError,
} from '../index.js';
import { writeFileAtomically } from './atomic-write.js';
import { encodeTorchvisionWeights } from './torchvision.js';

const tinyResNet = (seed: number, numClasses = 4) =>
  createBackbone('resnet18', {
    inputShape: [16, 16, 3],
    layers: [1],
    width: 1 / 16,
    numClasses,
    seed,
  });

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

/** A local port with nothing listening on it: bound by the system, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let directory: string;
let model: ReturnType<typeof tinyResNet>;

beforeAll(async () => {
  await useBackend('cpu');
  model = tinyResNet(1);
});

afterAll(() => model.dispose());

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'gsa-weights-'));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('loadWeights errors name the source and say what to do', () => {
  it('a missing file or folder (the Node error is the cause)', async () => {
    for (const missing of [join(directory, 'resnet.safetensors'), join(directory, 'mobilenet')]) {
      const error = await rejection(loadWeights(model, missing));
      expect(error.message).toContain(`Could not load weights from ${missing}: `);
      expect(error.message).toMatch(/ENOENT.*Check the path: give a \.safetensors file/);
      let cause: unknown = error.cause;
      while (cause instanceof Error && !('code' in cause)) cause = cause.cause;
      expect((cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    }
  });

  it('a corrupt safetensors file', async () => {
    const path = join(directory, 'broken.safetensors');
    writeFileSync(path, new Uint8Array([1, 2, 3]));
    const error = await rejection(loadWeights(model, path));
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error.message).toBe(
      `Could not load weights from ${path}: Not a safetensors file: shorter than 8 bytes. ` +
        'It must be a torchvision state_dict saved with safetensors.torch.save_file (see the README); ' +
        'export it again if it is truncated or corrupt.',
    );
    expect(error.cause).toBeInstanceOf(SafetensorsError);
  });

  it('a model.json that is not JSON, or not a tfjs model', async () => {
    const path = join(directory, 'model.json');
    writeFileSync(path, '{"modelTopology": ');
    const error = await rejection(loadWeights(model, directory));
    expect(error.message).toContain(
      `Could not load weights from ${directory}: ${path} is not a tfjs model.json: `,
    );
    expect(error.message).toContain('It must be a tfjs layers model: model.json');
    expect((error.cause as Error).cause).toBeInstanceOf(SyntaxError);

    writeFileSync(path, '{"format": "something else"}');
    await expect(loadWeights(model, path)).rejects.toThrow(
      `${path} is not a tfjs model.json: it has neither a modelTopology nor a weightsManifest.`,
    );
  });

  it('a weight shard that model.json lists but its folder lacks', async () => {
    await model.save(fileSystemHandler(directory));
    rmSync(join(directory, 'weights.bin'));
    await expect(loadWeights(model, directory)).rejects.toThrow(
      `Could not read the weight shard ${join(directory, 'weights.bin')} that ${join(directory, 'model.json')} lists`,
    );
  });

  it('an unreachable URL (names the URL and why), and an HTTP error (names the status)', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/resnet.safetensors`;
    const error = await rejection(loadWeights(model, url));
    expect(error.message).toContain(`Could not load weights from ${url}: Could not fetch ${url}: `);
    expect(error.message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(error.message).toContain('Check the URL and that its server answers from here');
    expect(error.cause).toHaveProperty('message');
    // tfjs layers weights over http go through tf.io.http: the source is named all the same.
    const modelUrl = `http://127.0.0.1:${port}/model.json`;
    await expect(loadWeights(model, modelUrl)).rejects.toThrow(
      `Could not load weights from ${modelUrl}: `,
    );

    const server = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const missingUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gone.safetensors`;
    try {
      await expect(loadWeights(model, missingUrl)).rejects.toThrow(
        `Could not fetch ${missingUrl}: the server answered HTTP 404 Not Found.`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('weights of another model: a WeightsMismatchError that names the file', async () => {
    const path = join(directory, 'five-classes.safetensors');
    const other = tinyResNet(2, 5);
    await saveTorchvisionWeights(other, path);
    other.dispose();
    const error = await rejection(loadWeights(model, path));
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect(error.message).toMatch(
      new RegExp(
        `^Could not load weights from ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ` +
          'The weights do not fit the model resnet18: mismatched 2 \\(fc/kernel: model \\[4,4\\], file \\[4,5\\]',
      ),
    );
    expect((error as WeightsMismatchError).report.mismatched).toHaveLength(2);
    expect(error.cause).toBeInstanceOf(WeightsMismatchError);
  });
});

describe('saves replace files whole', () => {
  it('saveTorchvisionWeights renames a new file over the old one, leaving no temp file', async () => {
    const path = join(directory, 'resnet.safetensors');
    await saveTorchvisionWeights(model, path);
    const first = readFileSync(path);
    // A hard link still sees the old file only if the save replaced it rather than rewrote it in place.
    linkSync(path, join(directory, 'previous.safetensors'));
    const other = tinyResNet(3);
    await saveTorchvisionWeights(other, path);
    expect(new Uint8Array(readFileSync(path))).toEqual(encodeTorchvisionWeights(other));
    expect(readFileSync(join(directory, 'previous.safetensors')).equals(first)).toBe(true);
    expect(readdirSync(directory).sort()).toEqual(['previous.safetensors', 'resnet.safetensors']);
    other.dispose();

    const nowhere = join(directory, 'missing-folder', 'resnet.safetensors');
    await expect(saveTorchvisionWeights(model, nowhere)).rejects.toThrow(
      `Could not save the weights of resnet18 to ${nowhere}: ENOENT: no such file or directory`,
    );
  });

  it('a write that fails midway leaves the previous file and no temp file', async () => {
    const path = join(directory, 'weights.safetensors');
    writeFileSync(path, 'previous');
    function* failingChunks(): Generator<Uint8Array> {
      yield new Uint8Array(1024).fill(7);
      throw new Error('disk full (simulated)');
    }
    await expect(writeFileAtomically(path, failingChunks())).rejects.toThrow(
      'disk full (simulated)',
    );
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(directory)).toEqual(['weights.safetensors']);
  });

  it('fileSystemHandler.save: weights.bin first, and a failed save keeps the previous model.json', async () => {
    await model.save(fileSystemHandler(directory));
    expect(readdirSync(directory).sort()).toEqual(['model.json', 'weights.bin']);
    const previousJson = readFileSync(join(directory, 'model.json'), 'utf8');
    // Make the weights unwritable: weights.bin is now a folder, which no file can replace.
    rmSync(join(directory, 'weights.bin'));
    mkdirSync(join(directory, 'weights.bin'));
    writeFileSync(join(directory, 'weights.bin', 'keep'), '');
    const other = tinyResNet(4, 6);
    const error = await rejection(other.save(fileSystemHandler(directory)));
    other.dispose();
    expect(error.message).toContain(`Could not save the model to ${directory}: `);
    expect(error.cause).toHaveProperty('message');
    expect(readFileSync(join(directory, 'model.json'), 'utf8')).toBe(previousJson);
    expect(readdirSync(directory).sort()).toEqual(['model.json', 'weights.bin']);
  });
});
