/**
 * Whisper (encoder-decoder transformer for speech) in TensorFlow.js, numerically matching Hugging Face
 * `WhisperForConditionalGeneration` (transformers 4.40, eager attention). Read leaves first:
 * attention -> encoder layer -> decoder layer -> WhisperModel.
 *
 * Parameters are keyed by their HF state-dict names (`model.encoder.conv1.weight`, ...). Two kinds are
 * stored in a different layout than in PyTorch, because that is what the matmuls want:
 *   - Linear weights `[out, in]` are stored `[in, out]`;
 *   - Conv1d weights `[out, in, 3]` are stored `[3, in, out]`.
 * `hfLayout`/`fromHfLayout` convert (plain transposes, so values stay bit-exact). `proj_out.weight` is
 * not a parameter: the output projection is the decoder token embedding (tied, as in HF).
 *
 * Shapes: input_features [B, n_mels, 2*max_source_positions] (HF layout); token ids [B, L] int32.
 */
import * as tf from '@tensorflow/tfjs';
import type { GenerationConfig, WhisperConfig } from './config.ts';
import { customGrad, attentionHead, type AttentionDropout, causalMask, conv1dK3, gelu, layerNorm, linear, matMulNN, mergeHeads, splitHeads } from './ops.ts';
import { UserError } from '../../util/errors.ts';

export type ParamGetter = (name: string) => tf.Tensor;

/** The HF names and HF shapes of every stored parameter of a config, in state-dict order. */
export function parameterShapes(cfg: WhisperConfig): Map<string, number[]> {
  const d = cfg.d_model;
  const out = new Map<string, number[]>();
  const attn = (p: string) => {
    out.set(`${p}.k_proj.weight`, [d, d]);
    out.set(`${p}.v_proj.weight`, [d, d]);
    out.set(`${p}.v_proj.bias`, [d]);
    out.set(`${p}.q_proj.weight`, [d, d]);
    out.set(`${p}.q_proj.bias`, [d]);
    out.set(`${p}.out_proj.weight`, [d, d]);
    out.set(`${p}.out_proj.bias`, [d]);
  };
  const ln = (p: string) => {
    out.set(`${p}.weight`, [d]);
    out.set(`${p}.bias`, [d]);
  };
  const ffn = (p: string, f: number) => {
    out.set(`${p}.fc1.weight`, [f, d]);
    out.set(`${p}.fc1.bias`, [f]);
    out.set(`${p}.fc2.weight`, [d, f]);
    out.set(`${p}.fc2.bias`, [d]);
  };
  out.set('model.encoder.conv1.weight', [d, cfg.num_mel_bins, 3]);
  out.set('model.encoder.conv1.bias', [d]);
  out.set('model.encoder.conv2.weight', [d, d, 3]);
  out.set('model.encoder.conv2.bias', [d]);
  out.set('model.encoder.embed_positions.weight', [cfg.max_source_positions, d]);
  for (let i = 0; i < cfg.encoder_layers; i++) {
    const p = `model.encoder.layers.${i}`;
    attn(`${p}.self_attn`);
    ln(`${p}.self_attn_layer_norm`);
    ffn(p, cfg.encoder_ffn_dim);
    ln(`${p}.final_layer_norm`);
  }
  ln('model.encoder.layer_norm');
  out.set('model.decoder.embed_tokens.weight', [cfg.vocab_size, d]);
  out.set('model.decoder.embed_positions.weight', [cfg.max_target_positions, d]);
  for (let i = 0; i < cfg.decoder_layers; i++) {
    const p = `model.decoder.layers.${i}`;
    attn(`${p}.self_attn`);
    ln(`${p}.self_attn_layer_norm`);
    attn(`${p}.encoder_attn`);
    ln(`${p}.encoder_attn_layer_norm`);
    ffn(p, cfg.decoder_ffn_dim);
    ln(`${p}.final_layer_norm`);
  }
  ln('model.decoder.layer_norm');
  return out;
}

/** The one frozen parameter (HF: requires_grad=False). */
export const FROZEN_PARAMETERS = new Set(['model.encoder.embed_positions.weight']);

