// Classifies an image with a model exported by `gsa export` (model.json,
// weights.bin, gsa.json: the map is baked in as the spatial_map layer) and
// shows that map over the image. The files are read here; nothing is uploaded.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Registers gsa's own layers, which a model saved before portable export (or
// `gsa export --format gsa`) may hold: FixedSpatialMap, TorchBatchNorm, ...
import '@gsa/attention';
import '@gsa/backbones';
import { deployedMap } from '@gsa/trainer';
import { preprocessImage, type PreprocessOptions } from '@gsa/data';
import {
  imageToRgba,
  overlayHeatmap,
  renderHeatmap,
  sideBySide,
  upscaleNearest,
  type RgbaImage,
  type ScalarMap,
} from '@gsa/viz';
import { drawRgbaImage } from '@gsa/viz/browser';
import { startBackend } from './backend.js';
import { decodeImageFile } from './images.js';

/** gsa.json, written beside the model by `gsa train` and copied by `gsa export`. */
export interface ExportedModelInfo {
  classNames: string[];
  inputShape: [number, number, number];
  preprocessing: {
    size?: [number, number];
    scaled?: boolean;
    normalize?: { mean: number[]; std: number[] };
    channels?: 'keep' | 1 | 3;
  } | null;
  attention?: string;
  backbone?: string;
}

export interface LoadedModel {
  model: tfl.LayersModel;
  info: ExportedModelInfo;
  /** The baked-in map, absent for a vanilla model. */
  map?: ScalarMap;
}

/** Loads an exported model from the files of its folder (model.json, its weight files, gsa.json). */
export async function loadExportedModel(files: readonly File[]): Promise<LoadedModel> {
  const byName = new Map(files.map((file) => [file.name, file]));
  const modelJson = byName.get('model.json');
  const infoJson = byName.get('gsa.json');
  if (!modelJson || !infoJson) {
    throw new Error(
      `Choose the folder made by \`gsa export\` (or a run's model/ folder): it needs model.json, gsa.json and the weights; got ${[...byName.keys()].join(', ') || 'nothing'}.`,
    );
  }
  const manifest = JSON.parse(await modelJson.text()) as {
    weightsManifest?: { paths: string[] }[];
  };
  const weightFiles = (manifest.weightsManifest ?? []).flatMap((group) =>
    group.paths.map((path) => {
      const file = byName.get(path.split('/').pop()!);
      if (!file)
        throw new Error(`model.json names the weights file ${path}, which was not chosen.`);
      return file;
    }),
  );
  const info = JSON.parse(await infoJson.text()) as ExportedModelInfo;
  if (!Array.isArray(info.classNames) || !Array.isArray(info.inputShape)) {
    throw new Error('gsa.json lacks classNames or inputShape: was it written by gsa?');
  }
  const model = await tfl.loadLayersModel(tf.io.browserFiles([modelJson, ...weightFiles]));
  const map: ScalarMap | undefined = deployedMap(model);
  return { model, info, ...(map ? { map } : {}) };
}

export interface Classification {
  className: string;
  probabilities: { className: string; probability: number }[];
}

/** Preprocesses the image as `gsa predict` does and classifies it. */
export async function classifyImage(
  loaded: LoadedModel,
  file: File,
): Promise<{ result: Classification; overlay: RgbaImage }> {
  const { model, info } = loaded;
  const [height, width, channels] = info.inputShape;
  const raw = await decodeImageFile(file, file.name);
  const base: PreprocessOptions = {
    size: [height, width],
    scale: info.preprocessing?.scaled ?? true,
    channels: channels === 1 || channels === 3 ? channels : 'keep',
  };
  const input = preprocessImage(
    raw,
    {
      ...base,
      ...(info.preprocessing?.normalize ? { normalize: info.preprocessing.normalize } : {}),
    },
    false,
    file.name,
  );
  const probabilities = tf.tidy(() =>
    tf
      .softmax(model.predict(tf.tensor4d(input.data, [1, height, width, channels])) as tf.Tensor2D)
      .dataSync(),
  );
  const ranked = info.classNames
    .map((className, index) => ({ className, probability: probabilities[index] ?? 0 }))
    .sort((a, b) => b.probability - a.probability);
  const shown = preprocessImage(raw, base, false, file.name);
  const image = { height, width, channels: (channels === 3 ? 3 : 1) as 1 | 3, values: shown.data };
  const scale = Math.max(1, Math.round(224 / Math.max(height, width)));
  const panels = [upscaleNearest(imageToRgba(image), scale)];
  if (loaded.map) {
    panels.push(upscaleNearest(renderHeatmap(loaded.map, { colormap: 'magma' }), scale));
    panels.push(
      upscaleNearest(overlayHeatmap(image, loaded.map, { colormap: 'magma', opacity: 0.5 }), scale),
    );
  }
  return {
    result: { className: ranked[0]!.className, probabilities: ranked },
    overlay: sideBySide(panels, { gap: 6 }),
  };
}

