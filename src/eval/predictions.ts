// predictions.tsv: one row per test utterance (id, reference, hypothesis, per-utterance WER),
// a header line, tab-separated. Tabs and newlines inside texts become spaces so every row stays
// one line with four fields.
import { writeFileAtomic } from '../util/fs-atomic.ts';
import { rate, wordErrors } from './wer.ts';

export interface Prediction {
  id: string;
  reference: string;
  hypothesis: string;
}

function field(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

export function formatPredictionsTsv(rows: readonly Prediction[]): string {
  const lines = ['id\treference\thypothesis\twer'];
  for (const r of rows) {
    const wer = rate(wordErrors(r.reference, r.hypothesis));
    lines.push([field(r.id), field(r.reference), field(r.hypothesis), wer.toFixed(4)].join('\t'));
  }
  return lines.join('\n') + '\n';
}

export function writePredictionsTsv(path: string, rows: readonly Prediction[]): void {
  writeFileAtomic(path, formatPredictionsTsv(rows));
}
