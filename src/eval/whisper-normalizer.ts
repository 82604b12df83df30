// Port of Whisper's BasicTextNormalizer (openai/whisper, whisper/normalizers/basic.py), the
// normaliser HF's Whisper fine-tuning guides apply before computing WER on non-English text.
// Python's unicodedata categories map to JS Unicode property escapes (\p{Mn}, \p{M}, \p{S}, \p{P}).
// Note what it does to Arabic: harakat are marks (M) and become spaces unless removeDiacritics.

const ADDITIONAL_DIACRITICS: Record<string, string> = {
  'œ': 'oe', 'Œ': 'OE', 'ø': 'o', 'Ø': 'O', 'æ': 'ae', 'Æ': 'AE', 'ß': 'ss', 'ẞ': 'SS',
  'đ': 'd', 'Đ': 'D', 'ð': 'd', 'Ð': 'D', 'þ': 'th', 'Þ': 'th', 'ł': 'l', 'Ł': 'L',
};

const MARK_SYMBOL_PUNCT = /^[\p{M}\p{S}\p{P}]$/u;
const NONSPACING_MARK = /^\p{Mn}$/u;

/** remove_symbols_and_diacritics: NFKD, drop Mn marks, map a few letters, other M/S/P -> space. */
export function removeSymbolsAndDiacritics(s: string, keep = ''): string {
  let out = '';
  for (const c of s.normalize('NFKD')) {
    if (keep.includes(c)) out += c;
    else if (c in ADDITIONAL_DIACRITICS) out += ADDITIONAL_DIACRITICS[c];
    else if (NONSPACING_MARK.test(c)) out += '';
    else if (MARK_SYMBOL_PUNCT.test(c)) out += ' ';
    else out += c;
  }
  return out;
}

/** remove_symbols: NFKC, then every mark, symbol or punctuation character -> space. */
export function removeSymbols(s: string): string {
  let out = '';
  for (const c of s.normalize('NFKC')) out += MARK_SYMBOL_PUNCT.test(c) ? ' ' : c;
  return out;
}

export interface BasicTextNormalizerOptions {
  removeDiacritics?: boolean;
  splitLetters?: boolean;
}

export function basicTextNormalizer({ removeDiacritics = false, splitLetters = false }: BasicTextNormalizerOptions = {}) {
  const clean = removeDiacritics ? removeSymbolsAndDiacritics : removeSymbols;
  const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return (text: string): string => {
    let s = text.toLowerCase();
    s = s.replace(/[<[][^>\]]*[>\]]/g, ''); // remove words between brackets
    s = s.replace(/\(([^)]+?)\)/g, ''); // remove words between parentheses
    s = clean(s).toLowerCase();
    if (splitLetters) s = Array.from(graphemes.segment(s), (g) => g.segment).join(' ');
    return s.replace(/\s+/g, ' '); // successive whitespace -> one space (no strip, as in Whisper)
  };
}

export type ScoringNormalizer = 'none' | 'basic' | 'basic_remove_diacritics';

/** The `eval.normalizer` setting as a function (identity for none). */
export function scoringNormalizer(kind: ScoringNormalizer = 'none'): (text: string) => string {
  if (kind === 'none') return (text) => text;
  return basicTextNormalizer({ removeDiacritics: kind === 'basic_remove_diacritics' });
}
