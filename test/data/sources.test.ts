// Every source format: dvoice, csv, tsv, jsonl; row/line bookkeeping and bad rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { readSource } from '../../src/data/sources.ts';
import { UserError } from '../../src/util/errors.ts';
import { darijaSynth, dvoiceProblems, edgeCases, tempDir } from './helpers.ts';
import { readFileSync } from 'node:fs';

test('dvoice: darija-synth train has 80 rows with wav path, words and duration', async () => {
  const read = await readSource('train', { format: 'dvoice', root: darijaSynth, split: 'train' });
  assert.equal(read.rows.length, 80);
  assert.equal(read.bad.length, 0);
  const lines = readFileSync(join(darijaSynth, 'texts', 'train.csv'), 'utf8').trim().split('\n');
  const [wav, words, duration] = lines[1].split('\t');
  assert.deepEqual(read.rows[0], {
    source: 'train',
    file: join(darijaSynth, 'texts', 'train.csv'),
    line: 2,
    audioPath: join(darijaSynth, 'wavs', wav),
    text: words,
    declaredDuration: Number(duration),
  });
  assert.equal(read.rows[79].line, 81);
});

test('dvoice: a row with a missing field is a bad row naming its line; empty split loads', async () => {
  const read = await readSource('p', { format: 'dvoice', root: dvoiceProblems, split: 'train' });
  assert.deepEqual(read.bad.map((b) => b.line), [4]);
  assert.match(read.bad[0].message, /expected 3 fields .* found 2/);
  assert.ok(!read.rows.some((r) => r.text === '3.546'), 'never a duration as transcript');
  assert.deepEqual(read.rows.map((r) => r.line), [2, 3, 5, 6, 7, 8, 9, 10]);
  const dev = await readSource('d', { format: 'dvoice', root: dvoiceProblems, split: 'dev' });
  assert.deepEqual([dev.rows.length, dev.bad.length], [0, 0]);
  const limited = await readSource('t', { format: 'dvoice', root: darijaSynth, split: 'dev', limit: 3 });
  assert.equal(limited.rows.length, 3);
});

test('dvoice: a missing texts file is a UserError with the path', async () => {
  await assert.rejects(readSource('x', { format: 'dvoice', root: edgeCases, split: 'train' }), (err: unknown) => err instanceof UserError && err.message.includes(join(edgeCases, 'texts', 'train.csv')));
});

test('csv: column mapping, quoted fields with commas/quotes/newlines, audio_dir, CRLF and BOM', async () => {
  const dir = await tempDir();
  const path = join(dir, 'm.csv');
  await writeFile(
    path,
    '\uFEFFid,clip,transcript,duration\r\n' +
      '1,utt_16k_mono_s16.wav,"واحد, جوج ""تلاتة""",3.91\r\n' +
      '2,/abs/x.wav,"two\nlines",\r\n' +
      '3,only-two-fields\r\n',
  );
  const read = await readSource('c', { format: 'csv', path, audio_column: 'clip', text_column: 'transcript', audio_dir: edgeCases });
  assert.equal(read.rows.length, 2);
  assert.deepEqual(read.rows[0], { source: 'c', file: path, line: 2, audioPath: join(edgeCases, 'utt_16k_mono_s16.wav'), text: 'واحد, جوج "تلاتة"', declaredDuration: 3.91 });
  assert.equal(read.rows[1].audioPath, '/abs/x.wav');
  assert.equal(read.rows[1].text, 'two\nlines');
  assert.equal(read.rows[1].declaredDuration, undefined);
  assert.equal(read.bad.length, 1);
  assert.equal(read.bad[0].line, 5);
});

test('csv: a custom separator, default audio_dir = the manifest folder; unknown column -> UserError listing columns', async () => {
  const dir = await tempDir();
  const path = join(dir, 'm.csv');
  await writeFile(path, 'audio;text\na.wav;salam\n');
  const read = await readSource('c', { format: 'csv', path, separator: ';' });
  assert.deepEqual(read.rows.map((r) => [r.audioPath, r.text]), [[join(dir, 'a.wav'), 'salam']]);
  await assert.rejects(readSource('c', { format: 'csv', path, separator: ';', text_column: 'words' }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /no column "words".*"audio", "text".*text_column/);
    assert.ok(err.message.startsWith(`${path}:1:`));
    return true;
  });
});

test('tsv: tab separator by default', async () => {
  const dir = await tempDir();
  const path = join(dir, 'm.tsv');
  await writeFile(path, 'audio\ttext\nx.wav\tمرحبا, صاحبي\n\ny.wav\tبسلامة\n');
  const read = await readSource('t', { format: 'tsv', path });
  assert.deepEqual(read.rows.map((r) => [r.line, r.text]), [[2, 'مرحبا, صاحبي'], [4, 'بسلامة']]);
});

test('jsonl: objects per line; bad JSON, non-objects and missing audio are bad rows with their lines', async () => {
  const dir = await tempDir();
  const path = join(dir, 'm.jsonl');
  await writeFile(
    path,
    [
      JSON.stringify({ audio: 'a.wav', text: 'واحد', duration: 1.5 }),
      '',
      '{"audio": "b.wav", "text": 12}',
      '{not json',
      '[1, 2]',
      '{"text": "no audio"}',
      '{"audio": "c.wav", "text": null}',
    ].join('\n'),
  );
  const read = await readSource('j', { format: 'jsonl', path, audio_dir: '/data' });
  assert.deepEqual(read.rows.map((r) => [r.line, r.audioPath, r.text, r.declaredDuration]), [
    [1, '/data/a.wav', 'واحد', 1.5],
    [3, '/data/b.wav', '12', undefined],
    [7, '/data/c.wav', '', undefined],
  ]);
  assert.deepEqual(read.bad.map((b) => b.line), [4, 5, 6]);
});
