/**
 * Words disguised from filters while a reader sees them plainly: invisible characters between
 * the letters of a word ("V\u200berify"), and Latin words written partly with look-alike letters
 * of other scripts ("Yօur Ԝallеt", with Armenian, Cyrillic and Cyrillic letters). Ordinary mail
 * has no reason to do either; phishing does it to dodge phrase and keyword filters.
 * `revealText` undoes both, so the phrase rules and the model read what the reader reads.
 */

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

/** The Latin letter each look-alike passes for (case kept where the script has case). */
const AS_LATIN: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'l',
  ь: 'b',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  Ԝ: 'W',
  Ԛ: 'Q',
  // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  // Armenian
  օ: 'o',
  ս: 'u',
  ց: 'g',
  հ: 'h',
  ո: 'n',
  զ: 'q',
  ա: 'w',
  Ս: 'U',
  Օ: 'O',
  // Cherokee
  Ꭺ: 'A',
  Ᏼ: 'B',
  Ꮯ: 'C',
  Ꭰ: 'D',
  Ꭼ: 'E',
  Ꮐ: 'G',
  Ꮋ: 'H',
  Ꭻ: 'J',
  Ꮶ: 'K',
  Ꮮ: 'L',
  Ꮇ: 'M',
  Ꮲ: 'P',
  Ꮢ: 'R',
  Ꮪ: 'S',
  Ꭲ: 'T',
  Ꮩ: 'V',
  Ꮃ: 'W',
  Ꮓ: 'Z',
};

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
