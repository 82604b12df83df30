// Shapes of the MLflow 3.x REST payloads we use (see ../shared/docs/mlflow-rest.md). The server omits
// empty or default fields, so every repeated field is optional here.

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface KeyValue {
  key: string;
  value: string;
}

/** A metric point as sent: value may be the strings NaN/Infinity/-Infinity (JSON has no such numbers). */
export interface MetricPoint {
  key: string;
  value: number | 'NaN' | 'Infinity' | '-Infinity';
  /** Epoch milliseconds, an integer. */
  timestamp: number;
  /** An integer. */
  step: number;
}

/** A metric point as the server returns it: NaN comes back as the string "NaN". */
export interface StoredMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step?: number;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: 'active' | 'deleted';
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}

export interface RunInfo {
  run_id: string;
  run_uuid?: string;
  experiment_id: string;
  run_name?: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: 'active' | 'deleted';
}

export interface DatasetInput {
  dataset: {
    name: string;
    /** At most 36 characters. */
    digest: string;
    source_type: string;
    source: string;
    schema?: string;
    profile?: string;
  };
  tags?: KeyValue[];
}

export interface Run {
  info: RunInfo;
  data?: { metrics?: StoredMetric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[] };
}

export interface ArtifactFile {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}
