/**
 * Confusable characters: what a reader's eye takes for something else.
 * `AS_LATIN` maps letters of other scripts to the Latin letter they pass for; `skeleton` goes
 * further for domain names, folding Latin letters, digits and signs that a URL bar's font
 * confuses, so "pаypa1" (Cyrillic а, digit 1) and "paypal" share a skeleton.
 */

/**
 * The Latin letter each letter of another script passes for (case kept where the script has
 * case). Text read as a reader reads it (`revealText`) and domain skeletons both start here.
 */
export const AS_LATIN: Readonly<Record<string, string>> = {
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

/**
 * Latin letters, digits and signs that pass for another in a domain name. `i` folds into `l`
 * (and so do the Cyrillic and Greek letters that pass for `i`): in a URL bar the two are one
 * stroke, while in running text the dot tells them apart.
 */
const FOLDED_IN_DOMAINS: Readonly<Record<string, string>> = {
  i: 'l',
  '1': 'l',
  '|': 'l',
  '!': 'l',
  '0': 'o',
  '5': 's',
  '3': 'e',
  $: 's',
  '@': 'a',
  ı: 'l',
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ɡ: 'g',
};

/** Letter pairs that read as one letter in most fonts. */
const LOOKS_LIKE_PAIRS: readonly (readonly [RegExp, string])[] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

const COMBINING_MARKS = /\p{M}/gu;

export function skeleton(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase()) {
    const latin = AS_LATIN[char] ?? char;
    out += FOLDED_IN_DOMAINS[latin] ?? latin;
  }
  for (const [pair, letter] of LOOKS_LIKE_PAIRS) out = out.replace(pair, letter);
  return out;
}

const SCRIPTS: readonly (readonly [string, RegExp])[] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
];

/**
 * Whether a label mixes the scripts that imitate each other (Latin, Cyrillic,
 * Greek). Japanese mixing Han and Kana, say, is ordinary and not reported.
 */
export function isMixedScript(label: string): boolean {
  let seen = 0;
  for (const [, pattern] of SCRIPTS) if (pattern.test(label)) seen++;
  return seen > 1;
}

/** Levenshtein distance, giving up (returning max + 1) as soon as it must exceed `max`. */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? Infinity) + 1,
        (current[j - 1] ?? Infinity) + 1,
        (previous[j - 1] ?? Infinity) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return Math.min(previous[b.length] ?? max + 1, max + 1);
}
