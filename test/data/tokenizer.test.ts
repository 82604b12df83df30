// Labels must equal the reference slow WhisperTokenizer's (../shared/fixtures/whisper/tokens.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadWhisperTokenizer, whisperLanguageCode } from '../../src/data/tokenizer.ts';
import { UserError } from '../../src/util/errors.ts';
import { readJson, tinyRandom, whisperFixtures } from './helpers.ts';

const tokens = readJson(join(whisperFixtures, 'tokens.json'));

test('prefix, eos, pad and start ids equal the reference', async () => {
  const tok = await loadWhisperTokenizer(tinyRandom, { language: 'arabic', task: 'transcribe' });
  assert.deepEqual(tok.prefixIds, tokens.prefix_tokens);
  assert.equal(tok.eosId, tokens.eos_token_id);
  assert.equal(tok.padId, tokens.pad_token_id);
  assert.equal(tok.decoderStartId, tokens.decoder_start_token_id);
});

test('label ids of every utterance equal tokens.json exactly; decode gives the text back', async () => {
  const tok = await loadWhisperTokenizer(tinyRandom, { language: 'ar' });
  for (const item of tokens.items) {
    assert.deepEqual(tok.textIds(item.text), item.text_token_ids, item.id);
    assert.deepEqual(tok.labelIds(item.text), item.label_ids_with_special_tokens, item.id);
    assert.equal(tok.decode(item.label_ids_with_special_tokens), item.decode_skip_special_tokens);
    assert.equal(tok.decode(item.label_ids_with_special_tokens, { skipSpecialTokens: false }), item.decode_of_label_ids);
  }
});

test('language names, codes and token forms all map to the same code', () => {
  assert.equal(whisperLanguageCode('arabic'), 'ar');
  assert.equal(whisperLanguageCode('AR'), 'ar');
  assert.equal(whisperLanguageCode('<|ar|>'), 'ar');
  assert.equal(whisperLanguageCode('castilian'), 'es');
  assert.throws(() => whisperLanguageCode('darija'), (err: unknown) => err instanceof UserError && /not a Whisper language/.test(err.message));
});

test('translate task changes only the task token', async () => {
  const tok = await loadWhisperTokenizer(tinyRandom, { language: 'fr', task: 'translate' });
  assert.deepEqual(tok.prefixIds, [50258, tok.tokenId('<|fr|>'), tokens.special_token_ids['<|translate|>'], 50363]);
});

test('a folder without tokenizer files is a UserError naming it', async () => {
  await assert.rejects(loadWhisperTokenizer(whisperFixtures), (err: unknown) => err instanceof UserError && err.message.includes(whisperFixtures));
});
