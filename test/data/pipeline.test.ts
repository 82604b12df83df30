// prepareData end to end: cleaning reasons, the report, failure rules, merge order, cache hits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { prepareData, type PrepareDataOptions } from '../../src/data/pipeline.ts';
import { formatReport } from '../../src/data/report.ts';
import { UserError } from '../../src/util/errors.ts';
import { darijaSynth, dvoiceProblems, edgeCases, readFloat32, tempDir, tinyRandom } from './helpers.ts';

const problems = {
  p: { format: 'dvoice' as const, root: dvoiceProblems, split: 'train' as const },
  pdev: { format: 'dvoice' as const, root: dvoiceProblems, split: 'dev' as const },
  ptest: { format: 'dvoice' as const, root: dvoiceProblems, split: 'test' as const },
};

async function base(): Promise<Omit<PrepareDataOptions, 'sources' | 'train'>> {
  return { tokenizerDir: tinyRandom, cacheDir: await tempDir('exp-cache-'), language: 'arabic' };
}

test('dvoice-problems: exactly 3 usable rows (lines 2, 3, 9), each skip with its reason and line; report file', async () => {
  const runDir = await tempDir('exp-run-');
  const { splits, report, reportPath } = await prepareData({
    ...(await base()),
    sources: problems,
    train: 'p',
    eval: 'pdev',
    test: 'ptest',
    maxSkippedFraction: 1,
    normalize: ['whitespace', 'remove_tatweel', 'remove_diacritics'],
    runDir,
  });
  assert.deepEqual(splits.train.map((e) => e.line), [2, 3, 9]);
  assert.equal(splits.train[2].text, 'كنتسناك حدا القهوة');
  const skips = report.examples.map((e) => [e.line, e.reason]).sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(skips, [
    [4, 'bad_row'],
    [5, 'empty_text'],
    [6, 'empty_text'],
    [7, 'missing_audio'],
    [8, 'duplicate'],
    [10, 'unreadable_audio'],
  ]);
  for (const ex of report.examples) assert.equal(ex.file, join(dvoiceProblems, 'texts', 'train.csv'));
  const train = report.splits.train;
  assert.deepEqual([train.rows, train.kept, train.skipped], [9, 3, 6]);
  assert.equal(train.bySource.p.byReason.empty_text, 2);
  assert.ok(Math.abs(train.skippedFraction - 6 / 9) < 1e-12);
  // Empty dev split: loaded, reported, not a crash. Clean test split: one row, no warnings about it.
  assert.equal(splits.eval!.length, 0);
  assert.equal(report.splits.eval.empty, true);
  assert.ok(report.warnings.some((w) => w.includes('split eval') && w.includes('empty')));
  assert.equal(splits.test!.length, 1);
  assert.ok(!report.warnings.some((w) => w.includes('split test')));
  // data-report.json holds the same report.
  assert.equal(reportPath, join(runDir, 'data-report.json'));
  const written = JSON.parse(await readFile(reportPath!, 'utf8'));
  assert.deepEqual(written.splits.train.byReason, train.byReason);
  const table = formatReport(report);
  assert.match(table, /train\.csv:7 .*missing_audio/);
  // Features of a kept example are the cached log-mel of its audio.
  const features = await splits.train[0].loadFeatures();
  assert.equal(features.length, 80 * 3000);
  assert.deepEqual(features, readFloat32(splits.train[0].featuresPath));
});

test('default max_skipped_fraction (0.05): the run fails with the report in the message', async () => {
  const runDir = await tempDir('exp-run-');
  await assert.rejects(prepareData({ ...(await base()), sources: problems, train: 'p', runDir }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /Too many rows skipped \(train: 6 of 9 rows \(66\.7%\)/);
    assert.match(err.message, /train\.csv:4 .*bad_row/);
    return true;
  });
  // The report is written before failing.
  const written = JSON.parse(await readFile(join(runDir, 'data-report.json'), 'utf8'));
  assert.equal(written.splits.train.skipped, 6);
});

test('an empty train split is a clear error (an empty eval split is only a warning, see above)', async () => {
  await assert.rejects(prepareData({ ...(await base()), sources: problems, train: 'pdev' }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.match(err.message, /data\.train \(pdev\) has no data rows .*dev\.csv/);
    return true;
  });
});

test('on_error: fail stops at the first bad row, naming file, line and reason', async () => {
  await assert.rejects(prepareData({ ...(await base()), sources: problems, train: 'p', onError: 'fail' }), (err: unknown) => {
    assert.ok(err instanceof UserError);
    assert.ok(err.message.includes(`${join(dvoiceProblems, 'texts', 'train.csv')}:4`), err.message);
    assert.match(err.message, /bad_row/);
    return true;
  });
});

test('unknown source name in data.train is a UserError listing the defined ones', async () => {
  await assert.rejects(prepareData({ ...(await base()), sources: problems, train: ['p', 'nope'] }), /data\.train: no source named "nope".*p, pdev, ptest/);
});

