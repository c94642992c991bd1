/**
 * Domain lists the link and header analyzers consult. Data only: a host
 * matches an entry when it is the entry or a subdomain of it.
 */

/** URL shorteners: the real destination is hidden until clicked. */
export const SHORTENER_HOSTS: readonly string[] = [
  'bit.ly',
  'bitly.com',
  'tinyurl.com',
  't.co',
  'goo.gl',
  'ow.ly',
  'is.gd',
  'v.gd',
  'buff.ly',
  'rebrand.ly',
  'cutt.ly',
  'shorturl.at',
  'rb.gy',
  't.ly',
  's.id',
  'tiny.cc',
  'bl.ink',
  'short.io',
  'shorte.st',
  'adf.ly',
  'qrco.de',
  'urlz.fr',
  'snip.ly',
  'tr.im',
  'x.co',
  'u.to',
  'clck.ru',
  'surl.li',
  'tiny.one',
  'shorturl.gg',
  'lnk.bio',
  'linktr.ee',
];

/**
 * Free hosting and site builders that anyone can publish on in minutes. Used
 * legitimately too, so alone this is weak evidence. `path` narrows an entry
 * to one service of a host shared with others.
 */
export interface HostEntry {
  host: string;
  path?: string;
}

export const FREE_HOSTING: readonly HostEntry[] = [
  { host: 'firebaseapp.com' },
  { host: 'web.app' },
  { host: 'weebly.com' },
  { host: 'weeblysite.com' },
  { host: 'wixsite.com' },
  { host: 'wix.com' },
  { host: '000webhostapp.com' },
  { host: 'glitch.me' },
  { host: 'netlify.app' },
  { host: 'pages.dev' },
  { host: 'workers.dev' },
  { host: 'r2.dev' },
  { host: 'vercel.app' },
  { host: 'herokuapp.com' },
  { host: 'onrender.com' },
  { host: 'repl.co' },
  { host: 'github.io' },
  { host: 'gitlab.io' },
  { host: 'blogspot.com' },
  { host: 'wordpress.com' },
  { host: 'webflow.io' },
  { host: 'square.site' },
  { host: 'godaddysites.com' },
  { host: 'mystrikingly.com' },
  { host: 'sites.google.com' },
  { host: 'storage.googleapis.com' },
  { host: 'web.core.windows.net' },
  { host: 'blob.core.windows.net' },
  { host: 'azurewebsites.net' },
  { host: 's3.amazonaws.com' },
  { host: 'ipfs.io', path: '/ipfs/' },
  { host: 'dweb.link' },
  { host: 'cloudflare-ipfs.com' },
  { host: 'gateway.pinata.cloud' },
  { host: 'ngrok.io' },
  { host: 'ngrok-free.app' },
  { host: 'trycloudflare.com' },
  { host: 'framer.website' },
  { host: 'notion.site' },
];

/** Form builders: a credential form needs no server of the attacker's own. */
export const FORM_SERVICES: readonly HostEntry[] = [
  { host: 'forms.gle' },
  { host: 'docs.google.com', path: '/forms/' },
  { host: 'forms.office.com' },
  { host: 'forms.microsoft.com' },
  { host: 'jotform.com' },
  { host: 'typeform.com' },
  { host: 'formstack.com' },
  { host: 'wufoo.com' },
  { host: 'surveymonkey.com' },
  { host: 'formspree.io' },
  { host: 'getform.io' },
  { host: 'formsubmit.co' },
  { host: 'zohopublic.com' },
  { host: 'cognitoforms.com' },
];

/** Free mailbox providers: anyone can have an address there. */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'yandex.ru',
  'yandex.com',
  'mail.ru',
  'protonmail.com',
  'proton.me',
  'zoho.com',
  'qq.com',
  '163.com',
  'bol.com.br',
  'uol.com.br',
  't-online.de',
]);

export function hostMatches(host: string, entry: string): boolean {
  if (host.length <= entry.length) return host === entry;
  // A subdomain: ends with the entry, a dot before it. Checked in place, with no string built per entry.
  return host.endsWith(entry) && host.charCodeAt(host.length - entry.length - 1) === 0x2e;
}

interface ListedEntry {
  entry: HostEntry;
  /** Position in the list: when several entries fit a host, the first listed wins. */
  order: number;
}

/**
 * A domain list indexed by host: a host's entries are found by looking up the host and each of
 * its parent domains (a handful of lookups) instead of testing it against every entry.
 */
export class HostList {
  private readonly byHost = new Map<string, ListedEntry[]>();

  constructor(entries: readonly (HostEntry | string)[]) {
    entries.forEach((item, order) => {
      const entry = typeof item === 'string' ? { host: item } : item;
      const listed = this.byHost.get(entry.host);
      if (listed === undefined) this.byHost.set(entry.host, [{ entry, order }]);
      else listed.push({ entry, order });
    });
  }

  /** The first listed entry that `host` is or is a subdomain of, and whose path `pathname` is in. */
  find(host: string, pathname = ''): HostEntry | undefined {
    let found: ListedEntry | undefined;
    for (let start = 0; ;) {
      for (const listed of this.byHost.get(start === 0 ? host : host.slice(start)) ?? []) {
        const { path } = listed.entry;
        const isInPath = path === undefined || pathname.startsWith(path);
        if (isInPath && (found === undefined || listed.order < found.order)) found = listed;
      }
      const dot = host.indexOf('.', start);
      if (dot === -1) break;
      start = dot + 1;
    }
    return found?.entry;
  }
}
