/**
 * Words disguised from filters while a reader sees them plainly: invisible characters between
 * the letters of a word ("V\u200berify"), and Latin words written partly with look-alike letters
 * of other scripts ("Yօur Ԝallеt", with Armenian, Cyrillic and Cyrillic letters). Ordinary mail
 * has no reason to do either; phishing does it to dodge phrase and keyword filters.
 * `revealText` undoes both, so the phrase rules and the model read what the reader reads.
 */
import { AS_LATIN } from './confusables.ts';

/**
 * Characters that render as nothing: zero-width spaces and joiners, direction marks, word
 * joiners and invisible operators, variation selectors, Hangul and Khmer fillers, tags. Not
 * the soft hyphen, which newsletters legitimately put inside long words.
 */
const INVISIBLE_CHARS =
  '\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\u{e0000}-\\u{e0fff}';
/* eslint-disable no-misleading-character-class -- the classes list single invisible code points, some of them combining marks, on purpose */
const ANY_INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}]`, 'u');
const INVISIBLE_IN_WORD = new RegExp(
  `\\p{Script=Latin}[${INVISIBLE_CHARS}]+(?=\\p{Script=Latin})`,
  'gu',
);
const INVISIBLE_RUN = new RegExp(`[${INVISIBLE_CHARS}]+`, 'gu');
/* eslint-enable no-misleading-character-class */

/** Greek, Cyrillic (and its supplement), Armenian, Cherokee (and its supplement). */
const ANY_LOOKALIKE_SCRIPT = /[\u0370-\u03ff\u0400-\u052f\u0530-\u058f\u13a0-\u13ff\uab70-\uabbf]/u;
const WORD = /[\p{L}\p{M}]{3,}/gu;
const LATIN = /\p{Script=Latin}/u;
const LOOKALIKE_LETTER =
  /[\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}\p{Script=Cherokee}]/gu;
/** A unit such as "μmol" or "Ωcm": one Greek letter leading Latin ones, as science writes. */
const GREEK_UNIT = /^\p{Script=Greek}\p{Script=Latin}+$/u;

export interface Obfuscation {
  /** Words with invisible characters inside. */
  hiddenBreaks: number;
  /** Latin words with look-alike letters of another script, as written. */
  mixedWords: string[];
}

/** Cheap checks first: most text has neither invisible characters nor those scripts. */
export function findObfuscation(text: string): Obfuscation {
  const hiddenBreaks = ANY_INVISIBLE.test(text) ? (text.match(INVISIBLE_IN_WORD)?.length ?? 0) : 0;
  const mixedWords = ANY_LOOKALIKE_SCRIPT.test(text)
    ? (text.match(WORD) ?? []).filter(isDisguisedWord)
    : [];
  return { hiddenBreaks, mixedWords };
}

export function isObfuscated({ hiddenBreaks, mixedWords }: Obfuscation): boolean {
  return hiddenBreaks + mixedWords.length > 0;
}

function isDisguisedWord(word: string): boolean {
  if (!LATIN.test(word) || GREEK_UNIT.test(word)) return false;
  LOOKALIKE_LETTER.lastIndex = 0;
  return LOOKALIKE_LETTER.test(word);
}

/** The text as a reader sees it: invisible characters dropped, disguised words in Latin. */
export function revealText(text: string): string {
  const visible = ANY_INVISIBLE.test(text) ? text.replace(INVISIBLE_RUN, '') : text;
  if (!ANY_LOOKALIKE_SCRIPT.test(visible)) return visible;
  return visible.replace(WORD, (word) =>
    isDisguisedWord(word)
      ? word.replace(LOOKALIKE_LETTER, (letter) => AS_LATIN[letter] ?? letter)
      : word,
  );
}
