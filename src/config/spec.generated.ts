/* Generated from schemas/experiment.schema.json by `npm run gen:types`. Do not edit by hand. */

/**
 * Values of one sweep parameter: a list (grid/random), or a distribution (random only).
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "sweepDistribution".
 */
export type SweepDistribution =
  | [unknown, ...unknown[]]
  | {
      /**
       * Explicit values.
       *
       * @minItems 1
       */
      values: [unknown, ...unknown[]];
    }
  | {
      /**
       * [low, high] drawn uniformly.
       *
       * @minItems 2
       * @maxItems 2
       */
      uniform: [number, number];
    }
  | {
      /**
       * [low, high] drawn uniformly in log space (both > 0).
       *
       * @minItems 2
       * @maxItems 2
       */
      loguniform: [number, number];
    }
  | {
      /**
       * [low, high] integers, both ends included.
       *
       * @minItems 2
       * @maxItems 2
       */
      int: [number, number];
    };

/**
 * An exp experiment: which Whisper model to fine-tune, on which data, how to train and evaluate it, where to track it, and optionally a sweep over any of these values. Defaults follow Hugging Face Seq2SeqTrainingArguments where a field has the same meaning.
 */
export interface ExperimentSpec {
  /**
   * Experiment name. Names the run folder (runs/<name>/...) and, unless tracking.experiment is set, the MLflow experiment.
   */
  name: string;
  /**
   * Free text shown in the run record and as the MLflow run note.
   */
  description?: string;
  /**
   * Path (relative to this file) of a base spec to deep-merge under this one; this file's values win, arrays are replaced whole.
   */
  extends?: string;
  /**
   * Random seed for model init, data shuffling and dropout (HF `seed`).
   */
  seed?: number;
  model: Model;
  data: Data;
  train?: Train;
  eval?: Eval;
  engine?: Engine;
  tracking?: Tracking;
  sweep?: Sweep;
}
/**
 * The Whisper model: either a Hugging Face checkpoint folder or a random init from a named size.
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "model".
 */
export interface Model {
  /**
   * A Hugging Face Whisper folder (config.json, model.safetensors, tokenizer and preprocessor files), relative to the spec file.
   */
  checkpoint?: string;
  /**
   * Random initialisation from a named Whisper size (HF's init scheme), with optional config overrides.
   */
  init?: {
    /**
     * Named Whisper size whose config.json values are the starting point.
     */
    config:
      | 'tiny'
      | 'tiny.en'
      | 'base'
      | 'base.en'
      | 'small'
      | 'small.en'
      | 'medium'
      | 'medium.en'
      | 'large'
      | 'large-v2'
      | 'large-v3'
      | 'large-v3-turbo';
    /**
     * Whisper config.json keys to override (e.g. d_model, encoder_layers, vocab_size).
     */
    overrides?: {
      /**
       * Hidden size.
       */
      d_model?: number;
      /**
       * Number of encoder blocks.
       */
      encoder_layers?: number;
      /**
       * Number of decoder blocks.
       */
      decoder_layers?: number;
      /**
       * Encoder attention heads (must divide d_model).
       */
      encoder_attention_heads?: number;
      /**
       * Decoder attention heads (must divide d_model).
       */
      decoder_attention_heads?: number;
      /**
       * Encoder feed-forward width.
       */
      encoder_ffn_dim?: number;
      /**
       * Decoder feed-forward width.
       */
      decoder_ffn_dim?: number;
      /**
       * Mel bins of the input features (80, or 128 for large-v3).
       */
      num_mel_bins?: 80 | 128;
      /**
       * Encoder positions after the stride-2 conv (1500 for a 30 s window).
       */
      max_source_positions?: number;
      /**
       * Longest decoder sequence (448 for Whisper).
       */
      max_target_positions?: number;
      /**
       * Vocabulary size; must cover the tokenizer's ids.
       */
      vocab_size?: number;
      /**
       * Std of the normal init of weights (HF default 0.02).
       */
      init_std?: number;
      /**
       * Dropout probability.
       */
      dropout?: number;
      /**
       * Dropout on attention weights.
       */
      attention_dropout?: number;
      /**
       * Dropout after the feed-forward activation.
       */
      activation_dropout?: number;
    };
    /**
     * Folder with the tokenizer files (tokenizer.json, tokenizer_config.json, ...) and preprocessor_config.json to pair with the random model, relative to the spec file.
     */
    tokenizer?: string;
    /**
     * Audio window in seconds for a random-init model (Whisper: 30). A shorter window trains much faster; max_source_positions follows from it.
     */
    chunk_length?: number;
  };
  /**
   * Language of the transcripts, as a Whisper language name or code (arabic, ar, ...). Sets the <|lang|> prefix token.
   */
  language?: string;
  /**
   * Whisper task token.
   */
  task?: 'transcribe' | 'translate';
}
/**
 * Where the audio and transcripts come from and how they are cleaned.
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "data".
 */
