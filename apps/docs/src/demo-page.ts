// The live demo: a synthetic structured dataset (or the user's own folder),
// vanilla and global attention trained side by side in this tab, the map drawn
// epoch by epoch with the loss and accuracy curves. Nothing leaves the browser.
import * as tf from '@tensorflow/tfjs-core';
import { generateSyntheticDataset, type ImageSet } from '@gsa/data';
import { drawRgbaImage } from '@gsa/viz/browser';
import { renderHeatmap, upscaleNearest, type ScalarMap } from '@gsa/viz';
import { BROWSER_BACKENDS, startBackend } from './backend.js';
import { curvesSvg, type Series } from './curves.js';
import { chosenFiles, droppedFiles, folderImageSet, type FolderFile } from './images.js';
import { DEMO_SETTINGS, trainSideBySide, type EpochReport, type RunName } from './training.js';

const COLORS: Record<RunName, string> = { vanilla: '#8a8f98', global: '#d9480f' };
const LABELS: Record<RunName, string> = { vanilla: 'vanilla', global: 'global attention' };

interface Field {
  name: string;
  label: string;
  value: string;
  help: string;
}

/** Settings a user can change; a URL such as `?size=24&epochs=3` pre-fills them. */
function fields(search: URLSearchParams): Field[] {
  const list: Field[] = [
    { name: 'size', label: 'image size (px)', value: '32', help: 'images are size x size' },
    {
      name: 'count',
      label: 'images',
      value: '240',
      help: 'synthetic images (80% train, 20% test)',
    },
    { name: 'difficulty', label: 'difficulty', value: '0.1', help: '0 easy to 1 hard' },
    { name: 'epochs', label: 'epochs', value: String(DEMO_SETTINGS.epochs), help: '' },
    {
      name: 'cutoffEpoch',
      label: 'E (map frozen after)',
      value: String(DEMO_SETTINGS.cutoffEpoch),
      help: '',
    },
    {
      name: 'widths',
      label: 'smallcnn widths',
      value: DEMO_SETTINGS.widths.join(','),
      help: 'conv blocks, then global average pooling',
    },
    {
      name: 'channels',
      label: 'K (pixel CNN width)',
      value: String(DEMO_SETTINGS.channels),
      help: '',
    },
    {
      name: 'lambda',
      label: 'lambda',
      value: String(DEMO_SETTINGS.lambda),
      help: 'weight of mean(|map|)',
    },
    {
      name: 'learningRate',
      label: 'learning rate',
      value: String(DEMO_SETTINGS.learningRate),
      help: 'Adam, PyTorch semantics',
    },
    { name: 'batchSize', label: 'batch size', value: String(DEMO_SETTINGS.batchSize), help: '' },
    { name: 'seed', label: 'seed', value: String(DEMO_SETTINGS.seed), help: '' },
  ];
  for (const field of list) field.value = search.get(field.name) ?? field.value;
  return list;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function positiveNumber(form: HTMLFormElement, name: string, integer = true): number {
  const input = form.elements.namedItem(name) as HTMLInputElement;
  const value = Number(input.value);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name}: '${input.value}' is not a ${integer ? 'whole ' : ''}number >= 0.`);
  }
  return value;
}

function drawMap(canvas: HTMLCanvasElement, map: ScalarMap, scale: number): void {
  drawRgbaImage(canvas, upscaleNearest(renderHeatmap(map, { colormap: 'magma' }), scale));
}

/**
 * Builds the demo inside `root`; returns a function that stops training and
 * frees what it holds. `wasmPaths` is where the site serves the wasm binaries.
 */
export function mountDemo(root: HTMLElement, options: { wasmPaths: string }): () => void {
  const search = new URLSearchParams(window.location.search);
  root.replaceChildren();
  const form = element('form', { class: 'gsa-form', 'aria-label': 'demo settings' });
  const source = element('fieldset');
  source.append(element('legend', {}, 'Data'));
  const synthetic = element('label');
  const syntheticRadio = element('input', { type: 'radio', name: 'source', value: 'synthetic' });
  syntheticRadio.checked = true;
  synthetic.append(
    syntheticRadio,
    ' synthetic structured images (evidence only inside a hidden disk)',
  );
  const folder = element('label');
  const folderRadio = element('input', { type: 'radio', name: 'source', value: 'folder' });
  folder.append(folderRadio, ' your own folder: ');
  const folderInput = element('input', {
    type: 'file',
    id: 'gsa-folder',
    webkitdirectory: '',
    multiple: '',
    'aria-label': 'a folder of images with labels.csv',
  });
  folder.append(folderInput);
  const drop = element(
    'div',
    { class: 'gsa-drop', id: 'gsa-drop' },
    'or drop a folder here: images plus labels.csv (file,label[,split]), or one subfolder per class. Images are read here and never uploaded.',
  );
  source.append(synthetic, folder, drop);
  const settings = element('fieldset');
  settings.append(element('legend', {}, 'Settings'));
  for (const field of fields(search)) {
    const label = element('label', { class: 'gsa-field' });
    label.append(
      element('span', {}, field.label),
      element('input', { name: field.name, value: field.value, inputmode: 'decimal', size: '8' }),
    );
    if (field.help) label.title = field.help;
    settings.append(label);
  }
  const backendLabel = element('label', { class: 'gsa-field' });
  const backendSelect = element('select', { name: 'backend' });
  for (const name of ['auto', ...BROWSER_BACKENDS])
    backendSelect.append(element('option', { value: name }, name));
  backendSelect.value = search.get('backend') ?? 'auto';
  backendLabel.append(element('span', {}, 'backend'), backendSelect);
  settings.append(backendLabel);
  const start = element(
    'button',
    { type: 'submit', id: 'gsa-start', class: 'gsa-button' },
    'Train both',
  );
  const stop = element('button', { type: 'button', id: 'gsa-stop', class: 'gsa-button' }, 'Stop');
  stop.disabled = true;
  form.append(source, settings, start, stop);

  const status = element(
    'p',
    { id: 'gsa-status', role: 'status' },
    'Ready. Nothing leaves this browser.',
  );
  const backendLine = element('p', { id: 'gsa-backend' }, 'backend: not started yet');
  const panels = element('div', { class: 'gsa-panels' });
  const mapFigure = element('figure');
  const mapCanvas = element('canvas', {
    id: 'gsa-map',
    class: 'gsa-canvas',
    width: '1',
    height: '1',
  });
  mapFigure.append(
    mapCanvas,
    element(
      'figcaption',
      { id: 'gsa-map-caption' },
      'the learned map M(P) (brighter = more weight)',
    ),
  );
  const regionFigure = element('figure');
  const regionCanvas = element('canvas', {
    id: 'gsa-region',
    class: 'gsa-canvas',
    width: '1',
    height: '1',
  });
  regionFigure.append(
    regionCanvas,
    element('figcaption', {}, 'where the class evidence really is'),
  );
  panels.append(mapFigure, regionFigure);
  const filmstrip = element('div', {
    class: 'gsa-filmstrip',
    id: 'gsa-filmstrip',
    'aria-label': 'the map after each epoch',
  });
  const curves = element('div', { class: 'gsa-curves' });
  const lossChart = element('div', { id: 'gsa-loss' });
  const accuracyChart = element('div', { id: 'gsa-accuracy' });
  curves.append(lossChart, accuracyChart);
  const results = element('p', { id: 'gsa-results' });
  root.append(form, status, backendLine, panels, filmstrip, curves, results);

  let folderFiles: FolderFile[] | undefined;
  folderInput.addEventListener('change', () => {
    if (folderInput.files?.length) {
      folderFiles = chosenFiles(folderInput.files);
      folderRadio.checked = true;
      status.textContent = `${folderFiles.length} files chosen. Press "Train both".`;
    }
  });
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('gsa-drop-active');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('gsa-drop-active'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('gsa-drop-active');
    if (!event.dataTransfer) return;
    void droppedFiles(event.dataTransfer.items).then((files) => {
      folderFiles = files;
      folderRadio.checked = true;
      status.textContent = `${files.length} files dropped. Press "Train both".`;
    });
  });

  let controller: AbortController | undefined;
  stop.addEventListener('click', () => controller?.abort());

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });

  async function run(): Promise<void> {
    controller = new AbortController();
    start.disabled = true;
    stop.disabled = false;
    filmstrip.replaceChildren();
    results.textContent = '';
    let set: ImageSet | undefined;
    try {
      const size = positiveNumber(form, 'size');
      const epochs = positiveNumber(form, 'epochs');
      const settings = {
        epochs,
        cutoffEpoch: positiveNumber(form, 'cutoffEpoch'),
        widths: (form.elements.namedItem('widths') as HTMLInputElement).value
          .split(',')
          .map((width) => Number(width.trim())),
        channels: positiveNumber(form, 'channels'),
        lambda: positiveNumber(form, 'lambda', false),
        learningRate: positiveNumber(form, 'learningRate', false),
        batchSize: positiveNumber(form, 'batchSize'),
        seed: positiveNumber(form, 'seed'),
      };
      if (settings.widths.some((width) => !Number.isInteger(width) || width < 1)) {
        throw new Error('smallcnn widths: give whole numbers separated by commas, e.g. 16,32,64.');
      }
      if (size < 8 || epochs < 1)
        throw new Error('Use images of at least 8 px and at least 1 epoch.');
      status.textContent = 'Starting the backend...';
      const backend = await startBackend(
        backendSelect.value as (typeof BROWSER_BACKENDS)[number] | 'auto',
        options.wasmPaths,
      );
      backendLine.textContent =
        `backend: ${backend.description}` +
        (backend.skipped.length ? ` (passed over: ${backend.skipped.join('; ')})` : '');
      backendLine.dataset.backend = backend.info.name;
      let region: Float32Array | undefined;
      if (folderRadio.checked) {
        if (!folderFiles?.length) throw new Error('Choose or drop a folder of images first.');
        status.textContent = `Reading ${folderFiles.length} files...`;
        set = await folderImageSet(folderFiles, { size });
        regionFigure.hidden = true;
      } else {
        const synthetic = generateSyntheticDataset({
          count: positiveNumber(form, 'count'),
          size,
          classes: 2,
          difficulty: positiveNumber(form, 'difficulty', false),
          seed: settings.seed,
        });
        set = synthetic;
        region = synthetic.mask;
        regionFigure.hidden = false;
        drawMap(
          regionCanvas,
          { height: size, width: size, values: synthetic.mask },
          mapScale(size),
        );
      }
      const scale = mapScale(set.metadata.height);
      const history: Record<RunName, EpochReport[]> = { vanilla: [], global: [] };
      const draw = () => {
        const series = (pick: (report: EpochReport) => number | undefined): Series[] =>
          (['vanilla', 'global'] as const).map((name) => ({
            name: LABELS[name],
            color: COLORS[name],
            points: history[name].flatMap((report) => {
              const value = pick(report);
              return value === undefined ? [] : [[report.metrics.epoch, value] as [number, number]];
            }),
          }));
        lossChart.innerHTML = curvesSvg(
          'training loss',
          series((report) => report.metrics.trainLoss),
          {
            epochs: settings.epochs,
            cutoffEpoch: settings.cutoffEpoch,
          },
        );
        accuracyChart.innerHTML = curvesSvg(
          'test accuracy',
          series((report) => report.metrics.evaluation?.accuracy),
          { epochs: settings.epochs, cutoffEpoch: settings.cutoffEpoch, domain: [0, 1] },
        );
      };
      status.textContent = `Training vanilla and global attention on ${set.labels.length} images...`;
      const result = await trainSideBySide(
        set,
        settings,
        (report) => {
          history[report.run].push(report);
          draw();
          const epoch = report.metrics.epoch;
          if (report.map) {
            drawMap(mapCanvas, report.map, scale);
            const frame = element('figure', { class: 'gsa-frame' });
            const canvas = element('canvas', {
              class: 'gsa-map-epoch',
              'data-epoch': String(epoch),
            });
            drawMap(canvas, report.map, Math.max(1, Math.round(scale / 2)));
            const auc =
              report.mapRocAuc !== undefined ? `, AUC ${report.mapRocAuc.toFixed(2)}` : '';
            frame.append(
              canvas,
              element(
                'figcaption',
                {},
                `epoch ${epoch}${epoch > settings.cutoffEpoch ? ' (frozen)' : ''}${auc}`,
              ),
            );
            filmstrip.append(frame);
            mapFigure.dataset.epoch = String(epoch);
          }
          const done = Math.min(history.vanilla.length, history.global.length);
          status.dataset.epochs = String(done);
          status.textContent = `Epoch ${done} of ${settings.epochs} done on both runs.`;
        },
        { ...(region ? { region } : {}), signal: controller.signal },
      );
      const auc =
        result.mapRocAuc !== undefined
          ? `; the map finds the true region with ROC-AUC ${result.mapRocAuc.toFixed(3)}`
          : '';
      results.textContent =
        `Test accuracy on ${result.testImages} held-out images (${result.trainImages} to train): ` +
        `vanilla ${(100 * result.accuracy.vanilla).toFixed(1)}%, global attention ${(100 * result.accuracy.global).toFixed(1)}%${auc}.`;
      status.textContent = controller.signal.aborted ? 'Stopped.' : 'Done.';
      status.dataset.done = 'true';
    } catch (error) {
      status.textContent = `Error: ${error instanceof Error ? error.message : String(error)}`;
      status.dataset.error = 'true';
    } finally {
      if (set && !('lazy' in set.images)) tf.dispose(set.images);
      start.disabled = false;
      stop.disabled = true;
    }
  }

  if (search.get('autostart') === '1') void run();
  return () => controller?.abort();
}

/** Whole-pixel upscaling so that small maps show at about 192 px. */
function mapScale(size: number): number {
  return Math.max(1, Math.round(192 / size));
}
