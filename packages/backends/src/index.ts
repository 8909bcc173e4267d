export {
  useBackend,
  activeBackend,
  describeBackend,
  BACKEND_NAMES,
  type BackendChoice,
} from './use-backend.js';
export type { BackendInfo, BackendName, UseBackendOptions } from './types.js';
export { BackendUnavailableError } from './errors.js';
