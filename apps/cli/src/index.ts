// Programmatic entry: run the CLI in-process (`main(['train', ...])` resolves to the exit code).
export { main } from './main.js';
export { resolveTrainConfig, TrainConfigSchema, type TrainConfig } from './config.js';
export { PipelineError, UsageError } from '@gsa/pipeline';