const isLinearWeight = (name: string) => /(_proj|fc1|fc2)\.weight$/.test(name);
const isConvWeight = (name: string) => /conv[12]\.weight$/.test(name);

/** Our layout -> HF layout (for saving and for comparing with PyTorch). */
export function hfLayout(name: string, t: tf.Tensor): tf.Tensor {
  if (isLinearWeight(name)) return tf.transpose(t, [1, 0]);
  if (isConvWeight(name)) return tf.transpose(t, [2, 1, 0]);
  return tf.clone(t);
}

/** HF layout -> our layout. */
export function fromHfLayout(name: string, t: tf.Tensor): tf.Tensor {
  return hfLayout(name, t); // both transposes are their own inverse
}

export interface ForwardOptions {
  /** Train mode: dropout is applied (with a seeded RNG) when the config's rates are > 0. */
  training?: boolean;
  /** Filled with hidden states for inspection (see `WhisperModel.forward`). */
  hiddenStates?: { encoder?: tf.Tensor[]; decoder?: tf.Tensor[] };
}

/** Self-attention cache of one decoder layer: keys/values of every position so far, [B, t, d]. */
export interface LayerCache {
  selfK: tf.Tensor3D | null;
  selfV: tf.Tensor3D | null;
  /** Cross-attention keys/values, per (batch, head), computed once from the encoder output. */
  crossK: tf.Tensor2D[];
  crossV: tf.Tensor2D[];
}

let modelCounter = 0;

export class WhisperModel {
  /** HF name -> variable (our layout; see the file comment). Variable names are `<modelId>/<hf name>`. */
  readonly params = new Map<string, tf.Variable>();
  readonly id: string;
  /** Recompute each layer's activations in the backward pass instead of keeping them (cuts peak memory). */
  gradientCheckpointing = false;
  /** Base seed for dropout; each forward call advances the counter so masks differ from step to step. */
  private dropoutSeed: number;
  private dropoutCalls = 0;

  /**
   * Pins the dropout call counter: masks are a function of (model seed, counter, site), so a trainer
   * that sets it per micro-batch gets the same masks again after a resume.
   */
  setDropoutCall(counter: number): void {
    this.dropoutCalls = counter;
  }

  constructor(
    readonly config: WhisperConfig,
    readonly generationConfig: GenerationConfig,
    weights: Map<string, tf.Tensor>,
    opts: { seed?: number; sourceDir?: string } = {},
  ) {
    this.id = `whisper${modelCounter++}`;
    this.dropoutSeed = opts.seed ?? 0;
    this.sourceDir = opts.sourceDir;
    for (const [name, shape] of parameterShapes(config)) {
      const w = weights.get(name);
      if (!w) throw new Error(`WhisperModel: missing weight ${name}`);
      const want = fromHfShape(name, shape);
      if (w.shape.join(',') !== want.join(',')) throw new Error(`WhisperModel: ${name} has shape [${w.shape}], expected [${want}]`);
      this.params.set(name, tf.variable(w, !FROZEN_PARAMETERS.has(name), `${this.id}/${name}`, 'float32'));
    }
  }

  /** Folder the model was loaded from (its tokenizer/preprocessor files are copied on save). */
  readonly sourceDir?: string;

  /** Variables the optimizer updates (everything but the frozen encoder positions). */
  trainableVariables(): tf.Variable[] {
    return [...this.params.entries()].filter(([n]) => !FROZEN_PARAMETERS.has(n)).map(([, v]) => v);
  }

  /** HF parameter name of a variable name as it appears in `tf.variableGrads` results. */
  hfName(variableName: string): string {
    return variableName.startsWith(`${this.id}/`) ? variableName.slice(this.id.length + 1) : variableName;
  }

  private get: ParamGetter = (name) => {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  };

  /** Dropout seeds for one forward call (deterministic given the model seed and call count). */
  private nextDropout(training: boolean | undefined): Dropout {
    const call = this.dropoutCalls++;
    return new Dropout(training ? this.config : null, this.dropoutSeed * 1_000_003 + call * 7919);
  }

