// A small typed client for the MLflow 3.x tracking REST API, written against what a real 3.5 server
// does (../shared/docs/mlflow-rest.md). The npm clients are unmaintained or cannot upload artifacts.
import { MlflowRequestError, MlflowTransport, type TransportOptions } from './http.ts';
import { chunkBatch, encodeArtifactPath, type BatchContent } from './limits.ts';
import type { ArtifactFile, DatasetInput, Experiment, KeyValue, Run, RunInfo, RunStatus, StoredMetric } from './types.ts';

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';
/** What the Python client sends (GET_METRIC_HISTORY_MAX_RESULTS); without it the server returns nothing. */
export const METRIC_HISTORY_PAGE_SIZE = 25_000;

export interface ClientOptions extends TransportOptions {
  /** max_results per get-history page (default 25000). */
  historyPageSize?: number;
}

export interface CreateRunRequest {
  experimentId: string;
  runName?: string;
  /** Epoch ms; always sent, the server would store 0 (1970) otherwise. */
  startTime?: number;
  tags?: KeyValue[];
  userId?: string;
}

export interface SearchRunsRequest {
  experimentIds: string[];
  filter?: string;
  runViewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
  orderBy?: string[];
  /** Per page, at most 50000 (default 1000). */
  maxResults?: number;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof MlflowRequestError && (err.status === 404 || err.errorCode === 'RESOURCE_DOES_NOT_EXIST');
}

export class MlflowClient {
  readonly transport: MlflowTransport;
  private readonly historyPageSize: number;

  constructor(
    readonly trackingUri: string,
    options: ClientOptions = {},
  ) {
    this.transport = new MlflowTransport(trackingUri, options);
    this.historyPageSize = options.historyPageSize ?? METRIC_HISTORY_PAGE_SIZE;
  }

  /** The experiment with this name (deleted ones included, see lifecycle_stage), or undefined. */
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.transport.request<{ experiment: Experiment }>('GET', `${API}/experiments/get-by-name`, { query: { experiment_name: name } });
      return res.experiment;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates an experiment and returns its id. No artifact_location: uploads need the server default. */
  async createExperiment(name: string, tags: KeyValue[] = []): Promise<string> {
    const res = await this.transport.request<{ experiment_id: string }>('POST', `${API}/experiments/create`, {
      json: { name, ...(tags.length > 0 ? { tags } : {}) },
    });
    return String(res.experiment_id);
  }

  async createRun(req: CreateRunRequest, retries?: number): Promise<Run> {
    const res = await this.transport.request<{ run: Run }>('POST', `${API}/runs/create`, {
      json: {
        experiment_id: req.experimentId,
        start_time: Math.round(req.startTime ?? Date.now()),
        ...(req.runName !== undefined ? { run_name: req.runName } : {}),
        ...(req.userId !== undefined ? { user_id: req.userId } : {}),
        ...(req.tags && req.tags.length > 0 ? { tags: req.tags } : {}),
      },
      retries,
    });
    return res.run;
  }

