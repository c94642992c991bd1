/**
 * Protected brands: the names phishers borrow and the registrable domains
 * that really belong to them. Data only, plus the one matcher built from it.
 *
 * A mention given as a string matches case-insensitively on word boundaries;
 * one given as a RegExp is used as written, for names that are also ordinary
 * words ("Apple", "Chase", "UPS") and only count as the proper noun.
 */
export interface Brand {
  name: string;
  mentions: readonly (string | RegExp)[];
  domains: readonly string[];
}

export const BRANDS: readonly Brand[] = [
  {
    name: 'PayPal',
    mentions: ['PayPal'],
    domains: ['paypal.com', 'paypal.me', 'paypalobjects.com'],
  },
  {
    name: 'Microsoft',
    mentions: [
      'Microsoft',
      'Office 365',
      'Microsoft 365',
      'OneDrive',
      'SharePoint',
      'Outlook Web App',
      'Hotmail',
    ],
    domains: [
      'microsoft.com',
      'microsoftonline.com',
      'office.com',
      'office365.com',
      'microsoft365.com',
      'live.com',
      'outlook.com',
      'hotmail.com',
      'sharepoint.com',
      'onedrive.com',
      'azure.com',
      'aka.ms',
    ],
  },
  {
    name: 'Apple',
    mentions: [/\bApple\b/, /\bAPPLE\b/, 'iCloud', 'Apple ID', 'iTunes', /\bApp Store\b/],
    domains: ['apple.com', 'icloud.com', 'me.com', 'itunes.com'],
  },
  {
    name: 'Amazon',
    mentions: [/\bAmazon\b/, /\bAMAZON\b/, 'Prime Video', 'Amazon Prime'],
    domains: [
      'amazon.com',
      'amazon.de',
      'amazon.co.uk',
      'amazon.com.br',
      'amazon.fr',
      'amazon.es',
      'amazon.it',
      'amazon.ca',
      'amazonaws.com',
    ],
  },
  {
    name: 'Google',
    mentions: [/\bGoogle\b/, 'Gmail', 'Google Drive', 'Google Workspace'],
    domains: [
      'google.com',
      'gmail.com',
      'googlemail.com',
      'youtube.com',
      'google.de',
      'google.com.br',
      'goo.gl',
      'youtu.be',
      'g.co',
    ],
  },
  { name: 'Netflix', mentions: ['Netflix'], domains: ['netflix.com'] },
  { name: 'DHL', mentions: [/\bDHL\b/], domains: ['dhl.com', 'dhl.de', 'dpdhl.com'] },
  { name: 'FedEx', mentions: ['FedEx'], domains: ['fedex.com'] },
  { name: 'UPS', mentions: [/\bUPS\b/], domains: ['ups.com'] },
  {
    name: 'USPS',
    mentions: [/\bUSPS\b/, 'United States Postal Service'],
    domains: ['usps.com', 'usps.gov'],
  },
  {
    name: 'Bank of America',
    mentions: ['Bank of America', /\bBofA\b/],
    domains: ['bankofamerica.com', 'bofa.com'],
  },
  {
    name: 'Chase',
    mentions: [/\bChase Bank\b/i, /\bJPMorgan Chase\b/i, /\bChase Online\b/i, /\bCHASE\b/],
    domains: ['chase.com', 'jpmorganchase.com', 'jpmorgan.com'],
  },
  { name: 'Wells Fargo', mentions: ['Wells Fargo'], domains: ['wellsfargo.com', 'wf.com'] },
  { name: 'DocuSign', mentions: ['DocuSign'], domains: ['docusign.com', 'docusign.net'] },
  { name: 'Dropbox', mentions: ['Dropbox'], domains: ['dropbox.com', 'dropboxmail.com'] },
  {
    name: 'Adobe',
    mentions: [/\bAdobe\b/i, 'Acrobat Sign'],
    domains: ['adobe.com', 'adobesign.com'],
  },
  { name: 'LinkedIn', mentions: ['LinkedIn'], domains: ['linkedin.com', 'lnkd.in'] },
  {
    name: 'Facebook',
    mentions: ['Facebook', /\bMeta Platforms\b/, /\bMeta Business\b/],
    domains: ['facebook.com', 'facebookmail.com', 'fb.com', 'meta.com'],
  },
  { name: 'Instagram', mentions: ['Instagram'], domains: ['instagram.com'] },
  { name: 'WhatsApp', mentions: ['WhatsApp'], domains: ['whatsapp.com', 'whatsapp.net'] },
  { name: 'Coinbase', mentions: ['Coinbase'], domains: ['coinbase.com'] },
  { name: 'Binance', mentions: ['Binance'], domains: ['binance.com'] },
  {
    name: 'American Express',
    mentions: ['American Express', /\bAmex\b/],
    domains: ['americanexpress.com', 'aexp.com'],
  },
  {
    name: 'Visa',
    mentions: [
      /\bVisa (?:Gift |Debit |Credit |Prepaid )?Card\b/i,
      /\bVerified by Visa\b/i,
      /\bVISA\b/,
    ],
    domains: ['visa.com'],
  },
  { name: 'Mastercard', mentions: ['Mastercard'], domains: ['mastercard.com'] },
  { name: 'Sparkasse', mentions: ['Sparkasse'], domains: ['sparkasse.de'] },
  { name: 'Deutsche Bank', mentions: ['Deutsche Bank'], domains: ['deutsche-bank.de', 'db.com'] },
  {
    name: 'Santander',
    mentions: ['Santander'],
    domains: ['santander.com', 'santander.com.br', 'santander.co.uk', 'santander.de'],
  },
  { name: 'Itaú', mentions: [/\bIta[uú]\b/i], domains: ['itau.com.br', 'itau.com'] },
  { name: 'Bradesco', mentions: ['Bradesco'], domains: ['bradesco.com.br'] },
  { name: 'Correios', mentions: ['Correios'], domains: ['correios.com.br'] },
  {
    name: 'Steam',
    mentions: ['Steam Community', 'Steam Guard', 'Steam Support', 'Steampowered'],
    domains: ['steampowered.com', 'steamcommunity.com'],
  },
  { name: 'Spotify', mentions: ['Spotify'], domains: ['spotify.com'] },
  {
    name: 'Wise',
    mentions: ['TransferWise', /\bWise Payments\b/],
    domains: ['wise.com', 'transferwise.com'],
  },
  {
    name: 'eBay',
    mentions: ['eBay'],
    domains: [
      'ebay.com',
      'ebay.de',
      'ebay.co.uk',
      'ebay.com.br',
      'ebay.fr',
      'ebay.it',
      'ebay.ca',
      'ebayimg.com',
      'ebaystatic.com',
    ],
  },
  { name: 'SunTrust', mentions: ['SunTrust'], domains: ['suntrust.com'] },
  {
    name: 'Citibank',
    mentions: ['Citibank', /\bCiti\b/],
    domains: ['citibank.com', 'citi.com', 'citigroup.com'],
  },
  { name: 'Barclays', mentions: ['Barclays'], domains: ['barclays.co.uk', 'barclays.com'] },
  { name: 'HSBC', mentions: [/\bHSBC\b/], domains: ['hsbc.com', 'hsbc.co.uk'] },
  {
    name: 'Lloyds Bank',
    mentions: ['Lloyds Bank', 'Lloyds TSB'],
    domains: ['lloydsbank.com', 'lloydsbank.co.uk'],
  },
  { name: 'Capital One', mentions: ['Capital One'], domains: ['capitalone.com'] },
  { name: 'U.S. Bank', mentions: ['U.S. Bank', 'US Bancorp'], domains: ['usbank.com'] },
  { name: 'Washington Mutual', mentions: ['Washington Mutual', /\bWaMu\b/], domains: ['wamu.com'] },
  { name: 'Bank of the West', mentions: ['Bank of the West'], domains: ['bankofthewest.com'] },
  { name: 'IRS', mentions: [/\bIRS\b/, 'Internal Revenue Service'], domains: ['irs.gov'] },
  { name: 'HMRC', mentions: [/\bHMRC\b/], domains: ['hmrc.gov.uk'] },
  { name: 'Trust Wallet', mentions: ['Trust Wallet'], domains: ['trustwallet.com'] },
  { name: 'MetaMask', mentions: ['MetaMask'], domains: ['metamask.io'] },
  { name: 'Ledger', mentions: [/\bLedger (?:Live|Nano|Wallet)\b/i], domains: ['ledger.com'] },
  { name: 'Electrum', mentions: ['Electrum Wallet', /\bElectrum\b/], domains: ['electrum.org'] },
  { name: 'RingCentral', mentions: ['RingCentral'], domains: ['ringcentral.com'] },
  { name: 'McAfee', mentions: ['McAfee'], domains: ['mcafee.com'] },
  { name: 'Geek Squad', mentions: ['Geek Squad'], domains: ['geeksquad.com', 'bestbuy.com'] },
  { name: 'Walmart', mentions: ['Walmart'], domains: ['walmart.com'] },
  { name: 'Costco', mentions: ['Costco'], domains: ['costco.com'] },
  { name: 'Banco do Brasil', mentions: ['Banco do Brasil'], domains: ['bb.com.br'] },
  { name: 'Caixa', mentions: [/\bCaixa Econ[oô]mica\b/i], domains: ['caixa.gov.br'] },
  { name: 'Nubank', mentions: ['Nubank'], domains: ['nubank.com.br'] },
  {
    name: 'Mercado Livre',
    mentions: ['Mercado Livre', 'Mercado Pago', 'Mercado Libre'],
    domains: ['mercadolivre.com.br', 'mercadopago.com.br', 'mercadolibre.com'],
  },
  { name: 'Western Union', mentions: ['Western Union'], domains: ['westernunion.com'] },
  { name: 'MoneyGram', mentions: ['MoneyGram'], domains: ['moneygram.com'] },
  { name: 'Royal Mail', mentions: ['Royal Mail'], domains: ['royalmail.com'] },
  { name: 'Airbnb', mentions: ['Airbnb'], domains: ['airbnb.com'] },
  { name: 'WeTransfer', mentions: ['WeTransfer'], domains: ['wetransfer.com'] },
  {
    name: 'Intuit',
    mentions: ['QuickBooks', 'Intuit', 'TurboTax'],
    domains: ['intuit.com', 'quickbooks.com', 'turbotax.com'],
  },
  { name: 'Venmo', mentions: ['Venmo'], domains: ['venmo.com'] },
  { name: 'Zelle', mentions: ['Zelle'], domains: ['zellepay.com'] },
];