export interface Data {
  /**
   * Named sources; data.train/eval/test refer to these names.
   */
  sources: {
    [k: string]: Source;
  };
  /**
   * Source name, or list of names concatenated in order (e.g. [train, dev]), used for training.
   */
  train: string | [string, ...string[]];
  /**
   * Source evaluated every eval_steps (eval loss, and WER/CER with predict_with_generate).
   */
  eval?: string;
  /**
   * Source evaluated once at the end with greedy decoding (WER/CER, predictions.tsv).
   */
  test?: string;
  /**
   * What to do with a bad row (missing or unreadable audio, empty text, too long, duplicate): skip it and count it, or fail the run at the first one.
   */
  on_error?: 'skip' | 'fail';
  /**
   * With on_error: skip, fail the run (with the data report) when more than this fraction of rows is skipped.
   */
  max_skipped_fraction?: number;
  /**
   * Skip clips longer than this (default: the model's audio window, 30 s for pretrained Whisper).
   */
  max_duration_seconds?: number;
  /**
   * Text handling before tokenisation and scoring.
   */
  text?: {
    /**
     * Explicit, opt-in normalisation steps, applied in the order given.
     */
    normalize?: ('whitespace' | 'remove_tatweel' | 'remove_diacritics' | 'unify_arabic_letters' | 'lowercase_latin')[];
  };
}
/**
 * One named data source.
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "source".
 */
export interface Source {
  /**
   * dvoice: DVoice v2.0 layout (<root>/texts/<split>.csv, tab-separated, wav/words/duration; audio in <root>/wavs). csv/tsv: a table with column mapping. jsonl: one {"audio", "text"} object per line.
   */
  format: 'dvoice' | 'csv' | 'tsv' | 'jsonl';
  /**
   * dvoice: the corpus folder holding texts/ and wavs/.
   */
  root?: string;
  /**
   * dvoice: which texts/<split>.csv to read.
   */
  split?: 'train' | 'dev' | 'test';
  /**
   * csv/tsv/jsonl: the manifest file.
   */
  path?: string;
  /**
   * csv/tsv: column holding the audio path (default: audio). No schema default: it would be filled into dvoice/jsonl sources, where the key is not allowed.
   */
  audio_column?: string;
  /**
   * csv/tsv: column holding the transcript (default: text).
   */
  text_column?: string;
  /**
   * csv/tsv: field separator (default ',' for csv, tab for tsv).
   */
  separator?: string;
  /**
   * csv/tsv/jsonl: folder that relative audio paths are resolved against (default: the manifest's folder).
   */
  audio_dir?: string;
  /**
   * Use only the first N rows (handy for smoke tests).
   */
  limit?: number;
}
/**
 * Training loop settings (Hugging Face Seq2SeqTrainingArguments names and defaults).
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "train".
 */