  /** Encoder: input_features [B, n_mels, T] -> last hidden state [B, T/2, d] (after layer_norm). */
  encode(inputFeatures: tf.Tensor, opts: ForwardOptions = {}, drop = this.nextDropout(opts.training)): tf.Tensor3D {
    const cfg = this.config;
    const [, mels, T] = inputFeatures.shape;
    if (mels !== cfg.num_mel_bins || T !== 2 * cfg.max_source_positions) {
      throw new UserError(`input features have shape [${inputFeatures.shape}], this model expects [batch, ${cfg.num_mel_bins}, ${2 * cfg.max_source_positions}] (log-mel bins x frames of a padded window)`);
    }
    const p = this.get;
    const x0 = tf.transpose(inputFeatures, [0, 2, 1]) as tf.Tensor3D; // [B, T, mels]
    const c1 = gelu(conv1dK3(x0, p('model.encoder.conv1.weight'), p('model.encoder.conv1.bias'), 1)) as tf.Tensor3D;
    const c2 = gelu(conv1dK3(c1, p('model.encoder.conv2.weight'), p('model.encoder.conv2.bias'), 2));
    const pos = p('model.encoder.embed_positions.weight');
    let x = drop.apply(tf.add(c2, pos), 'dropout', 'enc.in') as tf.Tensor3D;
    opts.hiddenStates?.encoder?.push(x);
    for (let i = 0; i < cfg.encoder_layers; i++) {
      const prefix = `model.encoder.layers.${i}`;
      x = this.runLayer(prefix, [x], (inp, get) => encoderLayer(inp[0], get, prefix, cfg, drop)) as tf.Tensor3D;
      opts.hiddenStates?.encoder?.push(x);
    }
    return layerNorm(x, p('model.encoder.layer_norm.weight'), p('model.encoder.layer_norm.bias')) as tf.Tensor3D;
  }

  /** Decoder over full sequences (training / no-cache decoding): ids [B, L] -> hidden [B, L, d] after layer_norm. */
  decode(decoderInputIds: tf.Tensor, encoderOut: tf.Tensor3D, opts: ForwardOptions = {}, drop = this.nextDropout(opts.training)): tf.Tensor3D {
    const cfg = this.config;
    const [, L] = decoderInputIds.shape;
    if (L > cfg.max_target_positions) throw new UserError(`decoder input has ${L} tokens; this model allows at most ${cfg.max_target_positions}`);
    const p = this.get;
    let x = drop.apply(this.embed(decoderInputIds, 0), 'dropout', 'dec.in') as tf.Tensor3D;
    opts.hiddenStates?.decoder?.push(x);
    for (let i = 0; i < cfg.decoder_layers; i++) {
      const prefix = `model.decoder.layers.${i}`;
      x = this.runLayer(prefix, [x, encoderOut], (inp, get) => decoderLayer(inp[0], inp[1] as tf.Tensor3D, get, prefix, cfg, drop)) as tf.Tensor3D;
      if (i < cfg.decoder_layers - 1) opts.hiddenStates?.decoder?.push(x);
    }
    const out = layerNorm(x, p('model.decoder.layer_norm.weight'), p('model.decoder.layer_norm.bias')) as tf.Tensor3D;
    opts.hiddenStates?.decoder?.push(out);
    return out;
  }

  /** Token + position embeddings for ids [B, L] starting at position `past`. */
  embed(ids: tf.Tensor, past: number): tf.Tensor3D {
    const L = ids.shape[1]!;
    const d = this.config.d_model;
    const tok = embeddingLookup(this.get('model.decoder.embed_tokens.weight'), ids, this.config.pad_token_id);
    const scaled = this.config.scale_embedding ? tf.mul(tok, Math.sqrt(d)) : tok;
    const pos = tf.slice(this.get('model.decoder.embed_positions.weight'), [past, 0], [L, d]);
    return tf.add(scaled, pos) as tf.Tensor3D;
  }

