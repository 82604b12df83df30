/**
 * Greedy decoding, batched, with a key/value cache (self-attention keys/values grow one token per
 * step; cross-attention keys/values are computed once from the encoder output), as HF's
 * `WhisperForConditionalGeneration.generate` does with num_beams=1 and no timestamps:
 * forced prefix (<|startoftranscript|> <|lang|> <|task|> <|notimestamps|>), `suppress_tokens` at every
 * step, `begin_suppress_tokens` at the first generated position, stop at <|endoftext|>.
 */
import * as tf from '@tensorflow/tfjs';
import type { WhisperModel } from './model.ts';
import { UserError } from '../../util/errors.ts';
import { withPlainSums } from './ops.ts';

export interface GreedyOptions {
  /** Decoder prompt, e.g. [50258, 50272, 50359, 50363], for every row; or one prompt per row (same length). */
  prefix: number[] | number[][];
  /** Logits of these ids are set to -Infinity at every step (generation_config.suppress_tokens). */
  suppressTokens?: number[];
  /** Suppressed only at the first generated position (generation_config.begin_suppress_tokens). */
  beginSuppressTokens?: number[];
  /** At most this many tokens after the prefix (HF max_new_tokens). */
  maxNewTokens?: number;
  /** At most this many tokens in total, prefix included (HF max_length). */
  maxLength?: number;
  /** <|endoftext|>; a row stops after producing it. */
  eosTokenId: number;
  /** false = recompute the whole decoder every step (for benchmarks and cross-checks). Default true. */
  useCache?: boolean;
}

/** The forced prefix of a checkpoint for a language code ("ar") and task, from its generation config. */
export function whisperPrefix(model: WhisperModel, language?: string, task: 'transcribe' | 'translate' = 'transcribe'): number[] {
  const gen = model.generationConfig;
  const prefix = [gen.decoder_start_token_id];
  if (language) {
    const key = language.startsWith('<|') ? language : `<|${language}|>`;
    const id = gen.lang_to_id?.[key];
    if (id === undefined) {
      const known = Object.keys(gen.lang_to_id ?? {}).map((k) => k.slice(2, -2));
      throw new UserError(`language "${language}" is not in this checkpoint's generation_config.json lang_to_id${known.length ? ` (e.g. ${known.slice(0, 12).join(', ')})` : ' (it has none)'}`);
    }
    prefix.push(id);
  }
  const taskId = gen.task_to_id?.[task];
  if (taskId !== undefined) prefix.push(taskId);
  if (gen.no_timestamps_token_id !== undefined) prefix.push(gen.no_timestamps_token_id);
  return prefix;
}

/** Additive logit mask [vocab]: -Infinity at the given ids. */
function suppressionMask(vocab: number, ids: number[] | undefined): tf.Tensor1D | null {
  if (!ids || ids.length === 0) return null;
  const m = new Float32Array(vocab);
  for (const id of ids) if (id >= 0 && id < vocab) m[id] = -Infinity;
  return tf.tensor1d(m);
}

/**
 * Greedy decoding of a batch of input_features [B, n_mels, T]. Returns one id list per row: the prefix,
 * then the generated ids up to and including <|endoftext|> (rows that finish early stop there; they are
 * padded internally so the batch keeps decoding).
 */
export async function generateGreedy(model: WhisperModel, inputFeatures: tf.Tensor, opts: GreedyOptions): Promise<number[][]> {
  return withPlainSums(() => greedy(model, inputFeatures, opts));
}

