// Learns byte-level BPE merges (the GPT-2/Whisper tokenizer model) from a handful of sentences.
// The demo model is a randomly initialised tiny Whisper: it only learns quickly with a small
// vocabulary, so instead of Whisper's 50k tokens we keep all 256 bytes plus a few merges.

/** GPT-2's byte -> printable character table (the same one tokenizers and transformers.js use). */
export function bytesToUnicode(): Map<number, string> {
  const printable: number[] = [];
  const ranges: Array<[number, number]> = [[0x21, 0x7e], [0xa1, 0xac], [0xae, 0xff]];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) printable.push(b);
  const table = new Map<number, string>();
  for (const b of printable) table.set(b, String.fromCharCode(b));
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!table.has(b)) table.set(b, String.fromCharCode(256 + n++));
  }
  // Keep GPT-2's id order: printable bytes first, then the remapped ones.
  const ordered = new Map<number, string>();
  for (const b of printable) ordered.set(b, table.get(b)!);
  for (let b = 0; b < 256; b++) if (!ordered.has(b)) ordered.set(b, table.get(b)!);
  return ordered;
}

// The pre-tokenisation regex of the ByteLevel pre-tokenizer (use_regex: true).
const PRE_TOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function byteLevelWords(text: string, table: Map<number, string>): string[] {
  const encoder = new TextEncoder();
  return (text.match(PRE_TOKENIZE) ?? []).map((piece) => Array.from(encoder.encode(piece), (b) => table.get(b)!).join(''));
}

export interface LearnedBpe {
  /** Token strings in id order: the 256 byte symbols, then one per merge. */
  tokens: string[];
  merges: Array<[string, string]>;
}

export function learnByteLevelBpe(texts: readonly string[], options: { maxMerges: number; minFrequency: number }): LearnedBpe {
  const table = bytesToUnicode();
  const wordCounts = new Map<string, number>();
  for (const text of texts) {
    for (const word of byteLevelWords(text, table)) wordCounts.set(word, (wordCounts.get(word) ?? 0) + 1);
  }
  const words = [...wordCounts].map(([word, count]) => ({ symbols: Array.from(word), count }));
  const tokens = [...table.values()];
  const merges: Array<[string, string]> = [];

  while (merges.length < options.maxMerges) {
    const pairCounts = new Map<string, { pair: [string, string]; count: number }>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        const entry = pairCounts.get(key);
        if (entry) entry.count += count;
        else pairCounts.set(key, { pair: [symbols[i], symbols[i + 1]], count });
      }
    }
    // Most frequent pair; ties go to the smaller key so a rebuild is deterministic.
    let best: { key: string; pair: [string, string]; count: number } | undefined;
    for (const [key, entry] of pairCounts) {
      if (!best || entry.count > best.count || (entry.count === best.count && key < best.key)) best = { key, ...entry };
    }
    if (!best || best.count < options.minFrequency) break;
    const [left, right] = best.pair;
    const merged = left + right;
    merges.push([left, right]);
    // Two different merges can spell the same string ("ab"+"c", "a"+"bc"); the vocabulary keeps one id.
    if (!tokens.includes(merged)) tokens.push(merged);
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (i + 1 < word.symbols.length && word.symbols[i] === left && word.symbols[i + 1] === right) {
          out.push(merged);
          i++;
        } else out.push(word.symbols[i]);
      }
      word.symbols = out;
    }
  }
  return { tokens, merges };
}