  /**
   * hidden [..., d] -> logits [..., vocab] through the tied token embedding (proj_out, no bias).
   * `projection` = the embedding already transposed [d, vocab] (decoding loops pass it to avoid
   * transposing 20M weights per token).
   */
  logits(hidden: tf.Tensor, projection?: tf.Tensor): tf.Tensor {
    const w = projection ?? tf.transpose(this.get('model.decoder.embed_tokens.weight'), [1, 0]);
    return linear(hidden, w, undefined, { plainSums: true });
  }

  /** The output projection [d, vocab] for `logits`/`decodeStep` (the caller disposes it). */
  outputProjection(): tf.Tensor2D {
    return tf.transpose(this.get('model.decoder.embed_tokens.weight'), [1, 0]) as tf.Tensor2D;
  }

  /**
   * logits [B, L, vocab] of the decoder given input_features [B, n_mels, T] and decoder_input_ids [B, L].
   * `opts.hiddenStates.encoder` receives [input of layer 0, output of each layer] (before the final
   * layer_norm); `.decoder` receives [embeddings, output of each layer but the last, final layer_norm output].
   */
  forward(inputFeatures: tf.Tensor, decoderInputIds: tf.Tensor, opts: ForwardOptions = {}): tf.Tensor3D {
    const drop = this.nextDropout(opts.training);
    const enc = this.encode(inputFeatures, opts, drop);
    return this.logits(this.decode(decoderInputIds, enc, opts, drop)) as tf.Tensor3D;
  }

  /**
   * Mean cross-entropy over the label positions that are not -100, as HF computes it:
   * decoder_input_ids = shift_tokens_right(labels, pad, decoder_start).
   * labels: [B, L] int32 (or a number[][]).
   */
  loss(inputFeatures: tf.Tensor, labels: tf.Tensor | number[][], opts: ForwardOptions = {}): tf.Scalar {
    const rows = Array.isArray(labels) ? labels : (labels.arraySync() as number[][]);
    const decoderIds = shiftTokensRight(rows, this.config.pad_token_id, this.config.decoder_start_token_id);
    const ids = tf.tensor2d(decoderIds, [rows.length, rows[0].length], 'int32');
    const logits = this.forward(inputFeatures, ids, opts);
    ids.dispose();
    return crossEntropy(logits, rows);
  }

  /**
   * Runs one layer; with gradient checkpointing, as a tf.customGrad whose backward pass recomputes the
   * layer (the layer's variables are explicit inputs so their gradients flow to the outer tape).
   */
  private runLayer(prefix: string, inputs: tf.Tensor[], fn: (inputs: tf.Tensor[], get: ParamGetter) => tf.Tensor): tf.Tensor {
    if (!this.gradientCheckpointing) return fn(inputs, this.get);
    const names = [...this.params.keys()].filter((n) => n.startsWith(`${prefix}.`));
    const vars = names.map((n) => this.get(n));
    const nIn = inputs.length;
    const call = (args: tf.Tensor[]) => {
      const local = new Map(names.map((n, i) => [n, args[nIn + i]]));
      return fn(args.slice(0, nIn), (n) => local.get(n) ?? this.get(n));
    };
    const f = customGrad<tf.Tensor>((...args: unknown[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const tensors = args as tf.Tensor[];
      save(tensors);
      return {
        value: tf.tidy(() => call(tensors)),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          // A nested gradient at depth 0 clears the engine's active tape; restore it afterwards
          // or the outer backward pass fails (see the tfjs notes).
          const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
          const outer = state.activeTape;
          try {
            return tf.tidy(() => tf.grads((...a: tf.Tensor[]) => call(a))(saved, dy));
          } finally {
            state.activeTape = outer;
          }
        },
      };
    });
    return f(...inputs, ...vars);
  }

  // ---- incremental decoding (generation) ----

  /** Per-layer caches with the cross-attention keys/values of `encoderOut` computed once. */
  initCache(encoderOut: tf.Tensor3D): LayerCache[] {
    const cfg = this.config;
    const caches: LayerCache[] = [];
    tf.tidy(() => {
      for (let i = 0; i < cfg.decoder_layers; i++) {
        const a = `model.decoder.layers.${i}.encoder_attn`;
        const k = linear(encoderOut, this.get(`${a}.k_proj.weight`));
        const v = linear(encoderOut, this.get(`${a}.v_proj.weight`), this.get(`${a}.v_proj.bias`));
        caches.push({
          selfK: null,
          selfV: null,
          crossK: splitHeads(k, cfg.decoder_attention_heads).map((t) => tf.keep(t)),
          crossV: splitHeads(v, cfg.decoder_attention_heads).map((t) => tf.keep(t)),
        });
      }
    });
    return caches;
  }

