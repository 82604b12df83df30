// Regenerates the bundled demo corpus in examples/darija-demo/ from sentences.tsv:
//   wavs/<uuid4>.wav, texts/{train,dev,test}.csv (DVoice layout), synthesis_settings.tsv,
//   and tokenizer/ (a small Whisper-style tokenizer learned from the training sentences).
//
//   node --import tsx scripts/make-demo-corpus.ts                   # audio + tokenizer
//   node --import tsx scripts/make-demo-corpus.ts --tokenizer-only  # tokenizer only (no espeak-ng needed)
//
// Needs the Debian packages espeak-ng and sox for the audio. CI never runs this: the generated
// files are committed. Everything random comes from one seeded RNG, so a rebuild with the same
// tool versions gives the same names, split and settings.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { learnByteLevelBpe } from './demo-corpus/byte-level-bpe.ts';
import { pick, seededRandom, seededUuid4, shuffled } from './demo-corpus/seeded-random.ts';
import { mergesTxt, WHISPER_SPECIAL_TOKENS, whisperTokenizerFiles } from './demo-corpus/whisper-tokenizer-files.ts';

const SEED = 20261124;
const SPLITS = [['train', 40], ['dev', 10], ['test', 10]] as const;
const SPEEDS_WPM = [155, 170, 185];
const PITCHES = [40, 50, 60];
const SAMPLE_RATE = 16000;
const PAD_SECONDS = 0.1;
const CHUNK_LENGTH_S = 5; // the demo model's input window; every clip must fit in it
const MAX_VOCAB = 512; // bytes + merges + Whisper special tokens

const corpusDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'darija-demo');

interface Sentence { topic: string; text: string }
interface Clip extends Sentence { uuid: string; split: string; speed: number; pitch: number; samples?: number }

function readSentences(): Sentence[] {
  const path = join(corpusDir, 'sentences.tsv');
  const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const sentences = lines.slice(1).map((line, i) => {
    const [topic, text] = line.split('\t');
    if (!topic || !text) throw new Error(`${path}:${i + 2}: expected "topic<TAB>sentence"`);
    return { topic, text: text.trim() };
  });
  const seen = new Set<string>();
  for (const { text } of sentences) {
    if (seen.has(text)) throw new Error(`${path}: duplicate sentence "${text}"`);
    seen.add(text);
  }
  const wanted = SPLITS.reduce((sum, [, n]) => sum + n, 0);
  if (sentences.length !== wanted) throw new Error(`${path}: ${sentences.length} sentences, the split needs ${wanted}`);
  return sentences;
}

function planClips(sentences: Sentence[]): Clip[] {
  const random = seededRandom(SEED);
  const order = shuffled(random, sentences);
  const clips: Clip[] = [];
  let next = 0;
  for (const [split, count] of SPLITS) {
    for (const sentence of order.slice(next, next + count)) {
      clips.push({ ...sentence, split, uuid: seededUuid4(random), speed: pick(random, SPEEDS_WPM), pitch: pick(random, PITCHES) });
    }
    next += count;
  }
  return clips;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${command} is not installed: apt-get install -y espeak-ng sox`);
    throw err;
  }
}

function synthesize(clips: Clip[]): void {
  const wavDir = join(corpusDir, 'wavs');
  rmSync(wavDir, { recursive: true, force: true });
  mkdirSync(wavDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'demo-corpus-'));
  try {
    for (const clip of clips) {
      const raw = join(scratch, 'raw.wav');
      const out = join(wavDir, `${clip.uuid}.wav`);
      run('espeak-ng', ['-v', 'ar', '-s', String(clip.speed), '-p', String(clip.pitch), '-w', raw, clip.text]);
      // 16 kHz mono s16 PCM; espeak-ng's leading/trailing silence is trimmed, then a short pad added.
      // -D: no dither, so a rebuild writes byte-identical files.
      run('sox', ['-D', raw, '-r', String(SAMPLE_RATE), '-c', '1', '-b', '16', '-e', 'signed-integer', out,
        'silence', '1', '0.02', '-50d', 'reverse', 'silence', '1', '0.02', '-50d', 'reverse',
        'pad', String(PAD_SECONDS), String(PAD_SECONDS)]);
      clip.samples = Number(run('soxi', ['-s', out]).trim());
      const seconds = clip.samples / SAMPLE_RATE;
      if (seconds >= CHUNK_LENGTH_S) throw new Error(`"${clip.text}" is ${seconds}s, longer than the ${CHUNK_LENGTH_S}s window`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function writeTexts(clips: Clip[]): void {
  const textDir = join(corpusDir, 'texts');
  mkdirSync(textDir, { recursive: true });
  for (const [split] of SPLITS) {
    const rows = clips.filter((c) => c.split === split)
      .map((c) => `${c.uuid}.wav\t${c.text}\t${(c.samples! / SAMPLE_RATE).toFixed(3)}`);
    writeFileSync(join(textDir, `${split}.csv`), ['wav\twords\tduration', ...rows].join('\n') + '\n');
  }
  const settings = clips.map((c) => `${c.uuid}.wav\t${c.split}\t${c.topic}\tar\t${c.speed}\t${c.pitch}`);
  writeFileSync(join(corpusDir, 'synthesis_settings.tsv'), ['wav\tsplit\ttopic\tvoice\tspeed_wpm\tpitch', ...settings].join('\n') + '\n');
}

function trainSentences(): string[] {
  const csv = readFileSync(join(corpusDir, 'texts', 'train.csv'), 'utf8').split('\n').slice(1).filter(Boolean);
  return csv.map((line) => line.split('\t')[1]);
}

function writeTokenizer(): void {
  const dir = join(corpusDir, 'tokenizer');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Merges only from the training split, so dev/test words are not memorised in the vocabulary.
  const maxMerges = MAX_VOCAB - 256 - WHISPER_SPECIAL_TOKENS.length;
  const bpe = learnByteLevelBpe(trainSentences(), { maxMerges, minFrequency: 2 });
  for (const [name, content] of Object.entries(whisperTokenizerFiles(bpe, { chunkLength: CHUNK_LENGTH_S }))) {
    writeFileSync(join(dir, name), JSON.stringify(content, null, 2) + '\n');
  }
  writeFileSync(join(dir, 'merges.txt'), mergesTxt(bpe));
  console.log(`tokenizer: ${bpe.tokens.length} BPE tokens (${bpe.merges.length} merges) + ${WHISPER_SPECIAL_TOKENS.length} special = ${bpe.tokens.length + WHISPER_SPECIAL_TOKENS.length}`);
}

function main(): void {
  if (!process.argv.includes('--tokenizer-only')) {
    console.log(run('espeak-ng', ['--version']).trim());
    console.log(run('sox', ['--version']).trim());
    const clips = planClips(readSentences());
    synthesize(clips);
    writeTexts(clips);
    const total = clips.reduce((sum, c) => sum + c.samples!, 0) / SAMPLE_RATE;
    console.log(`audio: ${clips.length} clips, ${total.toFixed(1)} s`);
  }
  writeTokenizer();
}

main();
