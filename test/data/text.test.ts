import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeText, isBlankText } from '../../src/data/text.ts';

test('dvoice-problems line 9: whitespace + tatweel + diacritics give exactly the clean text', () => {
  const raw = '  كَنْتْسَنّاك   حْدا  القهـــــوة  ';
  assert.equal(normalizeText(raw, ['whitespace', 'remove_tatweel', 'remove_diacritics']), 'كنتسناك حدا القهوة');
});

test('no steps: text unchanged (normalisation is opt-in)', () => {
  const raw = '  أنا  ـ  مَزيان ';
  assert.equal(normalizeText(raw, []), raw);
});

test('each step does only its own job', () => {
  assert.equal(normalizeText(' a \t b\n c ', ['whitespace']), 'a b c');
  assert.equal(normalizeText('القهـــوة', ['remove_tatweel']), 'القهوة');
  // U+064B..U+0652 and U+0670 go; hamza above (U+0654) stays.
  assert.equal(normalizeText('\u0628\u064B\u0628\u0650\u0628\u0651\u0628\u0652\u0628\u0670\u0627\u0654', ['remove_diacritics']), '\u0628\u0628\u0628\u0628\u0628\u0627\u0654');
  assert.equal(normalizeText('أإآٱ ى ة', ['unify_arabic_letters']), 'اااا ي ه');
  assert.equal(normalizeText('Salam ÉCOLE سلام', ['lowercase_latin']), 'salam école سلام');
});

test('steps run in the order given', () => {
  // Tatweel between two spaces: removing it first lets whitespace collapse them.
  assert.equal(normalizeText('a \u0640 b', ['remove_tatweel', 'whitespace']), 'a b');
  assert.equal(normalizeText('a \u0640 b', ['whitespace', 'remove_tatweel']), 'a  b');
});

test('isBlankText catches empty and whitespace-only text', () => {
  assert.ok(isBlankText(''));
  assert.ok(isBlankText('   '));
  assert.ok(isBlankText('\t\n'));
  assert.ok(!isBlankText(' ا '));
});