test('edge-case audio in a jsonl manifest: too long audio, too long labels, unreadable files, truncated kept with a warning', async () => {
  const dir = await tempDir();
  const text = 'واحد جوج تلاتة كنجربو الصوت';
  const rows = [
    { audio: 'utt_16k_mono_s16.wav', text },
    { audio: 'utt_44k1_stereo_s16.wav', text },
    { audio: 'truncated_header_says_3.91s_has_1.56s.wav', text },
    { audio: 'long_35s_16k_mono.wav', text: (await readFile(join(edgeCases, 'long_35s_16k_mono.txt'), 'utf8')).trim() },
    { audio: 'empty_0_bytes.wav', text },
    { audio: 'text_renamed_not_audio.wav', text },
    { audio: 'utt_8k_mono_s16.wav', text: 'كلمة '.repeat(300) },
  ];
  (rows[2] as { duration?: number }).duration = 3.91; // what the truncated file's header claims
  const path = join(dir, 'm.jsonl');
  await writeFile(path, rows.map((r) => JSON.stringify(r)).join('\n'));
  const options: PrepareDataOptions = {
    ...(await base()),
    sources: { m: { format: 'jsonl', path, audio_dir: edgeCases } },
    train: 'm',
    maxSkippedFraction: 1,
    decode: { ffmpeg: false },
  };
  const { splits, report } = await prepareData(options);
  assert.deepEqual([report.cache.computed, report.cache.hits], [3, 0]);
  // Second run: the 3 features and the 35 s clip's duration come from the cache (nothing decoded).
  const again = await prepareData(options);
  assert.deepEqual([again.report.cache.computed, again.report.cache.hits], [0, 4]);
  assert.deepEqual(again.report.splits, report.splits);
  assert.deepEqual(splits.train.map((e) => e.line), [1, 2, 3]);
  assert.ok(Math.abs(splits.train[2].durationSeconds - 1.564) < 0.001, 'truncated file: its real duration, not the header');
  assert.ok(report.warnings.some((w) => w.includes('truncated_header_says_3.91s_has_1.56s.wav') && /truncated/.test(w)));
  assert.ok(report.warnings.some((w) => w.includes(`1 row(s) declare a duration`) && w.includes(`${path}:3 says 3.91 s, the audio has 1.564 s`)));
  const reasons = Object.fromEntries(report.examples.map((e) => [e.line, e.reason]));
  assert.deepEqual(reasons, { 4: 'too_long_audio', 5: 'unreadable_audio', 6: 'unreadable_audio', 7: 'too_long_labels' });
  assert.match(report.examples.find((e) => e.line === 4)!.message, /35\.00 s of audio > 30 s/);
  assert.match(report.examples.find((e) => e.line === 6)!.message, /text_renamed_not_audio\.wav.*not an audio file/);
  assert.deepEqual(splits.train[0].labels.slice(0, 4), [50258, 50272, 50359, 50363]);
  assert.equal(splits.train[0].labels.at(-1), 50257);
  // max_duration_seconds below a clip's length skips it too.
  const strict = await prepareData({
    ...(await base()),
    sources: { m: { format: 'jsonl', path, audio_dir: edgeCases, limit: 3 } },
    train: 'm',
    maxSkippedFraction: 1,
    maxDurationSeconds: 2,
  });
  assert.deepEqual(strict.splits.train.map((e) => e.line), [3]);
  assert.equal(strict.report.splits.train.byReason.too_long_audio, 2);
});

test('data.train: [a, b] concatenates in order; eval overlap with train is warned about', async () => {
  const sources = {
    dev: { format: 'dvoice' as const, root: darijaSynth, split: 'dev' as const, limit: 2 },
    test: { format: 'dvoice' as const, root: darijaSynth, split: 'test' as const, limit: 2 },
  };
  const { splits, report } = await prepareData({ ...(await base()), sources, train: ['test', 'dev'], eval: 'dev' });
  assert.deepEqual(splits.train.map((e) => e.id), ['test:2', 'test:3', 'dev:2', 'dev:3']);
  assert.deepEqual(report.splits.train.sources, ['test', 'dev']);
  assert.equal(report.splits.train.bySource.dev.kept, 2);
  assert.ok(report.warnings.some((w) => /2 audio file\(s\) of split eval are also in train/.test(w)));
});

test('feature cache: a second run computes nothing; another extractor config misses', async () => {
  const options = {
    ...(await base()),
    sources: { d: { format: 'dvoice' as const, root: darijaSynth, split: 'dev' as const, limit: 3 } },
    train: 'd',
  };
  const progress: number[] = [];
  const first = await prepareData({ ...options, onProgress: (p) => progress.push(p.done) });
  assert.deepEqual([first.report.cache.computed, first.report.cache.hits], [3, 0]);
  assert.deepEqual(progress, [1, 2, 3]);
  const second = await prepareData(options);
  assert.deepEqual([second.report.cache.computed, second.report.cache.hits], [0, 3]);
  assert.deepEqual(second.splits.train.map((e) => e.featuresKey), first.splits.train.map((e) => e.featuresKey));
  assert.deepEqual(await second.splits.train[1].loadFeatures(), await first.splits.train[1].loadFeatures());
  const shorter = await prepareData({ ...options, chunkLength: 10 });
  assert.deepEqual([shorter.report.cache.computed, shorter.report.cache.hits], [3, 0]);
  assert.equal((await shorter.splits.train[0].loadFeatures()).length, 80 * 1000);
});
