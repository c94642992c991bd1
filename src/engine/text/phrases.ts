/**
 * Phrase tables for the content analyzer: what phishing asks for and how it
 * presses. English first, then German and Portuguese, the other languages
 * of the mail we see. Each entry is a regular-expression fragment matched
 * case-insensitively on word boundaries; keep them specific enough that a
 * technical mailing list discussing passwords does not match.
 */

export const CREDENTIAL_PHRASES: readonly string[] = [
  'verify your (?:account|identity|e-?mail(?: address)?|information|details|login|mailbox)',
  'confirm your (?:account|identity|password|e-?mail(?: address)?|information|details|login|credentials)',
  '(?:update|validate|re-?enter|reconfirm|re-?validate) your (?:account|login|password|credentials|information|details|mailbox)',
  '(?:enter|provide|submit|type) your (?:password|credentials|login details|pin|username and password|social security number)',
  '(?:sign|log) ?in (?:now )?to (?:verify|confirm|restore|unlock|reactivate|secure|keep)',
  '(?:reactivate|restore|unlock|unblock|reactivar) your (?:account|access|mailbox)',
  'your password (?:will )?expires?',
  'password (?:has )?expired',
  'mailbox (?:is )?(?:full|over ?quota)',
  '(?:e-?mail|mailbox|storage) quota',
  'update your (?:\\w+ )?(?:billing|account) (?:information|records|details)',
  // German
  'bestätigen sie ihre? (?:konto|identität|daten|zugangsdaten|e-mail-adresse)',
  'verifizieren sie ihre? (?:konto|identität|daten)',
  'aktualisieren sie ihre? (?:daten|kontodaten|konto)',
  'ihr passwort läuft',
  'geben sie ihr (?:passwort|kennwort)',
  'überprüfen sie (?:jetzt )?ihre? (?:daten|konto|angaben|identität)',
  // Portuguese
  'confirme (?:os )?seus dados',
  'atualize (?:os )?seus dados',
  'atualize seu cadastro',
  'recadastramento',
  'verifique sua conta',
  'desbloqu(?:eie|ear) (?:o )?(?:seu|sua) (?:internet banking|conta|acesso|cartão)',
  'confirme sua identidade',
  '(?:informe|digite|insira) sua senha',
];

export const PAYMENT_PHRASES: readonly string[] = [
  '(?:update|verify|confirm) your (?:payment|billing|card|credit card|bank) (?:information|details|method|info)',
  'payment (?:was |has been )?(?:declined|failed|unsuccessful|rejected)',
  '(?:unable|failed) to process your (?:payment|order)',
  'outstanding (?:balance|invoice|payment)',
  'overdue (?:invoice|payment)',
  '(?:buy|purchase) (?:\\w+ )?gift ?cards?',
  'send (?:the )?(?:bitcoin|btc|crypto)',
  'bitcoin wallet',
  // German
  'zahlung (?:ist )?(?:fehlgeschlagen|abgelehnt)',
  'zahlungsinformationen',
  'offene rechnung',
  'ausstehende zahlung',
  // Portuguese
  'pagamento (?:pendente|recusado)',
  'boleto (?:vencido|em aberto|pendente)',
  'fatura (?:pendente|em aberto|vencida)',
  'débito pendente',
];

export const THREAT_PHRASES: readonly string[] = [
  '(?:account|access|mailbox|card|service|profile)(?: \\w+)? (?:will be|has been|is being|was|is) (?:temporarily )?(?:suspended|closed|locked|disabled|terminated|deactivated|restricted|limited|blocked|deleted|on hold)',
  '(?:unusual|suspicious|unauthori[sz]ed) (?:activity|sign-?in|log-?in|access|transaction|payment|charge|purchase)s?',
  'failure to (?:update|verify|confirm|comply)',
  '(?:suspension|termination|closure|cancellation) of (?:your|the) (?:account|service|mailbox)',
  '(?:account|mailbox) from (?:possible |permanent )?(?:termination|suspension|closure)',
  '(?:permanently )?(?:lose|loss of) (?:access|your account|your data)',
  'legal action',
  // German
  '(?:konto|zugang|karte) (?:wird|wurde|ist) (?:vorübergehend )?(?:gesperrt|eingeschränkt|deaktiviert|gelöscht)',
  '(?:ungewöhnliche|verdächtige) aktivitäten?',
  // Portuguese
  '(?:conta|cartão|acesso) (?:será|foi|está) (?:temporariamente )?(?:bloquead[ao]|suspens[ao]|cancelad[ao]|desativad[ao])',
  'atividade suspeita',
  'acesso não autorizado',
];

