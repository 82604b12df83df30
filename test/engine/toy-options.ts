// Trainer options shared by the kill -9 test and its child process: save every step, many steps.
import type { TrainerOptions } from '../../src/engine/trainer/types.ts';

export function toyOptions(outputDir: string): TrainerOptions {
  return {
    outputDir, seed: 3, batchSize: 2, learningRate: 0.02, weightDecay: 0.01, adamBeta1: 0.9, adamBeta2: 0.999, adamEpsilon: 1e-8,
    maxGradNorm: 1, gradientAccumulationSteps: 1, maxSteps: 150, numTrainEpochs: 1, lrSchedulerType: 'cosine', warmupSteps: 10, warmupRatio: 0,
    loggingSteps: 1, evalStrategy: 'no', evalSteps: 1, saveStrategy: 'steps', saveSteps: 1, saveTotalLimit: 3, metricForBestModel: 'loss',
    greaterIsBetter: false, loadBestModelAtEnd: false, maxNanSteps: 0,
  };
}