/** Builds the page inside `root`; returns a function that frees the model. */
export function mountClassify(root: HTMLElement, options: { wasmPaths: string }): () => void {
  root.replaceChildren();
  const make = <K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attributes: Record<string, string> = {},
    text?: string,
  ) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const modelLabel = make('label', { class: 'gsa-field' });
  const modelInput = make('input', {
    type: 'file',
    id: 'gsa-model-files',
    multiple: '',
    accept: '.json,.bin',
  });
  modelLabel.append(
    make(
      'span',
      {},
      '1. the exported model: select model.json, weights.bin and gsa.json together ',
    ),
    modelInput,
  );
  const folderLabel = make('label', { class: 'gsa-field' });
  const folderInput = make('input', {
    type: 'file',
    id: 'gsa-model-folder',
    webkitdirectory: '',
    multiple: '',
  });
  folderLabel.append(make('span', {}, 'or its folder '), folderInput);
  const imageLabel = make('label', { class: 'gsa-field' });
  const imageInput = make('input', { type: 'file', id: 'gsa-image', accept: 'image/*' });
  imageInput.disabled = true;
  imageLabel.append(make('span', {}, '2. an image to classify '), imageInput);
  const status = make(
    'p',
    { id: 'gsa-classify-status', role: 'status' },
    'Load a model exported by `gsa export`. Nothing leaves this browser.',
  );
  const modelLine = make('p', { id: 'gsa-model-info' });
  const prediction = make('p', { id: 'gsa-prediction' });
  const table = make('table', { id: 'gsa-probabilities' });
  const canvas = make('canvas', {
    id: 'gsa-overlay',
    class: 'gsa-canvas',
    width: '1',
    height: '1',
  });
  const caption = make('p', { class: 'gsa-caption' }, '');
  root.append(
    modelLabel,
    folderLabel,
    imageLabel,
    status,
    modelLine,
    prediction,
    table,
    canvas,
    caption,
  );

  let loaded: LoadedModel | undefined;
  const load = async (files: FileList | null) => {
    if (!files?.length) return;
    try {
      status.textContent = 'Starting the backend...';
      const backend = await startBackend('auto', options.wasmPaths);
      status.textContent = `Loading the model (backend: ${backend.description})...`;
      loaded?.model.dispose();
      loaded = await loadExportedModel([...files]);
      const [height, width, channels] = loaded.info.inputShape;
      modelLine.textContent =
        `${loaded.info.backbone ?? 'model'} with ${loaded.info.attention ?? 'unknown'} attention: ` +
        `${height}x${width}x${channels} input, classes ${loaded.info.classNames.join(', ')}` +
        (loaded.map ? '; the learned map is baked in.' : '; no map (a vanilla model).');
      imageInput.disabled = false;
      status.textContent = 'Model loaded. Choose an image.';
      status.dataset.model = 'loaded';
    } catch (error) {
      status.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  modelInput.addEventListener('change', () => void load(modelInput.files));
  folderInput.addEventListener('change', () => void load(folderInput.files));
  const classify = async (): Promise<void> => {
    const file = imageInput.files?.[0];
    if (!file || !loaded) return;
    try {
      const { result, overlay } = await classifyImage(loaded, file);
      prediction.textContent = `${file.name}: ${result.className} (${(100 * result.probabilities[0]!.probability).toFixed(1)}%)`;
      prediction.dataset.className = result.className;
      table.replaceChildren(
        ...result.probabilities.map(({ className, probability }) => {
          const row = make('tr');
          row.append(
            make('td', {}, className),
            make('td', {}, `${(100 * probability).toFixed(1)}%`),
          );
          return row;
        }),
      );
      drawRgbaImage(canvas, overlay);
      caption.textContent = loaded.map
        ? 'the image (as the model sees it), the baked-in map, and the map over the image'
        : 'the image as the model sees it';
      status.textContent = 'Classified.';
    } catch (error) {
      status.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  imageInput.addEventListener('change', () => void classify());
  return () => loaded?.model.dispose();
}