export interface Train {
  /**
   * Per-device train batch size (HF per_device_train_batch_size).
   */
  batch_size?: number;
  /**
   * Batches whose gradients are summed before one optimizer step.
   */
  gradient_accumulation_steps?: number;
  /**
   * Peak AdamW learning rate.
   */
  learning_rate?: number;
  /**
   * AdamW decoupled weight decay.
   */
  weight_decay?: number;
  /**
   * AdamW beta1.
   */
  adam_beta1?: number;
  /**
   * AdamW beta2.
   */
  adam_beta2?: number;
  /**
   * AdamW epsilon.
   */
  adam_epsilon?: number;
  /**
   * Clip the global gradient L2 norm to this (0 disables clipping).
   */
  max_grad_norm?: number;
  /**
   * Epochs to train when max_steps is not set.
   */
  num_train_epochs?: number;
  /**
   * Total optimizer steps; overrides num_train_epochs when > 0 (-1: use epochs).
   */
  max_steps?: number;
  /**
   * Learning-rate schedule after warmup.
   */
  lr_scheduler_type?: 'linear' | 'cosine' | 'constant' | 'constant_with_warmup';
  /**
   * Linear warmup steps (overrides warmup_ratio).
   */
  warmup_steps?: number;
  /**
   * Warmup as a fraction of total steps, used when warmup_steps is 0.
   */
  warmup_ratio?: number;
  /**
   * Recompute each layer's activations in the backward pass to cut peak memory.
   */
  gradient_checkpointing?: boolean;
  /**
   * Training precision. fp16/bf16 are used where the backend supports them; otherwise the run says it trains in fp32.
   */
  precision?: 'fp32' | 'fp16' | 'bf16';
  /**
   * When to evaluate on data.eval (HF eval_strategy).
   */
  eval_strategy?: 'no' | 'steps' | 'epoch';
  /**
   * Evaluate every N optimizer steps (default: logging_steps).
   */
  eval_steps?: number;
  /**
   * When to write checkpoints.
   */
  save_strategy?: 'no' | 'steps' | 'epoch';
  /**
   * Write a checkpoint every N optimizer steps.
   */
  save_steps?: number;
  /**
   * Keep only the newest N checkpoints (the best one is always kept).
   */
  save_total_limit?: number;
  /**
   * Log loss, learning rate, grad norm and throughput every N optimizer steps.
   */
  logging_steps?: number;
  /**
   * Batch utterances of similar length together (less padding), still seeded.
   */
  group_by_length?: boolean;
  /**
   * At the end, reload the checkpoint with the best metric_for_best_model.
   */
  load_best_model_at_end?: boolean;
  /**
   * Eval metric that ranks checkpoints (loss, wer, cer).
   */
  metric_for_best_model?: 'loss' | 'wer' | 'cer';
  /**
   * Whether a larger metric_for_best_model is better (default: false for loss, wer and cer).
   */
  greater_is_better?: boolean;
  /**
   * Stop when metric_for_best_model has not improved for `patience` evaluations (HF EarlyStoppingCallback).
   */
  early_stopping?: {
    /**
     * Evaluations without improvement before stopping.
     */
    patience: number;
    /**
     * Minimum improvement that counts.
     */
    threshold?: number;
  };
  /**
   * Parts of the model kept fixed during training.
   */
  freeze?: ('encoder' | 'decoder' | 'embeddings')[];
  /**
   * Updates skipped for NaN/Inf loss or gradients before the run fails.
   */
  max_nan_steps?: number;
}
/**
 * Evaluation and generation settings.
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "eval".
 */
export interface Eval {
  /**
   * Per-device eval batch size.
   */
  batch_size?: number;
  /**
   * During training evaluations, also decode greedily and compute the metrics.
   */
  predict_with_generate?: boolean;
  /**
   * Longest generated sequence, prefix tokens included (HF generation_max_length).
   */
  generation_max_length?: number;
  /**
   * Metrics computed from greedy transcripts.
   */
  metrics?: ('wer' | 'cer')[];
  /**
   * Normalisation of references and transcripts before WER/CER, after data.text.normalize: none, Whisper's BasicTextNormalizer (basic: lowercase, drop bracketed words, punctuation and marks -> spaces; note that this turns Arabic harakat into spaces), or basic_remove_diacritics (also strips diacritics, harakat included).
   */
  normalizer?: 'none' | 'basic' | 'basic_remove_diacritics';
}
/**
 * Where the tensors run.
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "engine".
 */
export interface Engine {
  /**
   * TensorFlow.js backend. auto tries, in order: tensorflow (tfjs-node-gpu, then tfjs-node), webgpu, wasm, cpu.
   */
  backend?: 'auto' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
}
/**
 * MLflow tracking. Without a tracking URI (here, project config or MLFLOW_TRACKING_URI) runs stay local; `exp sync` can push them later.
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "tracking".
 */
export interface Tracking {
  /**
   * MLflow experiment name (default: the spec's name).
   */
  experiment?: string;
  /**
   * MLflow tracking server URI, e.g. http://127.0.0.1:5000.
   */
  uri?: string;
  /**
   * Upload the final model folder as an artifact.
   */
  log_model?: boolean;
}
/**
 * Expand this spec into several runs (a parent sweep with child runs).
 *
 * This interface was referenced by `ExperimentSpec`'s JSON-Schema
 * via the `definition` "sweep".
 */
export interface Sweep {
  /**
   * grid: cartesian product; random: `trials` draws; list: explicit variants.
   */
  method: 'grid' | 'random' | 'list';
  /**
   * Dotted spec paths (train.learning_rate) mapped to their values or distributions.
   */
  parameters?: {
    [k: string]: SweepDistribution;
  };
  /**
   * method: list: each item maps dotted spec paths to values for one run.
   *
   * @minItems 1
   */
  variants?: [{}, ...{}[]];
  /**
   * method: random: number of runs drawn.
   */
  trials?: number;
  /**
   * method: random: seed of the draws (same seed, same runs).
   */
  seed?: number;
  /**
   * Run name template with {name} and {path.to.value} placeholders, e.g. '{name}-lr{train.learning_rate}'. Default: <name>-<short key><value> per varied parameter.
   */
  name_template?: string;
}
