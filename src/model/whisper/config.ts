/**
 * Whisper's configuration: the fields of a Hugging Face `config.json` that the network uses, the
 * named sizes (values as published in openai/whisper-<size>/config.json), and the generation
 * settings (`generation_config.json`) that greedy decoding follows.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../util/errors.ts';

/** HF `WhisperConfig` fields (snake_case, as in config.json). Unknown fields are kept on save. */
export interface WhisperConfig {
  d_model: number;
  encoder_layers: number;
  decoder_layers: number;
  encoder_attention_heads: number;
  decoder_attention_heads: number;
  encoder_ffn_dim: number;
  decoder_ffn_dim: number;
  num_mel_bins: number;
  vocab_size: number;
  /** Encoder frames after the stride-2 conv: 1500 for 30 s of audio. */
  max_source_positions: number;
  max_target_positions: number;
  pad_token_id: number;
  bos_token_id: number;
  eos_token_id: number;
  decoder_start_token_id: number;
  init_std: number;
  dropout: number;
  attention_dropout: number;
  activation_dropout: number;
  activation_function: string;
  scale_embedding: boolean;
  suppress_tokens?: number[] | null;
  begin_suppress_tokens?: number[] | null;
  [extra: string]: unknown;
}

/** What `generation_config.json` says that greedy decoding uses. */
export interface GenerationConfig {
  decoder_start_token_id: number;
  eos_token_id: number;
  pad_token_id: number;
  suppress_tokens: number[];
  begin_suppress_tokens: number[];
  lang_to_id?: Record<string, number>;
  task_to_id?: Record<string, number>;
  no_timestamps_token_id?: number;
  max_length?: number;
  [extra: string]: unknown;
}

const COMMON: Omit<WhisperConfig, 'd_model' | 'encoder_layers' | 'decoder_layers' | 'encoder_attention_heads' | 'decoder_attention_heads' | 'encoder_ffn_dim' | 'decoder_ffn_dim'> = {
  num_mel_bins: 80,
  vocab_size: 51865,
  max_source_positions: 1500,
  max_target_positions: 448,
  pad_token_id: 50257,
  bos_token_id: 50257,
  eos_token_id: 50257,
  decoder_start_token_id: 50258,
  init_std: 0.02,
  dropout: 0,
  attention_dropout: 0,
  activation_dropout: 0,
  activation_function: 'gelu',
  scale_embedding: false,
  begin_suppress_tokens: [220, 50257],
};

function size(d: number, layers: number, heads: number, extra: Partial<WhisperConfig> = {}): WhisperConfig {
  return <WhisperConfig>{
    ...COMMON,
    d_model: d,
    encoder_layers: layers,
    decoder_layers: layers,
    encoder_attention_heads: heads,
    decoder_attention_heads: heads,
    encoder_ffn_dim: 4 * d,
    decoder_ffn_dim: 4 * d,
    ...extra,
  };
}

/** Named sizes (multilingual checkpoints). large-v3 has 128 mel bins and one more token (<|yue|>). */
export const WHISPER_PRESETS: Record<string, WhisperConfig> = {
  tiny: size(384, 4, 6),
  base: size(512, 6, 8),
  small: size(768, 12, 12),
  medium: size(1024, 24, 16),
  large: size(1280, 32, 20),
  'large-v2': size(1280, 32, 20),
  'large-v3': size(1280, 32, 20, { num_mel_bins: 128, vocab_size: 51866, pad_token_id: 50256 }),
};

const REQUIRED_NUMBERS = [
  'd_model', 'encoder_layers', 'decoder_layers', 'encoder_attention_heads', 'decoder_attention_heads',
  'encoder_ffn_dim', 'decoder_ffn_dim', 'num_mel_bins', 'vocab_size', 'max_source_positions', 'max_target_positions',
] as const;

/** Fills HF's defaults for optional fields and checks the fields the network needs. */
export function normalizeConfig(raw: Record<string, unknown>, where: string): WhisperConfig {
  if (raw.model_type !== undefined && raw.model_type !== 'whisper') {
    throw new UserError(`${where}: model_type is "${String(raw.model_type)}", expected "whisper"`);
  }
  for (const key of REQUIRED_NUMBERS) {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new UserError(`${where}: field "${key}" must be a positive integer (got ${JSON.stringify(v)})`);
    }
  }
  const cfg = { ...COMMON, ...raw } as WhisperConfig;
  if (cfg.d_model % cfg.encoder_attention_heads !== 0 || cfg.d_model % cfg.decoder_attention_heads !== 0) {
    throw new UserError(`${where}: d_model ${cfg.d_model} is not divisible by the number of attention heads`);
  }
  if (cfg.activation_function !== 'gelu') {
    throw new UserError(`${where}: activation_function "${cfg.activation_function}" is not supported (only "gelu", as in every Whisper)`);
  }
  return cfg;
}

