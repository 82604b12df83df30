/**
 * Whisper log-mel input features with transformers.js' WhisperFeatureExtractor, configured from
 * the folder's preprocessor_config.json (80 or 128 mel bins).
 *
 * The audio window: pretrained Whisper uses 30 s (480 000 samples, 3000 frames). A random-init
 * model may use a shorter `chunk_length`; like HF's Python extractor, n_samples and
 * nb_max_frames are always recomputed from chunk_length (transformers.js reads n_samples and
 * nb_max_frames as given, so a config that only changes chunk_length would otherwise be ignored).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { UserError } from '../util/errors.ts';

/** The settings that determine the features (and so the cache key). */
export interface FeatureConfig {
  featureSize: number;
  samplingRate: number;
  hopLength: number;
  nFft: number;
  chunkLength: number;
  nSamples: number;
  nbMaxFrames: number;
}

export interface FeatureExtractor {
  readonly config: FeatureConfig;
  /** sha256 of the config (plus an algorithm version): part of the feature cache key. */
  readonly configHash: string;
  /** Mel bins. */
  readonly nMels: number;
  /** Frames per example (nbMaxFrames). */
  readonly frames: number;
  /** 16 kHz mono samples -> Float32Array [nMels * frames], mel-major (row = one mel bin). Longer audio is cut to the window. */
  extract(samples: Float32Array): Promise<Float32Array>;
  /** The same through transformers.js' full call (every padded frame computed): the reference `extract` is checked against. */
  extractFull(samples: Float32Array): Promise<Float32Array>;
}

/** Bump when the way features are computed changes, so old cache entries stop matching. */
const FEATURES_ALGORITHM = 'transformers.js-WhisperFeatureExtractor/1';

export interface FeatureExtractorOptions {
  /** Audio window in seconds (model.init.chunk_length); overrides preprocessor_config.json. */
  chunkLength?: number;
  /** Mel bins the model expects (config num_mel_bins); overrides preprocessor_config.json's feature_size. */
  featureSize?: number;
}

/** Read `<dir>/preprocessor_config.json` and build the extractor. */
export async function loadFeatureExtractor(dir: string, options: FeatureExtractorOptions = {}): Promise<FeatureExtractor> {
  const file = join(resolve(dir), 'preprocessor_config.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `${file}: ${code === 'ENOENT' ? 'not found' : `unreadable (${(err as Error).message})`}. The checkpoint (or model.init.tokenizer) folder needs the preprocessor_config.json of a Whisper model.`,
    );
  }
  return createFeatureExtractor(raw, options, file);
}

/** Build an extractor from a preprocessor_config.json object. `origin` names it in errors. */
export function createFeatureExtractor(
  raw: Record<string, unknown>,
  options: FeatureExtractorOptions = {},
  origin = 'preprocessor_config.json',
): FeatureExtractor {
  const num = (key: string, fallback: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new UserError(`${origin}: "${key}" must be a positive number, got ${JSON.stringify(v)}`);
    return v;
  };
  const featureSize = options.featureSize ?? num('feature_size', 80);
  const samplingRate = num('sampling_rate', 16000);
  const hopLength = num('hop_length', 160);
  const nFft = num('n_fft', 400);
  const chunkLength = options.chunkLength ?? num('chunk_length', 30);
  if (!(chunkLength > 0 && chunkLength <= 30)) throw new UserError(`chunk_length must be in (0, 30] seconds, got ${chunkLength}`);
  const nSamples = Math.round(chunkLength * samplingRate);
  const nbMaxFrames = Math.floor(nSamples / hopLength);
  const config: FeatureConfig = { featureSize, samplingRate, hopLength, nFft, chunkLength, nSamples, nbMaxFrames };

  const hash = createHash('sha256').update(FEATURES_ALGORITHM).update(JSON.stringify(config));
  // Explicit filters in the file change the features; hash them too.
  if (raw.mel_filters !== undefined) hash.update(JSON.stringify(raw.mel_filters));
  const configHash = hash.digest('hex');

  const extractor = new WhisperFeatureExtractor({
    ...raw,
    feature_size: featureSize,
    sampling_rate: samplingRate,
    hop_length: hopLength,
    n_fft: nFft,
    chunk_length: chunkLength,
    n_samples: nSamples,
    nb_max_frames: nbMaxFrames,
  });
  // FeatureExtractor instances are callable objects in transformers.js; the .d.ts does not say so.
  const call = extractor as unknown as (audio: Float32Array) => Promise<{ input_features: { data: Float32Array; dims: number[]; dispose?: () => void } }>;

  const fbank = (extractor as unknown as { _extract_fbank_features(w: Float32Array): Promise<{ data: Float32Array; dims: number[] }> })._extract_fbank_features.bind(extractor);

  const extractFull = async (samples: Float32Array): Promise<Float32Array> => {
    const { input_features } = await call(samples);
    const [, mels, frames] = input_features.dims;
    if (mels !== featureSize || frames !== nbMaxFrames) {
      throw new Error(`feature extractor returned [${input_features.dims.join(', ')}], expected [1, ${featureSize}, ${nbMaxFrames}]`);
    }
    return input_features.data;
  };

  /**
   * Same numbers as extractFull, several times faster for short clips: every frame that sees only
   * the zero padding has mel energy exactly 0, so after log10 and the (max - 8) clamp it holds the
   * same value in every bin. Compute frames up to the first all-zero frame (the audio plus n_fft +
   * 2 hops of zeros, so the centred, reflect-padded last frame is all zeros too), then copy that
   * frame's value over the rest of the window. The max over frames is unchanged, since zero frames
   * contribute only the floor.
   */
  const extract = async (samples: Float32Array): Promise<Float32Array> => {
    const n = Math.min(samples.length, nSamples);
    const shortLength = Math.ceil((n + nFft + 2 * hopLength) / hopLength) * hopLength;
    if (shortLength >= nSamples) return extractFull(samples);
    const waveform = new Float32Array(shortLength);
    waveform.set(samples.subarray(0, n));
    const spec = await fbank(waveform);
    const [mels, computed] = spec.dims;
    if (mels !== featureSize || computed >= nbMaxFrames) throw new Error(`unexpected spectrogram shape [${spec.dims.join(', ')}]`);
    const out = new Float32Array(featureSize * nbMaxFrames);
    for (let m = 0; m < featureSize; m++) {
      const row = spec.data.subarray(m * computed, (m + 1) * computed);
      out.set(row, m * nbMaxFrames);
      out.fill(row[computed - 1], m * nbMaxFrames + computed, (m + 1) * nbMaxFrames);
    }
    return out;
  };

  return { config, configHash, nMels: featureSize, frames: nbMaxFrames, extract, extractFull };
}
