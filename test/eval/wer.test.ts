import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editDistance } from '../../src/eval/edit-distance.ts';
import { chars, corpusCer, corpusWer, rate, wordErrors, words } from '../../src/eval/wer.ts';
import { formatPredictionsTsv, writePredictionsTsv } from '../../src/eval/predictions.ts';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('edit distance: substitutions, deletions, insertions, empty sides', () => {
  assert.equal(editDistance([...'kitten'], [...'sitting']), 3);
  assert.equal(editDistance([], ['a', 'b']), 2);
  assert.equal(editDistance(['a'], []), 1);
  assert.equal(editDistance(['a', 'b'], ['a', 'b']), 0);
});

test('WER of one pair: 1 substitution + 1 deletion over 6 words', () => {
  near(corpusWer(['the cat sat on the mat'], ['the cat sit on mat']), 2 / 6);
});

test('corpus WER sums errors over all words (not a mean of per-utterance rates)', () => {
  // errors 1 + 2 = 3 over 3 + 2 reference words; the mean of rates would be (1/3 + 1) / 2
  near(corpusWer(['a b c', 'd e'], ['a x c', 'd e f g']), 3 / 5);
});

test("jiwer's default transform: whitespace runs collapse, ends are stripped", () => {
  assert.deepEqual(words('  a \t  b  c '), ['a', 'b', 'c']);
  near(corpusWer(['a   b'], ['  a b ']), 0);
});

test('CER counts characters, spaces included, after collapsing whitespace', () => {
  near(corpusCer(['abc d'], ['abd d']), 1 / 5);
  assert.deepEqual(chars('ab  c'), ['a', 'b', ' ', 'c']);
  near(corpusCer(['ab  c'], ['abc']), 1 / 4); // one deleted space over 4 characters
});

test('Arabic script: words and code points', () => {
  near(corpusWer(['السلام عليكم'], ['السلام عليك']), 1 / 2);
  near(corpusCer(['السلام عليكم'], ['السلام عليك']), 1 / 12); // 6 + space + 5 characters
});

test('empty references never divide by zero', () => {
  near(corpusWer([''], ['']), 0);
  near(rate(wordErrors('', 'x y')), 1);
  near(corpusWer(['', 'a b'], ['x', 'a b']), 1 / 2); // the inserted word counts as an error
  near(corpusWer([], []), 0);
  assert.throws(() => corpusWer(['a'], []), /1 references but 0 hypotheses/);
});

test('predictions.tsv: header, one line per utterance, per-utterance WER, tabs in text flattened', () => {
  const rows = [
    { id: 'u1', reference: 'a b c d', hypothesis: 'a b x d' },
    { id: 'u2', reference: 'hello\tthere', hypothesis: 'hello\nthere' },
  ];
  const text = formatPredictionsTsv(rows);
  assert.deepEqual(text.split('\n'), ['id\treference\thypothesis\twer', 'u1\ta b c d\ta b x d\t0.2500', 'u2\thello there\thello there\t0.0000', '']);
  const dir = mkdtempSync(join(tmpdir(), 'pred-'));
  try {
    writePredictionsTsv(join(dir, 'predictions.tsv'), rows);
    assert.equal(readFileSync(join(dir, 'predictions.tsv'), 'utf8'), text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