export function readConfig(dir: string): WhisperConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UserError(`${dir}: no config.json (is this a Hugging Face Whisper folder?)`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return normalizeConfig(raw, path);
}

/**
 * Config for a random model: a named size plus overrides. `chunk_length` (seconds, < 30) shrinks the
 * encoder context the way HF does for shorter windows: max_source_positions = chunk_length * 50.
 */
export function presetConfig(preset: string, overrides: Record<string, unknown> = {}): WhisperConfig {
  const base = WHISPER_PRESETS[preset];
  if (!base) throw new UserError(`unknown Whisper size "${preset}"; choose one of: ${Object.keys(WHISPER_PRESETS).join(', ')}`);
  const { chunk_length, ...rest } = overrides as { chunk_length?: number } & Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, ...rest };
  if (chunk_length !== undefined) {
    if (typeof chunk_length !== 'number' || chunk_length <= 0 || chunk_length > 30) {
      throw new UserError(`model.init: chunk_length must be a number of seconds in (0, 30] (got ${JSON.stringify(chunk_length)})`);
    }
    merged.max_source_positions = Math.round(chunk_length * 50);
  }
  return normalizeConfig(merged, `model.init (${preset})`);
}

/** Special-token ids from a tokenizer.json's `added_tokens`, for a model that has no generation_config.json. */
function specialTokensFrom(tokenizerJson: string): Map<string, number> {
  const parsed = JSON.parse(readFileSync(tokenizerJson, 'utf8')) as { added_tokens?: { id: number; content: string }[] };
  return new Map((parsed.added_tokens ?? []).map((t) => [t.content, t.id]));
}

/**
 * The generation config of a checkpoint: `generation_config.json` if present, otherwise derived from
 * config.json and the tokenizer's special tokens (language tokens are those between
 * <|startoftranscript|> and <|translate|>, as in every Whisper vocabulary).
 */
export function readGenerationConfig(dir: string | undefined, cfg: WhisperConfig): GenerationConfig {
  const path = dir ? join(dir, 'generation_config.json') : undefined;
  if (path && existsSync(path)) {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return {
      ...raw,
      decoder_start_token_id: (raw.decoder_start_token_id as number) ?? cfg.decoder_start_token_id,
      eos_token_id: (raw.eos_token_id as number) ?? cfg.eos_token_id,
      pad_token_id: (raw.pad_token_id as number) ?? cfg.pad_token_id,
      suppress_tokens: (raw.suppress_tokens as number[] | null) ?? [],
      begin_suppress_tokens: (raw.begin_suppress_tokens as number[] | null) ?? [],
    };
  }
  const gen: GenerationConfig = {
    decoder_start_token_id: cfg.decoder_start_token_id,
    eos_token_id: cfg.eos_token_id,
    pad_token_id: cfg.pad_token_id,
    suppress_tokens: cfg.suppress_tokens ?? [],
    begin_suppress_tokens: cfg.begin_suppress_tokens ?? [],
    max_length: cfg.max_target_positions,
  };
  const tok = dir ? join(dir, 'tokenizer.json') : undefined;
  if (tok && existsSync(tok)) {
    const special = specialTokensFrom(tok);
    const sot = special.get('<|startoftranscript|>');
    const translate = special.get('<|translate|>');
    const transcribe = special.get('<|transcribe|>');
    if (sot !== undefined && translate !== undefined && transcribe !== undefined) {
      gen.decoder_start_token_id = sot;
      gen.lang_to_id = {};
      for (const [content, id] of special) if (id > sot && id < translate && /^<\|[a-z]{2,3}\|>$/.test(content)) gen.lang_to_id[content] = id;
      gen.task_to_id = { transcribe, translate };
    }
    const nt = special.get('<|notimestamps|>');
    if (nt !== undefined) gen.no_timestamps_token_id = nt;
    const eot = special.get('<|endoftext|>');
    if (eot !== undefined) gen.eos_token_id = eot;
  }
  return gen;
}
