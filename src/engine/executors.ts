// The executors `exp run` knows, registered into `defaultExecutors`. Add one line per executor; import
// heavy modules (tfjs) lazily inside the factory so `exp validate` and `exp plan` stay fast. E.g.:
//   defaultExecutors.register('trainer', async () => (await import('./trainer/executor.ts')).createTrainerExecutor());
import { defaultExecutors } from './executor.ts';

defaultExecutors.register('trainer', async () => (await import('./trainer-executor.ts')).createTrainerExecutor());

export { defaultExecutors };