export const URGENCY_PHRASES: readonly string[] = [
  'within (?:24|48|72|12) hours',
  'within (?:one|two|three|1|2|3) (?:business )?days?',
  'immediately',
  'urgent(?:ly)?',
  'as soon as possible',
  'act now',
  'final (?:notice|warning|reminder)',
  'last (?:chance|warning|notice)',
  'expires? today',
  'time[- ]sensitive',
  // German
  'innerhalb von (?:24|48|72) stunden',
  'sofort',
  'dringend',
  'letzte (?:mahnung|warnung|erinnerung)',
  // Portuguese
  'urgente',
  'imediatamente',
  'em (?:até )?(?:24|48|72) horas',
  '[úu]ltimo aviso',
  'prazo final',
];

/**
 * Prizes, giveaways and windfalls: the bait of advance-fee, lottery and crypto-giveaway fraud.
 * Kept to what the bait says (claim a reward, an airdrop, unclaimed funds), not to "winner" or
 * "prize", which newsletters use about contests that exist.
 */
export const LURE_PHRASES: readonly string[] = [
  'claim (?:your|the|this) (?:free |exclusive |pending |unclaimed )?(?:reward|prize|gift|bonus|airdrop|token|coin|winning|fund|compensation|refund|inheritance|payout)s?',
  "you(?:'ve|’ve| have) (?:been selected|won)(?!['’])",
  'airdrops?',
  'unclaimed (?:funds?|inheritance|prizes?|rewards?|tokens?|payments?|packages?|parcels?|balance)',
  '(?:lottery|sweepstakes?|jackpot) (?:winner|prize|award|draw)',
  'next of kin',
  'free (?:crypto|bitcoin|btc|eth|ethereum|tokens?|usdt)',
  'loot ?box',
  // German
  '(?:sie haben|du hast) gewonnen',
  // Portuguese
  'você (?:ganhou|foi selecionad[oa])',
];

const NOT_AFTER_WORD_CHAR = '(?<![\\p{L}\\p{N}])';
const NOT_BEFORE_WORD_CHAR = '(?![\\p{L}\\p{N}])';
/** A cheap first cut of `NOT_AFTER_WORD_CHAR`: what it rejects, that rejects too. */
const NOT_AFTER_ASCII_WORD_CHAR = '(?<![a-z0-9])';

/** Word boundaries that know letters beyond ASCII ("você", "läuft"). */
export function compilePhrases(phrases: readonly string[]): RegExp {
  return new RegExp(`${NOT_AFTER_WORD_CHAR}(?:${phrases.join('|')})${NOT_BEFORE_WORD_CHAR}`, 'iu');
}

/** Finds the first phrase in a text: the same match as `compilePhrases(phrases).exec(text)`. */
export interface PhraseMatcher {
  exec(text: string): RegExpExecArray | null;
}

/**
 * `compilePhrases`, about twice as fast. A regex that opens with a
 * look-behind is tried at every position of the text; without it V8 can skip
 * ahead to where a phrase may start. So the phrases are searched without the
 * look-behind and each hit is checked for it after; a hit that fails is
 * searched past. Any earlier position had no phrase at all, and the
 * look-behind does not change what the phrase matches, so the first hit that
 * passes is the match `compilePhrases` finds.
 */
