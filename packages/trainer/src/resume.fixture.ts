// Run by resume.test.ts in a child process: a seeded cpu training run with
// checkpoints in argv[2]; argv[3] === 'resume' continues from the newest one.
// Prints "STEP epoch step" after every step and "HISTORY <json>" at the end.
import '@tensorflow/tfjs-layers';
import { useBackend } from '@gsa/backends';
import { fileCheckpointStore } from './checkpoint.js';
import { trainTwoPhase } from './train-two-phase.js';
import { attentionSetup, tinyBackbone, tinyData } from './test-support.fixture.js';

await useBackend('cpu');
const data = tinyData(16, 2);
const evaluation = tinyData(8, 9);
const result = await trainTwoPhase({
  backbone: tinyBackbone(5, 1, 2, true),
  numClasses: 2,
  train: data,
  evaluation,
  attention: attentionSetup('global', data, 3),
  epochs: 5,
  cutoffEpoch: 2,
  batchSize: 4,
  learningRate: 0.01,
  weightDecay: 1e-4,
  seed: 11,
  checkpoints: {
    store: fileCheckpointStore(process.argv[2]!),
    resume: process.argv[3] === 'resume',
  },
  callbacks: [
    { onStepEnd: (step) => void process.stdout.write(`STEP ${step.epoch} ${step.step}\n`) },
  ],
});
process.stdout.write(`HISTORY ${JSON.stringify(result.history)}\n`);
process.stdout.write(
  `INITIAL ${JSON.stringify(result.initialMap ? Array.from(result.initialMap.values) : null)}\n`,
);