/** Every official registrable domain, for `EngineOptions.brandDomains`. */
export const DEFAULT_BRAND_DOMAINS: readonly string[] = BRANDS.flatMap((brand) => brand.domains);

const BRAND_BY_DOMAIN = new Map(BRANDS.flatMap((brand) => brand.domains.map((d) => [d, brand])));

export function brandOfDomain(registrableDomain: string | null): Brand | undefined {
  return registrableDomain === null ? undefined : BRAND_BY_DOMAIN.get(registrableDomain);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface CompiledMention {
  brand: Brand;
  pattern: RegExp;
  /** The same, tried exactly at one place (`lastIndex`). */
  at: RegExp;
}

function compileMention(mention: string | RegExp): RegExp {
  return typeof mention === 'string' ? new RegExp(`\\b${escapeRegExp(mention)}\\b`, 'i') : mention;
}

const MENTIONS: readonly CompiledMention[] = BRANDS.flatMap((brand) =>
  brand.mentions.map((mention) => {
    const pattern = compileMention(mention);
    const at = new RegExp(pattern.source, `${pattern.flags.replace(/[gy]/g, '')}y`);
    return { brand, pattern, at };
  }),
);

/**
 * Where a mention may start, in one scan: every mention, case aside, so visiting each place it
 * matches visits every place where some mention starts (and maybe more). Every mention starts a
 * word with a letter, so the scan opens with a look-behind for an ASCII letter or digit, which
 * lets V8 pass over the inside of words (see `phrases.ts`); the look-behind rejects only what a
 * mention's own word boundary rejects.
 */
const ANY_MENTION = new RegExp(
  `(?<![a-z0-9])(?:${MENTIONS.map(({ pattern }) => `(?:${pattern.source})`).join('|')})`,
  'gi',
);

/** Past this many places, the brands not yet found are searched for through the text, one mention at a time. */
const MAX_PLACES = 32;

/**
 * Brands named in `text`, in table order, each once. One scan: at each place where some mention
 * may start, the brands not yet found are tried there, instead of a scan of the whole text per
 * mention (a text naming brands at many places falls back to that, so it costs no more).
 */
export function findBrandMentions(text: string): Brand[] {
  const found = new Set<Brand>();
  ANY_MENTION.lastIndex = 0;
  let places = 0;
  for (let hit = ANY_MENTION.exec(text); hit !== null; hit = ANY_MENTION.exec(text)) {
    const { index } = hit;
    if (++places > MAX_PLACES) {
      for (const { brand, pattern } of MENTIONS) {
        if (!found.has(brand) && pattern.test(text)) found.add(brand);
      }
      break;
    }
    for (const { brand, at } of MENTIONS) {
      if (found.has(brand)) continue;
      at.lastIndex = index;
      if (at.test(text)) found.add(brand);
    }
    if (found.size === BRANDS.length) break;
    // On by one, not past the hit: another mention may start inside it.
    ANY_MENTION.lastIndex = index + 1;
  }
  return BRANDS.filter((brand) => found.has(brand));
}

/** Whether a registrable domain belongs to `brand`. */
export function isBrandDomain(brand: Brand, registrableDomain: string | null): boolean {
  return registrableDomain !== null && brand.domains.includes(registrableDomain);
}
