/**
 * Phrase tables for scams that ask for no password and carry no link: advance-fee letters,
 * romance and dating bait, crypto schemes, and fake invoices that ask the reader to phone.
 * Written like `phrases.ts` (regular-expression fragments in lower case, no capturing groups,
 * matched on word boundaries). Each entry anchors on words that ordinary mail, mailing lists
 * and newsletters seldom put together: a newsletter may mention "a million dollars" or "a
 * lonely planet", not "my late husband".
 */

export const ADVANCE_FEE_PHRASES: readonly string[] = [
  '(?:on|from) (?:my|a) dying bed',
  '(?:on|from) (?:my|a) sick bed',
  'my late (?:husband|father|wife|mother|client|uncle|brother|dad)',
  'deceased (?:client|customer|depositor|husband|father)',
  'humanitarian (?:cash )?(?:grant|fund|donation)s?',
  '(?:cash )?grant (?:has been |was )?(?:awarded|issued|approved|released) to you',
  'investment (?:of (?:a )?(?:substantial|huge|large) (?:amount|sum) )?in your country',
  'inheritance (?:funds?|sum|payment)s?',
  'compensation (?:funds?|payment)s?',
  'consignment box(?:es)?',
  'dormant (?:funds?|account|sum)s?',
  'transfer (?:of )?(?:the|this|these) (?:funds?|sum|money|inheritance)',
  'foreign (?:business )?partner',
  'beneficiar(?:y|ies) (?:of|to) (?:the|this|my)',
  'diplomatic (?:agent|courier)',
  'atm (?:master ?)?card (?:worth|valued|containing)',
  // Portuguese
  '(?:meu|minha) falecid[oa] (?:pai|marido|esposo|esposa|mãe)',
  'que herdei',
  'milh(?:ões|ão) de dólares',
];

export const ROMANCE_PHRASES: readonly string[] = [
  'looking for (?:a |my )?(?:lover|boyfriend|husband|sex partner|soulmate|serious relationship)',
  '(?:lonely|horny|cheating) (?:\\w+ )?(?:woman|women|girls?|lady|ladies|female|wife|wives|housewi(?:fe|ves)|milfs?|singles)',
  'solitary (?:\\w+ )?(?:woman|women|girls?|lady|ladies|female)',
  '(?:sex|adult) dating',
  'casual (?:sex|encounters?|hookups?)',
  'wants? to (?:meet|chat with|date|hook up with) you',
  'waiting to (?:meet|chat with|date|speak with|talk to) you',
  'how old (?:are|r) (?:you|u)',
];

export const CRYPTO_PHRASES: readonly string[] = [
  'send (?:the )?(?:sol|eth|btc|usdt|bnb|trx|ether)',
  '(?:token|coin|crypto) presale',
  'presale progress',
  '(?:seed|recovery|secret) phrase',
  '(?:verify|validate|connect|sync|unlock) your (?:crypto |bitcoin |trust )?wallet',
  'wallet (?:is )?(?:not verified|unverified|suspended|locked)',
  'withdraw your (?:\\$|€|£|funds?|profits?|earnings|balance|bitcoin|btc|crypto)',
];

/** A toll-free number in North America: 800, 833, 844, 855, 866, 877 or 888. */
const TOLL_FREE = '(?:\\+?1[ -.]?)?\\(?8[0-9]{2}\\)?[ -.]?[0-9]{3}';
const ASKED_TO_PHONE = `(?:us|our (?:\\w+ )?(?:team|desk|department|helpline|line|support)) (?:at|on)(?: our)?(?: toll[- ]free)?(?: number)?[: ]+${TOLL_FREE}`;

/**
 * Fake invoices and renewals that want a phone call: "if you did not authorise this, call us".
 * Only toll-free and "support" numbers in that shape count; a shop's phone number alone does not.
 */
export const CALLBACK_PHRASES: readonly string[] = [
  `call ${ASKED_TO_PHONE}`,
  `contact ${ASKED_TO_PHONE}`,
  'did not (?:authori[sz]e|make|place|recogni[sz]e) (?:this|these) (?:transaction|purchase|order|payment|charge)s?',
  "didn[’']t (?:authori[sz]e|make|place|recogni[sz]e) (?:this|these) (?:transaction|purchase|order|payment|charge)s?",
  'cancel (?:this|the) (?:order|transaction|charge|renewal|subscription),? (?:please )?(?:call|contact)',
  'dispute (?:this|the) (?:order|transaction|charge|renewal|subscription),? (?:please )?(?:call|contact)',
];
