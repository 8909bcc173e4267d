// Programmatic entry: run the CLI in-process (`main(['train', ...])` resolves to the exit code).
export { main } from './main.js';
export { resolveTrainConfig, TrainConfigSchema, type TrainConfig } from './config.js';
export { CliError, UsageError } from './errors.js';
