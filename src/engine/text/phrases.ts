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
  // German
  'bestätigen sie ihre? (?:konto|identität|daten|zugangsdaten|e-mail-adresse)',
  'verifizieren sie ihre? (?:konto|identität|daten)',
  'aktualisieren sie ihre? (?:daten|kontodaten|konto)',
  'ihr passwort läuft',
  'geben sie ihr (?:passwort|kennwort)',
  // Portuguese
  'confirme (?:os )?seus dados',
  'atualize (?:os )?seus dados',
  'atualize seu cadastro',
  'recadastramento',
  'verifique sua conta',
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
  '(?:unusual|suspicious|unauthori[sz]ed) (?:activity|sign-?in|log-?in|access|transaction)s?',
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
  'em até (?:24|48|72) horas',
  'último aviso',
  'prazo final',
];

const NOT_AFTER_WORD_CHAR = '(?<![\\p{L}\\p{N}])';
const NOT_BEFORE_WORD_CHAR = '(?![\\p{L}\\p{N}])';

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
