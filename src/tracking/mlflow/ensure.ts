// Finds or creates the MLflow objects a run is pushed into, without ever creating one twice:
// experiments are unique by name; runs are found by their exp.run_id tag before one is created,
// and runs/create is never retried blindly (a lost answer would leave a duplicate run behind).
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../util/errors.ts';
import { MlflowClient } from './client.ts';
import { MlflowRequestError } from './http.ts';
import { RUN_ID_TAG } from './run-content.ts';
import type { KeyValue, Run } from './types.ts';

/** The experiment's id, created if needed; a deleted experiment is an error the user must resolve. */
export async function ensureExperiment(client: MlflowClient, name: string): Promise<string> {
  let experiment = await client.getExperimentByName(name);
  if (!experiment) {
    try {
      return await client.createExperiment(name);
    } catch (err) {
      // Someone else created it between our get and our create.
      if (!(err instanceof MlflowRequestError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
      experiment = await client.getExperimentByName(name);
      if (!experiment) throw err;
    }
  }
  if (experiment.lifecycle_stage === 'deleted') {
    throw new UserError(
      `The MLflow experiment '${name}' (id ${experiment.experiment_id}) at ${client.trackingUri} is deleted, and MLflow keeps the name reserved. ` +
        `Restore it (MLflow UI, or 'mlflow experiments restore --experiment-id ${experiment.experiment_id}'), or set tracking.experiment in the spec to another name.`,
    );
  }
  return experiment.experiment_id;
}

/** Active runs of the experiment that carry tag exp.run_id = id (the first is ours, oldest first). */
export async function findRunByExpId(client: MlflowClient, experimentId: string, expRunId: string): Promise<Run | undefined> {
  const quoted = expRunId.replace(/'/g, "''");
  const runs = await client.searchRuns({
    experimentIds: [experimentId],
    filter: `tags.${RUN_ID_TAG} = '${quoted}'`,
    orderBy: ['attributes.start_time ASC'],
  });
  return runs.sort((a, b) => (a.info.start_time ?? 0) - (b.info.start_time ?? 0))[0];
}

export interface EnsureRunRequest {
  experimentId: string;
  expRunId: string;
  runName: string;
  startTime: number;
  userId?: string;
  tags: KeyValue[];
  /** Tries after a failed create (each one searches first). */
  attempts?: number;
  backoffMs?: number;
}

/** The MLflow run tagged exp.run_id = expRunId, created once. Returns whether it was created now. */
export async function ensureRun(client: MlflowClient, req: EnsureRunRequest): Promise<{ run: Run; created: boolean }> {
  const attempts = req.attempts ?? 3;
  for (let attempt = 0; ; attempt++) {
    const existing = await findRunByExpId(client, req.experimentId, req.expRunId);
    if (existing) return { run: existing, created: false };
    try {
      const run = await client.createRun({ experimentId: req.experimentId, runName: req.runName, startTime: req.startTime, userId: req.userId, tags: req.tags }, 0);
      return { run, created: true };
    } catch (err) {
      // The create may have happened even though its answer was lost: search again before retrying.
      if (!(err instanceof MlflowRequestError) || !err.retryable || attempt + 1 >= attempts) throw err;
      await sleep((req.backoffMs ?? 500) * 2 ** attempt);
    }
  }
}

// Sweep children running in parallel in one process must share one parent run: while a parent is
// being found or created, the others wait for the same promise (entries are dropped once settled;
// after that the exp.run_id search finds the parent).
const parentsInFlight = new Map<string, Promise<string>>();

export function ensureParentRun(client: MlflowClient, req: EnsureRunRequest): Promise<string> {
  const key = `${client.trackingUri}\u0000${req.experimentId}\u0000${req.expRunId}`;
  const pending = parentsInFlight.get(key);
  if (pending) return pending;
  const promise = ensureRun(client, req)
    .then(({ run }) => run.info.run_id)
    .finally(() => parentsInFlight.delete(key));
  parentsInFlight.set(key, promise);
  return promise;
}