export function compilePhraseMatcher(phrases: readonly string[]): PhraseMatcher {
  const body = new RegExp(`(?:${phrases.join('|')})${NOT_BEFORE_WORD_CHAR}`, 'giu');
  const startsWord = new RegExp(NOT_AFTER_WORD_CHAR, 'iuy');
  return {
    exec(text) {
      body.lastIndex = 0;
      for (let match = body.exec(text); match !== null; match = body.exec(text)) {
        startsWord.lastIndex = match.index;
        if (startsWord.test(text)) return match;
        // Past the hit by one code point: in a `u` regex an index inside a surrogate pair means its start.
        body.lastIndex = match.index + (isHighSurrogate(text.charCodeAt(match.index)) ? 2 : 1);
      }
      return null;
    },
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Where a phrase was found, and the text it matched as written. */
export interface PhraseMatch {
  index: number;
  text: string;
}

/** The first match of each table in one text: the same matches `compilePhraseMatcher` finds. */
export interface PhraseSetMatcher<K extends string> {
  exec(text: string): Map<K, PhraseMatch>;
}

/**
 * Several phrase tables searched in one pass over the text instead of one pass each, about a
 * third faster than a matcher per table:
 * - the tables are alternatives of one regex, each in a capturing group, so a hit says which
 *   table matched. Where one table matches another may match at the same place (the regex
 *   reports only the first), so each table not yet found is tried there on its own, anchored.
 *   Every place where any table matches is visited in order, so each table's first match is
 *   the one its own matcher finds;
 * - the search runs on the lower-cased text without the `i` flag, which costs V8 more than the
 *   lower-casing. That finds the same matches as the case-insensitive search when lower-casing
 *   keeps every character in place and maps each to its case fold, which fails only for text
 *   with a character whose lower case is longer ("İ") or is not its fold
 *   (`FOLDS_UNLIKE_LOWER_CASE`): such text is searched as written, with the `i` flag;
 * - the searches open with a look-behind for an ASCII letter or digit, which lets V8 pass over
 *   the inside of words at the cost of one character test (half the time of the search without
 *   it; a look-behind for any Unicode letter costs more than it saves). It rejects only places
 *   the word-start check rejects too, so no match is lost, and each hit is still checked for
 *   a word start of any alphabet.
 * The phrases must not capture (they use `(?:…)`) and are written in lower case.
 */
export function compilePhraseSets<K extends string>(
  tables: Readonly<Record<K, readonly string[]>>,
): PhraseSetMatcher<K> {
  const keys = Object.keys(tables) as K[];
  const alternatives = keys.map((key) => `(${tables[key].join('|')})`).join('|');
  const searches = [false, true].map((foldCase) => {
    const flags = foldCase ? 'iu' : 'u';
    return {
      body: new RegExp(
        `${NOT_AFTER_ASCII_WORD_CHAR}(?:${alternatives})${NOT_BEFORE_WORD_CHAR}`,
        `g${flags}`,
      ),
      any: new RegExp(
        `${NOT_AFTER_ASCII_WORD_CHAR}(?:${keys.map((key) => tables[key].join('|')).join('|')})${NOT_BEFORE_WORD_CHAR}`,
        `g${flags}`,
      ),
      anchored: keys.map(
        (key) => new RegExp(`(?:${tables[key].join('|')})${NOT_BEFORE_WORD_CHAR}`, `y${flags}`),
      ),
      startsWord: new RegExp(NOT_AFTER_WORD_CHAR, `y${flags}`),
    };
  });
  return {
    exec(written) {
      const lower = written.toLowerCase();
      const inPlace = lower.length === written.length && !FOLDS_UNLIKE_LOWER_CASE.test(lower);
      const { body, any, anchored, startsWord } = searches[inPlace ? 0 : 1] as (typeof searches)[0];
      const text = inPlace ? lower : written;
      const found = new Map<K, PhraseMatch>();
      // Where the first phrase of any table may start, found without capturing groups, which
      // makes the search half as costly; most mail holds no phrase at all and ends here.
      any.lastIndex = 0;
      const first = any.exec(text);
      if (first === null) return found;
      const record = (key: K, index: number, length: number) => {
        found.set(key, { index, text: written.slice(index, index + length) });
      };
      body.lastIndex = first.index;
      for (let match = body.exec(text); match !== null; match = body.exec(text)) {
        const { index } = match;
        startsWord.lastIndex = index;
        if (startsWord.test(text)) {
          keys.forEach((key, i) => {
            if (found.has(key)) return;
            const own = match[i + 1];
            if (own !== undefined) {
              record(key, index, match[0].length);
              return;
            }
            const alone = anchored[i] as RegExp;
            alone.lastIndex = index;
            const other = alone.exec(text);
            if (other !== null) record(key, index, other[0].length);
          });
          if (found.size === keys.length) break;
        }
        body.lastIndex = index + (isHighSurrogate(text.charCodeAt(index)) ? 2 : 1);
      }
      return found;
    },
  };
}

/**
 * The characters whose case fold lower-casing does not give: U+017F "ſ", which case-insensitive
 * matching takes for "s", and U+0345, a combining mark it takes for the letter "ι" (so it ends
 * a word). `analyze.test.ts` checks that no other character behaves so for the phrases' letters.
 */
// eslint-disable-next-line no-misleading-character-class -- U+0345 is a combining mark, matched on its own on purpose
export const FOLDS_UNLIKE_LOWER_CASE = /[\u017f\u0345]/;