async function greedy(model: WhisperModel, inputFeatures: tf.Tensor, opts: GreedyOptions): Promise<number[][]> {
  const cfg = model.config;
  const B = inputFeatures.shape[0];
  const prefixes = Array.isArray(opts.prefix[0]) ? (opts.prefix as number[][]) : Array.from({ length: B }, () => opts.prefix as number[]);
  const P = prefixes[0]?.length ?? 0;
  if (P === 0) throw new UserError('generateGreedy: the prefix must hold at least the decoder start token');
  if (prefixes.length !== B || prefixes.some((p) => p.length !== P)) throw new UserError(`generateGreedy: need ${B} prefixes of equal length`);
  const limit = Math.min(cfg.max_target_positions, opts.maxLength ?? Infinity, P + (opts.maxNewTokens ?? Infinity));
  const rows: number[][] = prefixes.map((p) => [...p]);
  const done = new Array<boolean>(B).fill(false);
  const always = suppressionMask(cfg.vocab_size, opts.suppressTokens);
  const atBegin = suppressionMask(cfg.vocab_size, [...(opts.suppressTokens ?? []), ...(opts.beginSuppressTokens ?? [])]);
  const encoderOut = tf.tidy(() => model.encode(inputFeatures));
  const useCache = opts.useCache ?? true;
  let caches = useCache ? model.initCache(encoderOut) : null;
  const projection = model.outputProjection();
  try {
    for (let len = P; len < limit && !done.every(Boolean); len++) {
      const next = tf.tidy(() => {
        let logits: tf.Tensor2D;
        if (caches) {
          // First step feeds the whole prefix, later steps only the newest token.
          const feed = len === P ? rows.map((r) => r.slice()) : rows.map((r) => [r[len - 1]]);
          const step = model.decodeStep(tf.tensor2d(feed, undefined, 'int32'), caches, projection);
          caches = step.caches;
          logits = step.logits;
        } else {
          const h = model.decode(tf.tensor2d(rows, undefined, 'int32'), encoderOut);
          const last = tf.reshape(tf.slice(h, [0, len - 1, 0], [B, 1, cfg.d_model]), [B, cfg.d_model]);
          logits = model.logits(last, projection) as tf.Tensor2D;
        }
        const mask = len === P ? atBegin : always;
        return tf.argMax(mask ? tf.add(logits, mask) : logits, -1);
      });
      const ids = (await next.data()) as Int32Array;
      next.dispose();
      for (let b = 0; b < B; b++) {
        // Finished rows are padded with eos so the batch keeps its rectangular shape.
        const id = done[b] ? opts.eosTokenId : ids[b];
        rows[b].push(id);
        if (id === opts.eosTokenId) done[b] = true;
      }
    }
  } finally {
    if (caches) model.disposeCache(caches);
    encoderOut.dispose();
    projection.dispose();
    always?.dispose();
    atBegin?.dispose();
  }
  return rows.map((r) => {
    const end = r.indexOf(opts.eosTokenId, P);
    return end === -1 ? r : r.slice(0, end + 1);
  });
}

/**
 * Language of each row, as Whisper detects it: the most likely language token right after
 * <|startoftranscript|>. Returns the token ids (keys of generation_config.lang_to_id).
 */
export async function detectLanguage(model: WhisperModel, inputFeatures: tf.Tensor): Promise<number[]> {
  return withPlainSums(() => detect(model, inputFeatures));
}

async function detect(model: WhisperModel, inputFeatures: tf.Tensor): Promise<number[]> {
  const langIds = Object.values(model.generationConfig.lang_to_id ?? {});
  if (langIds.length === 0) throw new UserError('this checkpoint has no lang_to_id in generation_config.json: pass --language');
  const V = model.config.vocab_size;
  const allowed = new Float32Array(V).fill(-Infinity);
  for (const id of langIds) allowed[id] = 0;
  const best = tf.tidy(() => {
    const enc = model.encode(inputFeatures);
    const B = enc.shape[0];
    const caches = model.initCache(enc);
    const start = tf.fill([B, 1], model.generationConfig.decoder_start_token_id, 'int32') as tf.Tensor2D;
    const { logits, caches: grown } = model.decodeStep(start, caches);
    const out = tf.argMax(tf.add(logits, tf.tensor1d(allowed)), -1);
    model.disposeCache(grown);
    return out;
  });
  const ids = Array.from((await best.data()) as Int32Array);
  best.dispose();
  return ids;
}
