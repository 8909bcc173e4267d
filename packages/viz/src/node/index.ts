// Node-only helpers: PNG encoding (pngjs), file writing (atomic), .npy files and
// the report file. Kept out of the main entry so the browser never bundles them.
export { decodePng, encodePng, pngDataUri, writeFileAtomic, writeNpy, writePng } from './files.js';
export { writeAttentionMap, type WriteMapOptions } from './heatmap-files.js';
export { writeRunReport } from './report.js';