  /** Sets status (exact upper-case enum: anything else is ignored by the server) and/or end_time. */
  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    const res = await this.transport.request<{ run_info: RunInfo }>('POST', `${API}/runs/update`, {
      json: {
        run_id: runId,
        ...(update.status !== undefined ? { status: update.status } : {}),
        ...(update.endTime !== undefined ? { end_time: Math.round(update.endTime) } : {}),
        ...(update.runName !== undefined ? { run_name: update.runName } : {}),
      },
    });
    return res.run_info;
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.transport.request<{ run: Run }>('GET', `${API}/runs/get`, { query: { run_id: runId } });
    return res.run;
  }

  /** All runs matching the search, following next_page_token. */
  async searchRuns(req: SearchRunsRequest): Promise<Run[]> {
    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.transport.request<{ runs?: Run[]; next_page_token?: string }>('POST', `${API}/runs/search`, {
        json: {
          experiment_ids: req.experimentIds,
          ...(req.filter ? { filter: req.filter } : {}),
          run_view_type: req.runViewType ?? 'ACTIVE_ONLY',
          max_results: req.maxResults ?? 1000,
          ...(req.orderBy ? { order_by: req.orderBy } : {}),
          ...(pageToken ? { page_token: pageToken } : {}),
        },
      });
      runs.push(...(res.runs ?? []));
      pageToken = res.next_page_token;
    } while (pageToken);
    return runs;
  }

  /**
   * Logs metrics, params and tags in as many log-batch requests as the limits need. Each request is
   * all-or-nothing on the server; the requests are sent in order and the first failure stops.
   * `onBatchDone` runs after each accepted request (the sender records progress there).
   */
  async logBatch(runId: string, content: Partial<BatchContent>, onBatchDone?: (batch: BatchContent) => void | Promise<void>): Promise<void> {
    const batches = chunkBatch({ metrics: content.metrics ?? [], params: content.params ?? [], tags: content.tags ?? [] });
    for (const batch of batches) {
      await this.transport.request('POST', `${API}/runs/log-batch`, { json: { run_id: runId, ...batch } });
      await onBatchDone?.(batch);
    }
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.transport.request('POST', `${API}/runs/set-tag`, { json: { run_id: runId, key, value } });
  }

  /** Links datasets to the run (the server keeps one link per dataset name+digest, so re-sending is harmless). */
  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.transport.request('POST', `${API}/runs/log-inputs`, { json: { run_id: runId, datasets } });
  }

  /** Every point of one metric, page by page (max_results is always sent: quirk 1). */
  async getMetricHistory(runId: string, key: string): Promise<StoredMetric[]> {
    const points: StoredMetric[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.transport.request<{ metrics?: StoredMetric[]; next_page_token?: string }>('GET', `${API}/metrics/get-history`, {
        query: { run_id: runId, metric_key: key, max_results: this.historyPageSize, page_token: pageToken },
      });
      const page = res.metrics ?? [];
      points.push(...page);
      // A token after an empty page would loop for ever.
      pageToken = page.length > 0 ? res.next_page_token : undefined;
    } while (pageToken);
    return points;
  }

  /** Uploads one file through the server's artifact proxy (the server must run with --serve-artifacts, the default). */
  async uploadArtifact(run: Pick<RunInfo, 'run_id' | 'experiment_id' | 'artifact_uri'>, artifactPath: string, bytes: Uint8Array): Promise<void> {
    await this.transport.request('PUT', `${ARTIFACTS_API}/${artifactRoot(run)}/${encodeArtifactPath(artifactPath)}`, { bytes });
  }

  /** One level of the run's artifacts (`path` relative to the run's artifact root). */
  async listArtifacts(runId: string, path?: string): Promise<{ rootUri?: string; files: ArtifactFile[] }> {
    const res = await this.transport.request<{ root_uri?: string; files?: ArtifactFile[] }>('GET', `${API}/artifacts/list`, {
      query: { run_id: runId, path },
    });
    return { rootUri: res.root_uri, files: res.files ?? [] };
  }
}

/**
 * The run's folder under the artifact proxy, from its artifact_uri (mlflow-artifacts:/<exp>/<run>/artifacts).
 * Other schemes (s3://, file:) cannot be written through the proxy.
 */
export function artifactRoot(run: Pick<RunInfo, 'run_id' | 'experiment_id' | 'artifact_uri'>): string {
  const uri = run.artifact_uri ?? `mlflow-artifacts:/${run.experiment_id}/${run.run_id}/artifacts`;
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+)$/.exec(uri);
  if (!match) {
    throw new MlflowRequestError(
      `Run ${run.run_id} stores artifacts at '${uri}', which the MLflow artifact proxy cannot write to. Start the server with --serve-artifacts (the default) and use an experiment created without artifact_location.`,
      'PUT',
      uri,
      400,
    );
  }
  return match[1].replace(/\/+$/, '').split('/').map((segment) => encodeURIComponent(decodeURIComponent(segment))).join('/');
}
