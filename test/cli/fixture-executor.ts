// An executor loaded by `exp run --executor-module` in the CLI tests. EXP_TEST_EXECUTOR picks its
// behaviour: `ok` finishes at once (logging a metric), `fail` fails, `slow` waits for the abort signal,
// `kill-backend-first` fails the first run of the plan as a wasm abort does (the backend is dead for
// the rest of the process) and finishes the others.
import type { RunContext, RunExecutor, RunResult } from '../../src/engine/executor.ts';
import { backendUnusableReason, markBackendUnusable } from '../../src/engine/backend-health.ts';

export function createExecutor(): RunExecutor {
  const mode = process.env.EXP_TEST_EXECUTOR ?? 'ok';
  return {
    async execute(ctx: RunContext): Promise<RunResult> {
      ctx.record.logMetric(1, 'loss', 0.5);
      ctx.log(`fixture executor (${mode}) on ${ctx.run.name}, resume=${ctx.resume}, backend=${ctx.backend}`);
      if (mode === 'fail') return { status: 'failed', error: 'fixture failure' };
      ctx.record.update({ pid: process.pid } as never);
      if (backendUnusableReason()) return { status: 'failed', error: 'ran on a dead backend' };
      if (mode === 'kill-backend-first' && ctx.run.index === 0) {
        markBackendUnusable('fixture: the wasm module aborted');
        return { status: 'failed', error: 'out of memory (fixture)' };
      }
      if (mode === 'slow') {
        return new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ status: 'finished' }), 60_000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve({ status: 'killed' });
          });
        });
      }
      return { status: 'finished' };
    },
  };
}
