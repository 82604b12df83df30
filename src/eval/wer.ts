// Word and character error rates, computed the way jiwer 3 / Hugging Face `evaluate` do:
//   - words: jiwer's default transform: collapse runs of whitespace (`\s\s+` -> ' '), strip,
//     split and drop empty pieces (jiwer splits on ' ' only, so a lone tab or newline would stay
//     inside a "word"; we split on any whitespace, which only differs for such texts);
//   - characters: the same collapse + strip, then every code point (spaces included) is a token
//     (evaluate's `cer` transform);
//   - corpus rate = sum of edit distances / sum of reference lengths (not a mean of per-utterance
//     rates).
// An empty reference (after the transform) has no words to divide by. jiwer raises there; we count
// its hypothesis tokens as errors in the corpus sum, and its per-utterance rate is 0 when the
// hypothesis is empty too, else 1.
import { editDistance } from './edit-distance.ts';

function clean(text: string): string {
  return text.replace(/\s\s+/gu, ' ').trim();
}

export function words(text: string): string[] {
  return clean(text)
    .split(/\s/u)
    .filter((w) => w.length > 0);
}

export function chars(text: string): string[] {
  return Array.from(clean(text));
}

export interface ErrorCounts {
  /** Edit distance (substitutions + deletions + insertions). */
  errors: number;
  /** Reference length in tokens. */
  refLength: number;
}

export function wordErrors(reference: string, hypothesis: string): ErrorCounts {
  const ref = words(reference);
  return { errors: editDistance(ref, words(hypothesis)), refLength: ref.length };
}

export function charErrors(reference: string, hypothesis: string): ErrorCounts {
  const ref = chars(reference);
  return { errors: editDistance(ref, chars(hypothesis)), refLength: ref.length };
}

/** Rate from counts; an empty reference gives 0 (nothing said, nothing heard) or 1. */
export function rate({ errors, refLength }: ErrorCounts): number {
  if (refLength === 0) return errors === 0 ? 0 : 1;
  return errors / refLength;
}

function corpus(references: readonly string[], hypotheses: readonly string[], count: (r: string, h: string) => ErrorCounts): number {
  if (references.length !== hypotheses.length) {
    throw new Error(`error rate: ${references.length} references but ${hypotheses.length} hypotheses`);
  }
  let errors = 0;
  let refLength = 0;
  for (let i = 0; i < references.length; i++) {
    const c = count(references[i], hypotheses[i]);
    errors += c.errors;
    refLength += c.refLength;
  }
  return rate({ errors, refLength });
}

/** Corpus WER (jiwer.wer / evaluate's "wer" on lists). */
export function corpusWer(references: readonly string[], hypotheses: readonly string[]): number {
  return corpus(references, hypotheses, wordErrors);
}

/** Corpus CER (evaluate's "cer"). */
export function corpusCer(references: readonly string[], hypotheses: readonly string[]): number {
  return corpus(references, hypotheses, charErrors);
}
