// HTTP transport for the MLflow client: JSON bodies with the Content-Type the server insists on,
// auth headers, a per-request timeout, and retries with exponential backoff on network errors,
// timeouts and 5xx (never on 4xx: those are our mistakes and repeating them cannot help).
import { setTimeout as sleep } from 'node:timers/promises';

export interface MlflowAuth {
  /** MLFLOW_TRACKING_TOKEN: sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD: sent as HTTP basic auth. */
  username?: string;
  password?: string;
}

export interface TransportOptions {
  auth?: MlflowAuth;
  /** Milliseconds before one attempt is abandoned (default 30 s). */
  timeoutMs?: number;
  /** Attempts after the first one, on retryable failures (default 4). */
  retries?: number;
  /** First backoff delay in ms; doubles each retry, with jitter (default 500). */
  backoffMs?: number;
  /** Longest backoff delay in ms (default 10 s). */
  maxBackoffMs?: number;
}

/** An answer from the server that is not a success (or no answer at all, when status is undefined). */
export class MlflowRequestError extends Error {
  constructor(
    message: string,
    readonly method: string,
    readonly url: string,
    /** HTTP status; undefined for network errors and timeouts. */
    readonly status?: number,
    /** MLflow's error_code (INVALID_PARAMETER_VALUE, RESOURCE_DOES_NOT_EXIST, ...) when the body was JSON. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'MlflowRequestError';
  }

  /** Network errors, timeouts and 5xx may succeed later; 4xx never will. */
  get retryable(): boolean {
    return this.status === undefined || this.status >= 500;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | readonly string[] | undefined>;
  /** A JSON value (sent with Content-Type: application/json) or raw bytes (artifact upload). */
  json?: unknown;
  bytes?: Uint8Array;
  /** Override TransportOptions.retries for this call (e.g. 0 for non-idempotent calls). */
  retries?: number;
}

export function authHeader(auth: MlflowAuth | undefined): string | undefined {
  if (auth?.token) return `Bearer ${auth.token}`;
  if (auth?.username !== undefined && auth.username !== '') {
    return `Basic ${Buffer.from(`${auth.username}:${auth.password ?? ''}`).toString('base64')}`;
  }
  return undefined;
}

export class MlflowTransport {
  readonly baseUrl: string;
  private readonly opts: Required<Omit<TransportOptions, 'auth'>> & { auth?: MlflowAuth };

  constructor(baseUrl: string, options: TransportOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.opts = {
      auth: options.auth,
      timeoutMs: options.timeoutMs ?? 30_000,
      retries: options.retries ?? 4,
      backoffMs: options.backoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
    };
  }

  /** Sends one request (retrying as configured) and returns the parsed JSON answer ({} when empty). */
  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.url(path, options.query);
    const retries = options.retries ?? this.opts.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.once(method, url, options)) as T;
      } catch (err) {
        const error = err instanceof MlflowRequestError ? err : new MlflowRequestError(String(err), method, url);
        if (!error.retryable || attempt >= retries) throw error;
        const delay = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  private url(path: string, query: RequestOptions['query']): string {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      // Arrays are sent as repeated keys (run_ids=A&run_ids=B), as the server expects.
      for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
    }
    const qs = search.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  private async once(method: string, url: string, options: RequestOptions): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const auth = authHeader(this.opts.auth);
    if (auth) headers.authorization = auth;
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      // Node's fetch would label a string body text/plain, which MLflow answers with 400 (quirk 2).
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = options.bytes;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body as BodyInit | undefined, signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.opts.timeoutMs} ms`
          : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new MlflowRequestError(`${method} ${url}: ${why}`, method, url);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      throw new MlflowRequestError(`${method} ${url}: connection lost while reading the answer (${(err as Error).message})`, method, url);
    }
    if (!response.ok) {
      let errorCode: string | undefined;
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        errorCode = parsed.error_code;
        if (parsed.message) message = parsed.message;
      } catch {
        // Unknown routes answer with Flask's HTML pages; keep the start of the text.
      }
      throw new MlflowRequestError(`${method} ${url}: HTTP ${response.status}${errorCode ? ` ${errorCode}` : ''}: ${message}`, method, url, response.status, errorCode);
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new MlflowRequestError(`${method} ${url}: the answer is not JSON (is this an MLflow tracking server?): ${text.slice(0, 200)}`, method, url, response.status);
    }
  }
}
