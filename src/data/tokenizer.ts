/**
 * The Whisper tokenizer, loaded offline from a checkpoint (or model.init.tokenizer) folder with
 * transformers.js, and the label ids Hugging Face's Whisper fine-tuning uses:
 *
 *   labels = <|startoftranscript|> <|lang|> <|task|> <|notimestamps|> + encode(text) + <|endoftext|>
 *
 * where encode adds no special tokens (tokenizer.json's post-processor would add a different
 * prefix without language and task). transformers.js has no `prefix_tokens`, so the prefix is
 * built here with convert_tokens_to_ids.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { env, AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { UserError } from '../util/errors.ts';
import { WHISPER_LANGUAGES, WHISPER_LANGUAGE_ALIASES } from './whisper-languages.ts';

export type WhisperTask = 'transcribe' | 'translate';

export interface WhisperTokenizerOptions {
  /** Whisper language name or code: `arabic`, `ar`, `<|ar|>` (case-insensitive). Default arabic. */
  language?: string;
  task?: WhisperTask;
}

export interface WhisperTokenizer {
  /** [<|startoftranscript|>, <|lang|>, <|task|>, <|notimestamps|>] ids. */
  readonly prefixIds: readonly number[];
  readonly eosId: number;
  /** Whisper pads labels with eos (pad_token_id = 50257 for the multilingual vocabulary). */
  readonly padId: number;
  /** <|startoftranscript|>: the decoder start token. */
  readonly decoderStartId: number;
  /** Language code used in the prefix (`ar`). */
  readonly languageCode: string;
  /** Text ids only, no special tokens. */
  textIds(text: string): number[];
  /** prefix + text ids + eos: the training labels. */
  labelIds(text: string): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Id of a token string, or undefined when the vocabulary lacks it. */
  tokenId(token: string): number | undefined;
  /** The transformers.js tokenizer, for anything not wrapped here. */
  readonly raw: PreTrainedTokenizer;
}

/** `arabic` / `ar` / `<|ar|>` -> `ar`. Throws UserError listing the accepted values otherwise. */
export function whisperLanguageCode(language: string): string {
  const wanted = language.trim().toLowerCase().replace(/^<\|(.+)\|>$/, '$1');
  for (const [code, name] of WHISPER_LANGUAGES) {
    if (wanted === code || wanted === name) return code;
  }
  const alias = WHISPER_LANGUAGE_ALIASES[wanted];
  if (alias) return alias;
  throw new UserError(
    `model.language "${language}" is not a Whisper language. Use a name or code such as arabic/ar, french/fr, english/en (known: ${WHISPER_LANGUAGES.map(([c]) => c).join(', ')})`,
  );
}

const REQUIRED_FILES = ['tokenizer.json', 'tokenizer_config.json'];

/** Load the tokenizer in `dir` without any network access. */
export async function loadWhisperTokenizer(dir: string, options: WhisperTokenizerOptions = {}): Promise<WhisperTokenizer> {
  const folder = resolve(dir);
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(folder, f)));
  if (missing.length) {
    throw new UserError(
      `${folder}: no Whisper tokenizer here (missing ${missing.join(', ')}). Point model.checkpoint or model.init.tokenizer at a Hugging Face Whisper folder.`,
    );
  }
  // Never reach for the Hub: every file must be in the folder.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  let raw: PreTrainedTokenizer;
  try {
    raw = await AutoTokenizer.from_pretrained(folder);
  } catch (err) {
    throw new UserError(`${folder}: cannot load the tokenizer (${(err as Error).message})`);
  }
  const tokenId = (token: string): number | undefined => {
    const id = raw.convert_tokens_to_ids(token) as number | undefined;
    return typeof id === 'number' ? id : undefined;
  };
  const need = (token: string, what: string): number => {
    const id = tokenId(token);
    if (id === undefined) throw new UserError(`${folder}: the tokenizer has no ${token} token (${what}); is this a Whisper tokenizer?`);
    return id;
  };
  const languageCode = whisperLanguageCode(options.language ?? 'arabic');
  const task = options.task ?? 'transcribe';
  const decoderStartId = need('<|startoftranscript|>', 'decoder start');
  const prefixIds = [
    decoderStartId,
    need(`<|${languageCode}|>`, `language ${languageCode}; an English-only checkpoint cannot be given a language`),
    need(`<|${task}|>`, 'task'),
    need('<|notimestamps|>', 'no timestamps'),
  ];
  const eosId = need('<|endoftext|>', 'end of text');
  const padId = raw.pad_token_id ?? eosId;

  const textIds = (text: string): number[] => raw.encode(text, { add_special_tokens: false });
  return {
    prefixIds,
    eosId,
    padId,
    decoderStartId,
    languageCode,
    textIds,
    labelIds: (text) => [...prefixIds, ...textIds(text), eosId],
    decode: (ids, opts = {}) => raw.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? true }),
    tokenId,
    raw,
  };
}
