import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicTextNormalizer, scoringNormalizer } from '../../src/eval/whisper-normalizer.ts';

// Expected strings worked by hand from openai/whisper normalizers/basic.py.
test('BasicTextNormalizer: lowercases, drops [..] <..> (..), punctuation -> space, no strip', () => {
  const norm = basicTextNormalizer();
  // 'hello, world!  ' after the bracket removals -> ',' and '!' become spaces -> runs collapse
  assert.equal(norm('Hello, World! [noise] (laughs)'), 'hello world ');
  assert.equal(norm('<|en|>ok'), 'ok');
});

test('BasicTextNormalizer(remove_diacritics): NFKD, marks dropped, special letters spelled out', () => {
  const norm = basicTextNormalizer({ removeDiacritics: true });
  assert.equal(norm('Café Ørsted straße'), 'cafe orsted strasse');
});

test('BasicTextNormalizer on Arabic: harakat become spaces unless diacritics are removed', () => {
  assert.equal(basicTextNormalizer()('كَتَبَ'), 'ك ت ب ');
  assert.equal(basicTextNormalizer({ removeDiacritics: true })('كَتَبَ'), 'كتب');
  assert.equal(basicTextNormalizer()('السلام عليكم، كيداير؟'), 'السلام عليكم كيداير ');
});

test('BasicTextNormalizer(split_letters): graphemes joined by spaces', () => {
  assert.equal(basicTextNormalizer({ splitLetters: true })('ab c'), 'a b c');
});

test('eval.normalizer setting: none is the identity, basic variants are the ported normalizer', () => {
  assert.equal(scoringNormalizer('none')('Hello, World!'), 'Hello, World!');
  assert.equal(scoringNormalizer('basic')('Hello, World!'), 'hello world ');
  assert.equal(scoringNormalizer('basic_remove_diacritics')('كَتَبَ'), 'كتب');
});
