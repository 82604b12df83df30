// Where runs are tracked and with which credentials. Precedence: CLI flag > spec tracking.uri >
// project config trackingUri > MLFLOW_TRACKING_URI. No URI at all means: stay local.
import { UserError } from '../../util/errors.ts';
import type { MlflowAuth } from './http.ts';

export interface TrackingUriSources {
  cli?: string;
  spec?: string;
  project?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedTrackingUri {
  uri: string;
  from: 'cli' | 'spec' | 'project' | 'env';
}

export function resolveTrackingUri(sources: TrackingUriSources): ResolvedTrackingUri | undefined {
  const env = sources.env ?? process.env;
  const candidates: [ResolvedTrackingUri['from'], string | undefined][] = [
    ['cli', sources.cli],
    ['spec', sources.spec],
    ['project', sources.project],
    ['env', env.MLFLOW_TRACKING_URI],
  ];
  for (const [from, value] of candidates) {
    if (value !== undefined && value.trim() !== '') return { uri: checkTrackingUri(value.trim(), from), from };
  }
  return undefined;
}

type UriOrigin = ResolvedTrackingUri['from'] | 'settings';

const WHERE: Record<UriOrigin, string> = {
  settings: 'the tracking settings (--tracking-uri, tracking.uri in the spec, trackingUri in the project config or MLFLOW_TRACKING_URI)',
  cli: 'the --tracking-uri/--uri option',
  spec: 'tracking.uri in the spec',
  project: 'trackingUri in the project config',
  env: 'the MLFLOW_TRACKING_URI environment variable',
};

/** Only HTTP(S) tracking servers are supported: the REST API is all we speak. */
export function checkTrackingUri(uri: string, from: UriOrigin): string {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new UserError(`The MLflow tracking URI '${uri}' (from ${WHERE[from]}) is not a URL. Use the server's address, e.g. http://127.0.0.1:5000.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UserError(
      `The MLflow tracking URI '${uri}' (from ${WHERE[from]}) is not http(s). exp talks to a tracking server over its REST API: start one with 'mlflow server --host 127.0.0.1 --port 5000' and use http://127.0.0.1:5000.`,
    );
  }
  return uri.replace(/\/+$/, '');
}

/** MLFLOW_TRACKING_TOKEN (bearer) wins over MLFLOW_TRACKING_USERNAME/PASSWORD (basic). */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowAuth | undefined {
  if (env.MLFLOW_TRACKING_TOKEN) return { token: env.MLFLOW_TRACKING_TOKEN };
  if (env.MLFLOW_TRACKING_USERNAME) return { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD ?? '' };
  return undefined;
}
