// @gsa/data/medical: DICOM and NIfTI. Importing it registers the dicom: and
// nifti: sources with @gsa/data/node's loadDataset (and `gsa --data`). Its
// decoders are optional peer dependencies of @gsa/data, so a project that
// reads PNG folders never installs them: `npm install dicom-parser
// jpeg-lossless-decoder-js` to use this entry.
// The built-in sources first, so that every listing starts with them.
import '../sources/builtin-sources.js';
import { registerMedicalSources } from '../sources/medical-sources.js';

registerMedicalSources();

export type { MedicalSpecSettings } from '../sources/medical-sources.js';
export {
  loadDicom,
  type DicomGroupBy,
  type DicomLabelKey,
  type DicomOptions,
} from '../sources/dicom/dicom.js';
export {
  decodeDicom,
  readDicomHeader,
  type DecodedDicom,
  type DicomHeader,
} from '../sources/dicom/decode-dicom.js';
export { loadNifti, type NiftiOptions, type NiftiSliceIndex } from '../sources/nifti/nifti.js';
export {
  readNifti,
  readNiftiHeader,
  type NiftiHeader,
  type NiftiVolume,
} from '../sources/nifti/read-nifti.js';
export type { IntensityWindow } from '../sources/medical-labels.js';