  /**
   * One incremental decoder step: ids [B, n] at positions past..past+n-1 (past = tokens already in
   * the cache). Returns the logits of the last position [B, vocab] and the grown caches (the old
   * self-attention tensors are disposed; cross-attention tensors are shared).
   */
  decodeStep(ids: tf.Tensor2D, caches: LayerCache[], projection?: tf.Tensor2D): { logits: tf.Tensor2D; caches: LayerCache[] } {
    const cfg = this.config;
    const [B, n] = ids.shape;
    const past = caches[0].selfK?.shape[1] ?? 0;
    if (past + n > cfg.max_target_positions) throw new UserError(`cannot decode past ${cfg.max_target_positions} tokens (max_target_positions)`);
    const next: LayerCache[] = [];
    const logits = tf.tidy(() => {
      const p = this.get;
      let x = this.embed(ids, past) as tf.Tensor3D;
      const mask = n > 1 ? causalMask(n, past + n, past) : null;
      for (let i = 0; i < cfg.decoder_layers; i++) {
        const prefix = `model.decoder.layers.${i}`;
        const c = caches[i];
        const sa = `${prefix}.self_attn`;
        const h = layerNorm(x, p(`${prefix}.self_attn_layer_norm.weight`), p(`${prefix}.self_attn_layer_norm.bias`));
        const kNew = linear(h, p(`${sa}.k_proj.weight`));
        const vNew = linear(h, p(`${sa}.v_proj.weight`), p(`${sa}.v_proj.bias`));
        const selfK = tf.keep((c.selfK ? tf.concat([c.selfK, kNew], 1) : kNew) as tf.Tensor3D);
        const selfV = tf.keep((c.selfV ? tf.concat([c.selfV, vNew], 1) : vNew) as tf.Tensor3D);
        next.push({ selfK, selfV, crossK: c.crossK, crossV: c.crossV });
        const q = tf.mul(linear(h, p(`${sa}.q_proj.weight`), p(`${sa}.q_proj.bias`)), this.scaling(cfg.decoder_attention_heads));
        const att = attendHeads(q, splitHeads(selfK, cfg.decoder_attention_heads), splitHeads(selfV, cfg.decoder_attention_heads), B, cfg.decoder_attention_heads, mask);
        x = tf.add(x, linear(att, p(`${sa}.out_proj.weight`), p(`${sa}.out_proj.bias`))) as tf.Tensor3D;
        const ca = `${prefix}.encoder_attn`;
        const h2 = layerNorm(x, p(`${prefix}.encoder_attn_layer_norm.weight`), p(`${prefix}.encoder_attn_layer_norm.bias`));
        const q2 = tf.mul(linear(h2, p(`${ca}.q_proj.weight`), p(`${ca}.q_proj.bias`)), this.scaling(cfg.decoder_attention_heads));
        const att2 = attendHeads(q2, c.crossK, c.crossV, B, cfg.decoder_attention_heads, null);
        x = tf.add(x, linear(att2, p(`${ca}.out_proj.weight`), p(`${ca}.out_proj.bias`))) as tf.Tensor3D;
        x = tf.add(x, feedForward(x, p, prefix, new Dropout(null, 0))) as tf.Tensor3D;
      }
      const last = tf.reshape(tf.slice(x, [0, n - 1, 0], [B, 1, cfg.d_model]), [B, cfg.d_model]);
      const h = layerNorm(last, p('model.decoder.layer_norm.weight'), p('model.decoder.layer_norm.bias'));
      return this.logits(h, projection) as tf.Tensor2D;
    });
    for (const c of caches) {
      c.selfK?.dispose();
      c.selfV?.dispose();
    }
    return { logits, caches: next };
  }

