// `exp transcribe --model <dir> <audio...>`: run a Whisper checkpoint on audio files with greedy
// decoding (the checkpoint's suppress tokens, no timestamps) and print the text, or with --json the
// token ids and text per file. Audio is decoded and resampled to 16 kHz mono, then turned into
// log-mel features with the checkpoint's preprocessor_config.json.
import type { CommandModule } from 'yargs';
import * as tf from '@tensorflow/tfjs';
import { basename } from 'node:path';
import { selectBackend, describeBackend, BACKEND_CHOICES, type BackendChoice } from '../../engine/backend.ts';
import { loadWhisper } from '../../model/whisper/io.ts';
import { generateGreedy, detectLanguage } from '../../model/whisper/generate.ts';
import { decodeAudioFile } from '../../data/audio.ts';
import { loadFeatureExtractor } from '../../data/features.ts';
import { loadWhisperTokenizer, whisperLanguageCode } from '../../data/tokenizer.ts';
import { UserError } from '../../util/errors.ts';
import { writeJson } from '../output.ts';

interface TranscribeArgs {
  model: string;
  audio: string[];
  language?: string;
  task: 'transcribe' | 'translate';
  backend: BackendChoice;
  'batch-size': number;
  'max-new-tokens'?: number;
  json?: boolean;
  quiet?: boolean;
}

export interface Transcript {
  file: string;
  language: string;
  /** Prefix + generated ids, up to and including <|endoftext|>. */
  ids: number[];
  text: string;
}

export const transcribeCommand: CommandModule<object, TranscribeArgs> = {
  command: 'transcribe <audio..>',
  describe: 'Transcribe audio files with a Whisper checkpoint (greedy decoding)',
  builder: (yargs) =>
    yargs
      .positional('audio', { type: 'string', array: true, demandOption: true, describe: 'audio files (wav, flac, mp3, ogg, opus, m4a)' })
      .option('model', { type: 'string', demandOption: true, describe: 'Hugging Face Whisper folder (config.json + model.safetensors + tokenizer)' })
      .option('language', { type: 'string', describe: 'spoken language (ar, arabic, fr, ...); default: detected per file' })
      .option('task', { choices: ['transcribe', 'translate'] as const, default: 'transcribe' as const, describe: 'transcribe, or translate to English' })
      .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'tfjs backend' })
      .option('batch-size', { type: 'number', default: 1, describe: 'files decoded together' })
      .option('max-new-tokens', { type: 'number', describe: 'at most this many tokens per file (default: up to the model limit)' })
      .example('$0 transcribe --model ckpt/ clip.wav', 'print the text of clip.wav')
      .example('$0 transcribe --model ckpt/ a.wav b.flac --language ar --json', 'token ids and text as JSON'),
  handler: async (argv) => {
    const batchSize = argv['batch-size'];
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UserError(`--batch-size must be a positive integer (got ${batchSize})`);
    const results = await transcribeFiles(argv.model, argv.audio, {
      language: argv.language,
      task: argv.task,
      backend: argv.backend,
      batchSize,
      maxNewTokens: argv['max-new-tokens'],
      log: argv.quiet || argv.json ? () => {} : (line) => process.stderr.write(`${line}\n`),
    });
    if (argv.json) {
      writeJson(results);
      return;
    }
    for (const r of results) process.stdout.write(`${r.file}\t${r.text}\n  language: ${r.language}  ids: ${r.ids.join(' ')}\n`);
  },
};

export interface TranscribeOptions {
  language?: string;
  task?: 'transcribe' | 'translate';
  backend?: BackendChoice;
  batchSize?: number;
  maxNewTokens?: number;
  log?: (line: string) => void;
}

/** The work of `exp transcribe`, callable from code (and tests). */
export async function transcribeFiles(modelDir: string, files: string[], opts: TranscribeOptions = {}): Promise<Transcript[]> {
  const log = opts.log ?? (() => {});
  const backend = await selectBackend(opts.backend ?? 'auto');
  log(`backend ${describeBackend(backend)}`);
  const model = await loadWhisper(modelDir);
  try {
    const cfg = model.config;
    const gen = model.generationConfig;
    const extractor = await loadFeatureExtractor(modelDir, { featureSize: cfg.num_mel_bins, chunkLength: cfg.max_source_positions / 50 });
    // Used here only to decode ids and look tokens up; the prefix is built per file below (the
    // language may be detected), so the tokenizer's own language setting does not matter.
    const tokenizer = await loadWhisperTokenizer(modelDir, { language: opts.language ?? 'english', task: opts.task });
    const task = opts.task ?? 'transcribe';
    const taskId = tokenizer.tokenId(`<|${task}|>`);
    const noTs = tokenizer.tokenId('<|notimestamps|>');
    const fixedLang = opts.language ? tokenizer.tokenId(`<|${whisperLanguageCode(opts.language)}|>`) : undefined;
    const idToLang = new Map(Object.entries(gen.lang_to_id ?? {}).map(([k, v]) => [v, k.slice(2, -2)]));
    const out: Transcript[] = [];
    const batchSize = opts.batchSize ?? 1;
    for (let i = 0; i < files.length; i += batchSize) {
      const chunk = files.slice(i, i + batchSize);
      const feats: Float32Array[] = [];
      for (const file of chunk) {
        const audio = await decodeAudioFile(file);
        for (const w of audio.warnings) log(`${file}: ${w}`);
        feats.push(await extractor.extract(audio.samples));
      }
      const all = new Float32Array(feats.length * extractor.nMels * extractor.frames);
      feats.forEach((f, j) => all.set(f, j * f.length));
      const input = tf.tensor3d(all, [feats.length, extractor.nMels, extractor.frames]);
      try {
        const langs = fixedLang !== undefined ? chunk.map(() => fixedLang) : await detectLanguage(model, input);
        const prefixes = langs.map((l) => [gen.decoder_start_token_id, l, ...(taskId !== undefined ? [taskId] : []), ...(noTs !== undefined ? [noTs] : [])]);
        const ids = await generateGreedy(model, input, {
          prefix: prefixes,
          suppressTokens: gen.suppress_tokens,
          beginSuppressTokens: gen.begin_suppress_tokens,
          maxNewTokens: opts.maxNewTokens,
          maxLength: gen.max_length,
          eosTokenId: gen.eos_token_id,
        });
        chunk.forEach((file, j) => {
          out.push({ file, language: idToLang.get(langs[j]) ?? String(langs[j]), ids: ids[j], text: tokenizer.decode(ids[j], { skipSpecialTokens: true }).trim() });
          log(`${basename(file)}: done (${ids[j].length - prefixes[j].length} tokens)`);
        });
      } finally {
        input.dispose();
      }
    }
    return out;
  } finally {
    model.dispose();
  }
}
