// Evaluation of a Whisper model on a split: eval loss (HF's evaluation_loop: per-batch mean loss
// weighted by batch size) and, when asked, greedy transcripts scored with corpus WER/CER.
import * as tf from '@tensorflow/tfjs';
import type { WhisperModel } from '../../model/whisper/model.ts';
import { generateGreedy } from '../../model/whisper/generate.ts';
import type { Example } from '../../data/pipeline.ts';
import type { WhisperTokenizer } from '../../data/tokenizer.ts';
import { collate } from '../../data/batches.ts';
import { corpusCer, corpusWer } from '../../eval/wer.ts';
import type { Prediction } from '../../eval/predictions.ts';
import { toWhisperBatch } from './whisper-adapter.ts';

export interface EvalOptions {
  batchSize: number;
  nMels: number;
  frames: number;
  /** Greedy decoding; undefined = loss only. */
  generate?: {
    maxLength: number; // prefix included (HF generation_max_length)
    metrics: ReadonlyArray<'wer' | 'cer'>;
    /** Applied to references and hypotheses before scoring (data.text.normalize steps, ...). */
    normalize?: (text: string) => string;
  };
}

async function* evalBatches(examples: readonly Example[], batchSize: number, o: { nMels: number; frames: number }, tokenizer: WhisperTokenizer) {
  for (let i = 0; i < examples.length; i += batchSize) {
    const members = examples.slice(i, i + batchSize);
    const items = await Promise.all(members.map(async (e) => ({ id: e.id, labels: e.labels, features: await e.loadFeatures() })));
    yield { members, batch: toWhisperBatch(collate(items, { ...o, decoderStartId: tokenizer.decoderStartId, padId: tokenizer.padId })) };
  }
}

export interface EvalResult {
  metrics: Record<string, number>;
  predictions?: Prediction[];
}

export async function evaluateWhisper(model: WhisperModel, examples: readonly Example[], tokenizer: WhisperTokenizer, o: EvalOptions): Promise<EvalResult> {
  let lossSum = 0;
  const predictions: Prediction[] = [];
  for await (const { members, batch } of evalBatches(examples, o.batchSize, o, tokenizer)) {
    try {
      const loss = tf.tidy(() => model.loss(batch.features, batch.labels, { training: false }));
      lossSum += loss.dataSync()[0] * batch.size;
      loss.dispose();
      if (o.generate) {
        // Whisper's generate as Seq2SeqTrainer's predict_with_generate calls it: greedy, with the
        // checkpoint's suppress_tokens / begin_suppress_tokens, prefix = the training prefix
        const rows = await generateGreedy(model, batch.features, {
          prefix: [...tokenizer.prefixIds],
          maxLength: o.generate.maxLength,
          eosTokenId: tokenizer.eosId,
          suppressTokens: model.generationConfig.suppress_tokens,
          beginSuppressTokens: model.generationConfig.begin_suppress_tokens,
        });
        const hyps = rows.map((r) => r.slice(tokenizer.prefixIds.length).filter((id) => id !== tokenizer.eosId));
        hyps.forEach((ids, i) => predictions.push({ id: members[i].id, reference: members[i].text, hypothesis: tokenizer.decode(ids, { skipSpecialTokens: true }).trim() }));
      }
    } finally {
      batch.dispose();
    }
  }
  const metrics: Record<string, number> = { loss: examples.length > 0 ? lossSum / examples.length : NaN };
  if (!o.generate) return { metrics };
  const norm = o.generate.normalize ?? ((s: string) => s);
  const refs = predictions.map((p) => norm(p.reference));
  const hyps = predictions.map((p) => norm(p.hypothesis));
  if (o.generate.metrics.includes('wer')) metrics.wer = corpusWer(refs, hyps);
  if (o.generate.metrics.includes('cer')) metrics.cer = corpusCer(refs, hyps);
  return { metrics, predictions };
}