  /** Frees every tensor of a cache (after generation). */
  disposeCache(caches: LayerCache[]): void {
    for (const c of caches) {
      c.selfK?.dispose();
      c.selfV?.dispose();
      for (const t of [...c.crossK, ...c.crossV]) t.dispose();
    }
  }

  private scaling(heads: number): number {
    return (this.config.d_model / heads) ** -0.5;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

/** Our storage shape of a parameter given its HF shape. */
export function fromHfShape(name: string, shape: number[]): number[] {
  if (isLinearWeight(name)) return [shape[1], shape[0]];
  if (isConvWeight(name)) return [shape[2], shape[1], shape[0]];
  return shape;
}

/** Dropout with seeds derived from (call seed, site name), so a recomputed layer draws the same mask. */
class Dropout {
  constructor(
    private readonly cfg: WhisperConfig | null,
    private readonly seed: number,
  ) {}

  apply(x: tf.Tensor, kind: 'dropout' | 'activation_dropout', site: string): tf.Tensor {
    const rate = this.cfg ? (this.cfg[kind] as number) : 0;
    if (!rate) return x;
    return tf.dropout(x, rate, undefined, this.seedFor(site));
  }

  /** Dropout of the attention probabilities of one (batch item, head), or undefined when off. */
  attention(site: string): AttentionDropout | undefined {
    const rate = this.cfg ? this.cfg.attention_dropout : 0;
    return rate ? { rate, seed: this.seedFor(site) } : undefined;
  }

  private seedFor(site: string): number {
    let h = this.seed;
    for (let i = 0; i < site.length; i++) h = (Math.imul(h, 31) + site.charCodeAt(i)) | 0;
    return h >>> 0;
  }
}

/** Multi-head attention core on (batch, head) slices; q [B, Tq, d] (scaled), k/v per head [Tk, dh]. */
function attendHeads(q: tf.Tensor, kHeads: tf.Tensor2D[], vHeads: tf.Tensor2D[], batch: number, nHeads: number, mask: tf.Tensor2D | null, drop?: Dropout, site = ''): tf.Tensor3D {
  const qHeads = splitHeads(q, nHeads);
  const outs = qHeads.map((qh, i) => attentionHead(qh, kHeads[i], vHeads[i], mask, drop?.attention(`${site}.${i}`)));
  return mergeHeads(outs, batch, nHeads);
}

/** HF WhisperAttention (no cache): x [B, Tq, d] attends over kv [B, Tk, d]. */
function attention(x: tf.Tensor, kv: tf.Tensor, get: ParamGetter, prefix: string, nHeads: number, mask: tf.Tensor2D | null, drop: Dropout): tf.Tensor {
  const [B, , d] = x.shape;
  const q = tf.mul(linear(x, get(`${prefix}.q_proj.weight`), get(`${prefix}.q_proj.bias`)), (d / nHeads) ** -0.5);
  const k = linear(kv, get(`${prefix}.k_proj.weight`));
  const v = linear(kv, get(`${prefix}.v_proj.weight`), get(`${prefix}.v_proj.bias`));
  const att = attendHeads(q, splitHeads(k, nHeads), splitHeads(v, nHeads), B, nHeads, mask, drop, `${prefix}.p`);
  return linear(att, get(`${prefix}.out_proj.weight`), get(`${prefix}.out_proj.bias`));
}

function feedForward(x: tf.Tensor, get: ParamGetter, prefix: string, drop: Dropout): tf.Tensor {
  const h = layerNorm(x, get(`${prefix}.final_layer_norm.weight`), get(`${prefix}.final_layer_norm.bias`));
  const a = drop.apply(gelu(linear(h, get(`${prefix}.fc1.weight`), get(`${prefix}.fc1.bias`))), 'activation_dropout', `${prefix}.act`);
  return drop.apply(linear(a, get(`${prefix}.fc2.weight`), get(`${prefix}.fc2.bias`)), 'dropout', `${prefix}.fc2`);
}

/** Pre-LN encoder block: x + SelfAttn(LN(x)); x + FFN(LN(x)). */
function encoderLayer(x: tf.Tensor, get: ParamGetter, prefix: string, cfg: WhisperConfig, drop: Dropout): tf.Tensor {
  const h = layerNorm(x, get(`${prefix}.self_attn_layer_norm.weight`), get(`${prefix}.self_attn_layer_norm.bias`));
  const x1 = tf.add(x, drop.apply(attention(h, h, get, `${prefix}.self_attn`, cfg.encoder_attention_heads, null, drop), 'dropout', `${prefix}.sa`));
  return tf.add(x1, feedForward(x1, get, prefix, drop));
}

/** Pre-LN decoder block: causal self-attention, cross-attention over the encoder output, FFN. */
function decoderLayer(x: tf.Tensor, enc: tf.Tensor3D, get: ParamGetter, prefix: string, cfg: WhisperConfig, drop: Dropout): tf.Tensor {
  // Built here (not passed in) so a checkpointed layer's recomputation has its own live mask.
  const mask = causalMask(x.shape[1]!, x.shape[1]!, 0);
  const h = layerNorm(x, get(`${prefix}.self_attn_layer_norm.weight`), get(`${prefix}.self_attn_layer_norm.bias`));
  const x1 = tf.add(x, drop.apply(attention(h, h, get, `${prefix}.self_attn`, cfg.decoder_attention_heads, mask, drop), 'dropout', `${prefix}.sa`));
  const h2 = layerNorm(x1, get(`${prefix}.encoder_attn_layer_norm.weight`), get(`${prefix}.encoder_attn_layer_norm.bias`));
  const x2 = tf.add(x1, drop.apply(attention(h2, enc, get, `${prefix}.encoder_attn`, cfg.decoder_attention_heads, null, drop), 'dropout', `${prefix}.ca`));
  return tf.add(x2, feedForward(x2, get, prefix, drop));
}

/**
 * Token embedding lookup (tf.gather) whose gradient skips the padding row, like PyTorch's
 * nn.Embedding(padding_idx=pad): that row gets no gradient from the input side.
 * The gradient is an UnsortedSegmentSum (registered as a JS kernel on wasm, see backend.ts).
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor, padId: number): tf.Tensor {
  const [V, d] = table.shape;
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D;
  const f = customGrad<tf.Tensor>((e: tf.Tensor, save: tf.GradSaveFunc) => {
    // Saved (not closed over): tf.variableGrads disposes forward tensors the tape did not save.
    save([flat]);
    return {
      value: tf.reshape(tf.gather(e, flat), [...ids.shape, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const flat = saved[0] as tf.Tensor1D;
          const keep = tf.cast(tf.notEqual(flat, padId), 'float32');
          const rows = tf.mul(tf.reshape(dy, [-1, d]), tf.expandDims(keep, 1));
          return tf.unsortedSegmentSum(rows, flat, V);
        }),
    };
  });
  return f(table);
}

/** HF shift_tokens_right: prepend decoder_start, drop the last label, -100 -> pad. */
export function shiftTokensRight(labels: number[][], padId: number, startId: number): number[][] {
  return labels.map((row) => [startId, ...row.slice(0, -1)].map((t) => (t === -100 ? padId : t)));
}

/** Mean cross-entropy over positions whose label is not -100 (CrossEntropyLoss(ignore_index=-100)). */
export function crossEntropy(logits: tf.Tensor, labels: number[][]): tf.Scalar {
  const V = logits.shape[logits.shape.length - 1];
  const flatLabels = labels.flat();
  const valid: number[] = flatLabels.map((t) => (t === -100 ? 0 : 1));
  const count = valid.reduce((a: number, b: number) => a + b, 0);
  if (count === 0) throw new UserError('every label is -100: nothing to compute a loss on');
  return tf.tidy(() => {
    const logp = tf.logSoftmax(tf.reshape(logits, [-1, V]));
    const target = tf.oneHot(tf.tensor1d(flatLabels.map((t) => (t === -100 ? 0 : t)), 'int32'), V);
    const picked = tf.sum(tf.mul(logp, target), -1);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(valid, 'float32')))), count) as tf.Scalar;
  });
}

export { matMulNN };
