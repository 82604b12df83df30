// Child process for the kill -9 test: trains the toy model in argv[2] with a checkpoint every
// step, until the parent kills it with SIGKILL (long before the last step).
import * as tf from '@tensorflow/tfjs';
import { train } from '../../src/engine/trainer/trainer.ts';
import { ToyModel, toyData, toyExamples } from './toy-model.ts';
import { toyOptions } from './toy-options.ts';

await tf.setBackend('cpu');
const dir = process.argv[2];
await train(new ToyModel(0.3), toyData(toyExamples(12), 2), toyOptions(dir), undefined, {
  onMetrics: (step) => {
    if (step === 5) process.send?.('running');
  },
});
process.send?.('finished');
