// The bundled demo corpus (examples/darija-demo): DVoice layout, clean 16 kHz PCM clips whose
// durations match the CSVs, and a Whisper-style tokenizer that transformers.js loads offline and
// that round-trips every sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';

const corpusDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'darija-demo');
const SPLITS = ['train', 'dev', 'test'] as const;

interface Row { split: string; wav: string; words: string; duration: string; line: number }

function readRows(): Row[] {
  return SPLITS.flatMap((split) => {
    const lines = readFileSync(join(corpusDir, 'texts', `${split}.csv`), 'utf8').split('\n');
    assert.equal(lines[0], 'wav\twords\tduration', `${split}.csv header`);
    assert.equal(lines.at(-1), '', `${split}.csv ends with a newline`);
    return lines.slice(1, -1).map((text, i) => {
      const cells = text.split('\t');
      assert.equal(cells.length, 3, `${split}.csv:${i + 2} has 3 TAB-separated cells`);
      const [wav, words, duration] = cells;
      return { split, wav, words, duration, line: i + 2 };
    });
  });
}

/** Walks the RIFF chunks of a WAV file and returns its fmt fields and sample frame count. */
function wavInfo(buf: Buffer): { format: number; channels: number; sampleRate: number; bits: number; frames: number } {
  assert.equal(buf.toString('ascii', 0, 4), 'RIFF');
  assert.equal(buf.toString('ascii', 8, 12), 'WAVE');
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  for (let offset = 12; offset + 8 <= buf.length;) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      assert.ok(fmt, 'fmt chunk comes before data');
      assert.ok(body + size <= buf.length, 'data chunk is complete');
      return { ...fmt, frames: size / (fmt.channels * (fmt.bits / 8)) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

test('demo corpus: DVoice CSVs list unique sentences split 40/10/10, with UUID4 wav names', () => {
  const rows = readRows();
  const counts = Object.fromEntries(SPLITS.map((s) => [s, rows.filter((r) => r.split === s).length]));
  assert.deepEqual(counts, { train: 40, dev: 10, test: 10 });
  assert.equal(new Set(rows.map((r) => r.words)).size, rows.length, 'no sentence appears twice');
  assert.equal(new Set(rows.map((r) => r.wav)).size, rows.length, 'no wav appears twice');
  for (const row of rows) {
    const where = `${row.split}.csv:${row.line}`;
    assert.match(row.wav, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.wav$/, where);
    const words = row.words.split(' ');
    assert.ok(words.length >= 3 && words.length <= 7, `${where}: 3-7 words`);
    assert.match(row.words, /^[\u0600-\u06ff ]+$/, `${where}: Arabic script only`);
  }
  // Every wav on disk is listed, so the folder carries nothing stale.
  assert.deepEqual(readdirSync(join(corpusDir, 'wavs')).sort(), rows.map((r) => r.wav).sort());
});

test('demo corpus: every wav is 16 kHz mono s16 PCM, shorter than the 5 s window, duration column exact', () => {
  const preprocessor = JSON.parse(readFileSync(join(corpusDir, 'tokenizer', 'preprocessor_config.json'), 'utf8'));
  for (const row of readRows()) {
    const where = `${row.split}.csv:${row.line} ${row.wav}`;
    const path = join(corpusDir, 'wavs', row.wav);
    assert.ok(existsSync(path), `${where}: file exists`);
    const info = wavInfo(readFileSync(path));
    assert.deepEqual([info.format, info.channels, info.sampleRate, info.bits], [1, 1, 16000, 16], `${where}: format`);
    assert.equal(row.duration, (info.frames / 16000).toFixed(3), `${where}: duration column`);
    assert.ok(info.frames < preprocessor.n_samples, `${where}: fits in the model window`);
    assert.ok(info.frames > 16000, `${where}: longer than 1 s`);
  }
});

test('demo tokenizer: transformers.js loads it offline and round-trips every sentence', async () => {
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(join(corpusDir, 'tokenizer'));
  assert.equal(tokenizer.constructor.name, 'WhisperTokenizer');

  const specials = ['<|endoftext|>', '<|startoftranscript|>', '<|ar|>', '<|transcribe|>', '<|notimestamps|>'];
  const ids = tokenizer.convert_tokens_to_ids(specials) as number[];
  const [eot, sot, ar, transcribe, noTimestamps] = ids;
  assert.equal(new Set(ids).size, specials.length, 'distinct ids');
  // Whisper's layout: eot, sot, the 99 languages (ar is the 14th), translate, transcribe, ..., notimestamps last.
  assert.equal(sot, eot + 1);
  assert.equal(ar, sot + 14);
  assert.equal(transcribe, sot + 1 + 99 + 1);
  assert.equal(noTimestamps, transcribe + 4);
  const tokenizerJson = JSON.parse(readFileSync(join(corpusDir, 'tokenizer', 'tokenizer.json'), 'utf8'));
  const vocabSize = Object.keys(tokenizerJson.model.vocab).length + tokenizerJson.added_tokens.length;
  assert.equal(noTimestamps, vocabSize - 1, 'notimestamps is the last id');
  assert.ok(vocabSize <= 512, `small vocabulary (${vocabSize})`);

  let tokens = 0;
  let bytes = 0;
  for (const row of readRows()) {
    const encoded = tokenizer.encode(row.words, { add_special_tokens: false });
    assert.ok(encoded.every((id: number) => id < eot), `${row.split}.csv:${row.line}: only text tokens`);
    assert.equal(tokenizer.decode(encoded), row.words, `${row.split}.csv:${row.line}: round trip`);
    const withSpecials = tokenizer.encode(row.words);
    assert.deepEqual([withSpecials[0], withSpecials.at(-1)], [sot, eot]);
    assert.equal(tokenizer.decode(withSpecials, { skip_special_tokens: true }), row.words);
    tokens += encoded.length;
    bytes += Buffer.byteLength(row.words);
  }
  // The learned merges must actually compress: far fewer tokens than UTF-8 bytes.
  assert.ok(tokens < bytes / 3, `${tokens} tokens for ${bytes} bytes`);
});
