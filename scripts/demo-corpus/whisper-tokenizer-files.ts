// Builds the files of a Hugging Face Whisper tokenizer + feature extractor around a small BPE
// vocabulary, laid out like a real Whisper checkpoint so that transformers.js and HF load it.
import type { LearnedBpe } from './byte-level-bpe.ts';

// Whisper's 99 language codes in Whisper's own order (openai/whisper tokenizer.py LANGUAGES), so
// that `<|ar|>` and friends sit at the same relative offsets as in the real tokenizer.
export const WHISPER_LANGUAGES = [
  'en', 'zh', 'de', 'es', 'ru', 'ko', 'fr', 'ja', 'pt', 'tr', 'pl', 'ca', 'nl', 'ar', 'sv', 'it', 'id', 'hi', 'fi', 'vi',
  'he', 'uk', 'el', 'ms', 'cs', 'ro', 'da', 'hu', 'ta', 'no', 'th', 'ur', 'hr', 'bg', 'lt', 'la', 'mi', 'ml', 'cy', 'sk',
  'te', 'fa', 'lv', 'bn', 'sr', 'az', 'sl', 'kn', 'et', 'mk', 'br', 'eu', 'is', 'hy', 'ne', 'mn', 'bs', 'kk', 'sq', 'sw',
  'gl', 'mr', 'pa', 'si', 'km', 'sn', 'yo', 'so', 'af', 'oc', 'ka', 'be', 'tg', 'sd', 'gu', 'am', 'yi', 'lo', 'uz', 'fo',
  'ht', 'ps', 'tk', 'nn', 'mt', 'sa', 'lb', 'my', 'bo', 'tl', 'mg', 'as', 'tt', 'haw', 'ln', 'ha', 'ba', 'jw', 'su',
] as const;

/** The special tokens in Whisper's order; they get the ids right after the BPE vocabulary. */
export const WHISPER_SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|startoftranscript|>',
  ...WHISPER_LANGUAGES.map((code) => `<|${code}|>`),
  '<|translate|>',
  '<|transcribe|>',
  '<|startoflm|>',
  '<|startofprev|>',
  '<|nocaptions|>',
  '<|notimestamps|>',
];

export interface FeatureWindow {
  /** Seconds of audio per input window (Whisper uses 30; the demo uses a short one). */
  chunkLength: number;
}

export function whisperTokenizerFiles(bpe: LearnedBpe, window: FeatureWindow): Record<string, unknown> {
  const vocab: Record<string, number> = Object.fromEntries(bpe.tokens.map((token, id) => [token, id]));
  const specialId = (token: string) => bpe.tokens.length + WHISPER_SPECIAL_TOKENS.indexOf(token);
  const addedToken = (content: string) => ({ content, lstrip: false, normalized: false, rstrip: false, single_word: false });
  const eot = '<|endoftext|>';
  const sot = '<|startoftranscript|>';
  const noTimestamps = '<|notimestamps|>';
  const merges = bpe.merges.map(([a, b]) => `${a} ${b}`);

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: WHISPER_SPECIAL_TOKENS.map((content) => ({ id: specialId(content), ...addedToken(content), special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    // Same default template as the released Whisper tokenizers; callers that want a language and
    // task prefix build it from the special token ids.
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: sot, type_id: 0 } },
        { SpecialToken: { id: noTimestamps, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: eot, type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: sot, type_id: 0 } },
        { SpecialToken: { id: noTimestamps, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: eot, type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        [eot, noTimestamps, sot].map((token) => [token, { id: token, ids: [specialId(token)], tokens: [token] }]),
      ),
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };

  const specialTokenRoles = {
    bos_token: addedToken(eot),
    eos_token: addedToken(eot),
    pad_token: addedToken(eot),
    unk_token: addedToken(eot),
  };
  const tokenizerConfig = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      WHISPER_SPECIAL_TOKENS.map((content) => [String(specialId(content)), { ...addedToken(content), special: true }]),
    ),
    additional_special_tokens: WHISPER_SPECIAL_TOKENS,
    bos_token: eot,
    clean_up_tokenization_spaces: true,
    eos_token: eot,
    errors: 'replace',
    model_max_length: 448,
    pad_token: eot,
    processor_class: 'WhisperProcessor',
    return_attention_mask: false,
    tokenizer_class: 'WhisperTokenizer',
    unk_token: eot,
  };
  const specialTokensMap = { additional_special_tokens: WHISPER_SPECIAL_TOKENS, ...specialTokenRoles };

  const samplingRate = 16000;
  const hopLength = 160;
  const nSamples = window.chunkLength * samplingRate;
  const preprocessorConfig = {
    chunk_length: window.chunkLength,
    feature_extractor_type: 'WhisperFeatureExtractor',
    feature_size: 80,
    hop_length: hopLength,
    n_fft: 400,
    n_samples: nSamples,
    nb_max_frames: nSamples / hopLength,
    padding_side: 'right',
    padding_value: 0.0,
    processor_class: 'WhisperProcessor',
    return_attention_mask: false,
    sampling_rate: samplingRate,
  };

  const generationConfig = {
    bos_token_id: specialId(eot),
    decoder_start_token_id: specialId(sot),
    eos_token_id: specialId(eot),
    pad_token_id: specialId(eot),
    is_multilingual: true,
    lang_to_id: Object.fromEntries(WHISPER_LANGUAGES.map((code) => [`<|${code}|>`, specialId(`<|${code}|>`)])),
    task_to_id: { translate: specialId('<|translate|>'), transcribe: specialId('<|transcribe|>') },
    no_timestamps_token_id: specialId(noTimestamps),
    prev_sot_token_id: specialId('<|startofprev|>'),
    max_length: 448,
    return_timestamps: false,
    // No timestamp tokens exist in this small vocabulary; see README.
  };

  return {
    'tokenizer.json': tokenizerJson,
    'tokenizer_config.json': tokenizerConfig,
    'special_tokens_map.json': specialTokensMap,
    'vocab.json': vocab,
    'added_tokens.json': Object.fromEntries(WHISPER_SPECIAL_TOKENS.map((token) => [token, specialId(token)])),
    'preprocessor_config.json': preprocessorConfig,
    'generation_config.json': generationConfig,
  };
}

/** merges.txt, the slow tokenizer's merge list (same merges as tokenizer.json). */
export function mergesTxt(bpe: LearnedBpe): string {
  return ['#version: 0.2', ...bpe.merges.map(([a, b]) => `${a} ${b}`)].join('\n') + '\n';
}
