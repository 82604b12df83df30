/**
 * Opt-in transcript normalisation (`data.text.normalize`), applied in the order given.
 * Nothing here runs unless the spec asks for it.
 *
 * - `whitespace`: every run of Unicode whitespace becomes one space; leading/trailing removed.
 * - `remove_tatweel`: delete U+0640 ARABIC TATWEEL (kashida), a purely typographic stretch.
 * - `remove_diacritics`: delete the Arabic harakat U+064B–U+0652 (fathatan, dammatan, kasratan,
 *   fatha, damma, kasra, shadda, sukun) and U+0670 (superscript alef, a vowel sign). Hamza marks
 *   (U+0653–U+0655) are kept: they can be part of a letter written in decomposed form.
 * - `unify_arabic_letters`: أ (U+0623), إ (U+0625), آ (U+0622), ٱ (U+0671) -> ا (U+0627);
 *   ى (U+0649, alef maksura) -> ي (U+064A); ة (U+0629, ta marbuta) -> ه (U+0647).
 * - `lowercase_latin`: lowercase letters of the Latin script only (Arabic has no case; other
 *   scripts are left alone).
 */
export const NORMALIZE_STEPS = ['whitespace', 'remove_tatweel', 'remove_diacritics', 'unify_arabic_letters', 'lowercase_latin'] as const;
export type NormalizeStep = (typeof NORMALIZE_STEPS)[number];

const STEP_FUNCTIONS: Record<NormalizeStep, (text: string) => string> = {
  whitespace: (text) => text.replace(/\s+/gu, ' ').trim(),
  remove_tatweel: (text) => text.replace(/\u0640/gu, ''),
  remove_diacritics: (text) => text.replace(/[\u064B-\u0652\u0670]/gu, ''),
  unify_arabic_letters: (text) =>
    text
      .replace(/[\u0622\u0623\u0625\u0671]/gu, '\u0627')
      .replace(/\u0649/gu, '\u064A')
      .replace(/\u0629/gu, '\u0647'),
  lowercase_latin: (text) => text.replace(/\p{Script=Latin}+/gu, (latin) => latin.toLowerCase()),
};

/** Apply `steps` to `text`, in order. Unknown step names throw (the schema should have caught them). */
export function normalizeText(text: string, steps: readonly NormalizeStep[]): string {
  let out = text;
  for (const step of steps) {
    const fn = STEP_FUNCTIONS[step];
    if (!fn) throw new Error(`unknown text normalisation step "${step}" (known: ${NORMALIZE_STEPS.join(', ')})`);
    out = fn(out);
  }
  return out;
}

/** True when a transcript has nothing to learn from (empty or whitespace only). */
export function isBlankText(text: string): boolean {
  return text.trim().length === 0;
}
