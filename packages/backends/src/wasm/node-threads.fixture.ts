// Run by node-threads.test.ts in a fresh process (thread counts are fixed per
// process): trains the reference net a few steps on wasm with the threads
// given in argv[2] and prints the backend info and the losses as JSON.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../index.js';
import { VggStyleNet, randomBatch } from '../testing/index.js';

const info = await useBackend('wasm', { threads: Number(process.argv[2]) });
const net = new VggStyleNet({ inputSize: 32, seed: 3 });
const optimizer = tf.train.adam(1e-3);
const { images, labels } = randomBatch(8, 32, 3, 4);
const losses: number[] = [];
for (let step = 0; step < 4; step++) losses.push(await net.trainStep(optimizer, images, labels));
console.log(JSON.stringify({ threads: info.threads, losses }));
// No process.exit: the test checks that pool threads do not keep Node alive.
