// The sources of @gsa/data/node: image folders, MedMNIST, JAFFE and IDRiD.
// DICOM and NIfTI register from @gsa/data/medical (their decoders are
// optional dependencies).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadImageFolder } from './folder.js';
import { loadIdrid, type IdridTask } from './idrid.js';
import { loadJaffe } from './jaffe.js';
import { loadMedMnist } from './medmnist.js';
import { containsFile, registerDatasetSource } from './registry.js';

registerDatasetSource({
  kind: 'folder',
  syntax: 'PATH (labels.csv file,label[,split][,group], or class subfolders)',
  // labels.csv after DICOM and NIfTI (their folders carry one too); class subfolders last of all.
  detectOrder: 50,
  detectHint: 'labels.csv or class subfolders',
  detect: async ({ path, isFile }) =>
    !isFile &&
    (existsSync(join(path, 'labels.csv')) ||
      (await readdir(path, { withFileTypes: true })).some((entry) => entry.isDirectory())),
  load: (path, options) => loadImageFolder(path, options),
});

registerDatasetSource({
  kind: 'medmnist',
  syntax: 'FILE.npz',
  detectOrder: 10,
  detectHint: 'a MedMNIST .npz',
  detect: ({ path, isFile }) => isFile && path.toLowerCase().endsWith('.npz'),
  load: (path, options) => loadMedMnist(path, options),
});

registerDatasetSource({
  kind: 'jaffe',
  syntax: 'DIR',
  detectOrder: 40,
  detectHint: 'JAFFE (KA.AN1.39.tiff)',
  detect: ({ path, isFile }) =>
    !isFile &&
    containsFile(path, (name) => /^[A-Za-z]{2}\.[A-Za-z]{2}\d+\.\d+\.tiff?$/i.test(name), 2),
  load: (path, options) => loadJaffe(path, options),
});

registerDatasetSource({
  kind: 'idrid',
  syntax: 'DIR[:retinopathy|edema]',
  detectOrder: 40,
  detectHint: 'IDRiD (IDRiD_001.jpg)',
  detect: ({ path, isFile }) =>
    !isFile && containsFile(path, (name) => /^IDRiD_\d+\.(jpe?g|png|tiff?)$/i.test(name), 4),
  parse: (rest) => {
    const suffix = /:(retinopathy|edema)$/i.exec(rest);
    if (suffix === null) return { path: rest };
    return {
      path: rest.slice(0, suffix.index),
      settings: { task: suffix[1]!.toLowerCase() as IdridTask },
    };
  },
  load: (path, options, settings) =>
    loadIdrid(path, {
      ...options,
      ...(settings.task === undefined ? {} : { task: settings.task as IdridTask }),
    }),
});
