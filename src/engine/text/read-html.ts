/**
 * One pass over an HTML body with htmlparser2, collecting what the link and
 * content analyzers need: every URL-bearing attribute, anchor texts, forms,
 * scripts, and the text split into what a reader sees and what is hidden from
 * them. Parsed once per email and shared (see `htmlOf`).
 */
import { Parser } from 'htmlparser2';
import { memoize, memoKey } from '../memo.ts';
import type { ParsedEmail } from '../types.ts';

export const LINK_SOURCES = {
  text: 'text',
  href: 'href',
  src: 'src',
  form: 'form',
  srcset: 'srcset',
  css: 'css',
} as const;
export type LinkSource = (typeof LINK_SOURCES)[keyof typeof LINK_SOURCES];

export interface HtmlLink {
  url: string;
  source: LinkSource;
  /** The element that carried it (`a`, `img`, `link`...): `style` for a style sheet, `#text` for plain text. */
  element: string;
  /** Visible text of the enclosing anchor, for `href` links. */
  anchorText: string | null;
}

export interface HtmlForm {
  action: string | null;
  hasPassword: boolean;
}

export interface HtmlDocument {
  visibleText: string;
  hiddenText: string;
  links: HtmlLink[];
  forms: HtmlForm[];
  scripts: string;
}

/** Bounds on what one document may keep, whatever its size. */
const MAX_TEXT_CHARS = 200_000;
const MAX_LINKS = 2_000;
const MAX_ANCHOR_CHARS = 500;

/**
 * Every attribute the reading looks at: typing the tags' attributes by this list makes reading
 * any other one a compile error instead of a silent miss.
 */
type ReadAttribute =
  | 'href'
  | 'src'
  | 'srcset'
  | 'poster'
  | 'data'
  | 'action'
  | 'formaction'
  | 'background'
  | 'style'
  | 'bgcolor'
  | 'color'
  | 'hidden'
  | 'type'
  | 'http-equiv'
  | 'content';
type Attributes = Partial<Record<ReadAttribute, string>>;

type UrlAttributes = readonly (readonly [ReadAttribute, LinkSource])[];

/** Attributes that carry a URL, by element; `background` is the old table-cell image. */
const URL_ATTRIBUTES: Readonly<Record<string, UrlAttributes>> = {
  a: [['href', 'href']],
  area: [['href', 'href']],
  link: [['href', 'href']],
  img: [
    ['src', 'src'],
    ['srcset', 'srcset'],
  ],
  source: [
    ['src', 'src'],
    ['srcset', 'srcset'],
  ],
  iframe: [['src', 'src']],
  frame: [['src', 'src']],
  embed: [['src', 'src']],
  script: [['src', 'src']],
  video: [
    ['src', 'src'],
    ['poster', 'src'],
  ],
  audio: [['src', 'src']],
  object: [['data', 'src']],
  form: [['action', 'form']],
  button: [['formaction', 'form']],
  input: [
    ['formaction', 'form'],
    ['src', 'src'],
  ],
  body: [['background', 'src']],
  table: [['background', 'src']],
  td: [['background', 'src']],
};

const URL_ATTRIBUTES_BY_ELEMENT: ReadonlyMap<string, UrlAttributes> = new Map(
  Object.entries(URL_ATTRIBUTES),
);
const NO_ATTRIBUTES: UrlAttributes = [];

const BLOCK_ELEMENTS = new Set([
  'p',
  'div',
  'br',
  'tr',
  'td',
  'th',
  'li',
  'ul',
  'ol',
  'table',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'section',
  'article',
  'header',
  'footer',
  'hr',
  'title',
]);
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'title', 'head', 'noscript', 'template']);

const HIDING_STYLE =
  /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden|(?:font-size|max-height|max-width|opacity)\s*:\s*0+(?:\.0+)?[a-z%]*\s*(?:!important)?\s*(?:;|$))/i;
const CSS_URL = /url\(\s*(['"]?)([^'")\s]+)\1\s*\)/gi;
/** Cheap test before `CSS_URL`: most tags have no style, and most styles no `url(`. */
const CSS_URL_HINT = /url\(/i;
const META_REFRESH_URL = /url\s*=\s*['"]?([^'"\s;]+)/i;
const STYLE_COLOR = /(?:^|;)\s*color\s*:\s*([^;!]+)/i;
const STYLE_BACKGROUND = /(?:^|;)\s*background(?:-color)?\s*:\s*([^;!]+)/i;

/** Colours normalised enough to compare text with its background; `null` means unknown. */
function normalizeColor(value: string | undefined): string | null {
  if (value === undefined) return null;
  const color = value.trim().toLowerCase();
  if (color.includes('url(') || color === 'transparent' || color === 'inherit') return null;
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(color);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`;
  const rgb = /^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(color);
  if (rgb)
    return `#${[rgb[1], rgb[2], rgb[3]].map((n) => Number(n).toString(16).padStart(2, '0')).join('')}`;
  return NAMED_COLORS[color] ?? color;
}

const NAMED_COLORS: Readonly<Record<string, string>> = { white: '#ffffff', black: '#000000' };

interface Frame {
  name: string;
  hidden: boolean;
  color: string | null;
  background: string | null;
}

interface OpenAnchor {
  link: HtmlLink;
  text: string;
}

/**
 * Text kept as pieces and joined once: growing a string by `+` for every text node builds a
 * deep rope that costs more to flatten than the whole parse.
 */
class TextBuffer {
  private readonly pieces: string[] = [];
  private length = 0;

  add(text: string): void {
    const room = MAX_TEXT_CHARS - this.length;
    if (room <= 0) return;
    const piece = text.length > room ? text.slice(0, room) : text;
    this.pieces.push(piece);
    this.length += piece.length;
  }

  toString(): string {
    return this.pieces.join('');
  }
}

class HtmlReader {
  readonly links: HtmlLink[] = [];
  readonly forms: HtmlForm[] = [];
  readonly visible = new TextBuffer();
  readonly hidden = new TextBuffer();
  readonly scripts = new TextBuffer();
  // Mail clients render on white unless told otherwise, so white text with no background is unseen.
  private readonly stack: Frame[] = [
    { name: '#root', hidden: false, color: '#000000', background: '#ffffff' },
  ];
  private top: Frame = this.stack[0] as Frame;
  private anchor: OpenAnchor | null = null;
  private form: HtmlForm | null = null;

  onopentag(name: string, attribs: Attributes): void {
    const parent = this.top;
    const style = attribs.style ?? '';
    // Most tags have no style; none of the style patterns can match an empty one.
    const hasStyle = style !== '';
    const background =
      attribs.background !== undefined
        ? null
        : (normalizeColor(
            (hasStyle ? STYLE_BACKGROUND.exec(style)?.[1] : undefined) ?? attribs.bgcolor,
          ) ?? parent.background);
    const color =
      normalizeColor(
        (hasStyle ? STYLE_COLOR.exec(style)?.[1] : undefined) ??
          (name === 'font' ? attribs.color : undefined),
      ) ?? parent.color;
    const hidden =
      parent.hidden ||
      'hidden' in attribs ||
      (hasStyle && HIDING_STYLE.test(style)) ||
      (color !== null && color === background);
    this.top = { name, hidden, color, background };
    this.stack.push(this.top);
    this.collectLinks(name, attribs, style);
    if (name === 'form') this.openForm(attribs);
    if (name === 'input' && attribs.type?.toLowerCase() === 'password') this.markPassword();
    if (BLOCK_ELEMENTS.has(name)) this.appendText(' ');
  }

  onclosetag(name: string): void {
    if (this.stack.length > 1) {
      this.stack.pop();
      this.top = this.stack[this.stack.length - 1] as Frame;
    }
    if (name === 'a' || name === 'area') this.closeAnchor();
    if (name === 'form') this.form = null;
    if (BLOCK_ELEMENTS.has(name)) this.appendText(' ');
  }

  ontext(text: string): void {
    const { name } = this.top;
    if (name === 'script') {
      this.scripts.add(text);
    } else if (name === 'style') {
      this.addCssLinks(text);
    } else if (!RAW_TEXT_ELEMENTS.has(name)) {
      this.appendText(text);
    }
  }

  document(): HtmlDocument {
    return {
      visibleText: collapse(this.visible.toString()),
      hiddenText: collapse(this.hidden.toString()),
      links: this.links,
      forms: this.forms,
      scripts: this.scripts.toString(),
    };
  }

  private appendText(text: string): void {
    if (this.top.hidden) {
      this.hidden.add(text);
      return;
    }
    this.visible.add(text);
    if (this.anchor && this.anchor.text.length < MAX_ANCHOR_CHARS) this.anchor.text += text;
  }

  private collectLinks(name: string, attribs: Attributes, style: string): void {
    // A Map, so a tag named `constructor` cannot reach Object.prototype.
    for (const [attribute, source] of URL_ATTRIBUTES_BY_ELEMENT.get(name) ?? NO_ATTRIBUTES) {
      const value = attribs[attribute];
      if (value === undefined || value.trim() === '') continue;
      if (source === LINK_SOURCES.srcset) {
        for (const candidate of value.split(','))
          this.addLink(candidate.trim().split(/\s+/)[0] ?? '', source, name);
      } else {
        const link = this.addLink(value, source, name);
        if (link && (name === 'a' || name === 'area')) this.anchor = { link, text: '' };
      }
    }
    if (style !== '') this.addCssLinks(style, name);
    if (name === 'meta' && attribs['http-equiv']?.toLowerCase() === 'refresh') {
      const url = META_REFRESH_URL.exec(attribs.content ?? '')?.[1];
      if (url !== undefined) this.addLink(url, LINK_SOURCES.href, name);
    }
  }

  /** `url(...)` in CSS. A loop over `exec`, not `matchAll`, which copies the regex on every call. */
  private addCssLinks(css: string, element = 'style'): void {
    if (!CSS_URL_HINT.test(css)) return;
    CSS_URL.lastIndex = 0;
    for (let match = CSS_URL.exec(css); match !== null; match = CSS_URL.exec(css)) {
      this.addLink(match[2] ?? '', LINK_SOURCES.css, element);
    }
  }

  private addLink(url: string, source: LinkSource, element: string): HtmlLink | null {
    if (url === '' || this.links.length >= MAX_LINKS) return null;
    const link: HtmlLink = { url: url.trim(), source, element, anchorText: null };
    this.links.push(link);
    return link;
  }

  private closeAnchor(): void {
    if (this.anchor === null) return;
    this.anchor.link.anchorText = collapse(this.anchor.text);
    this.anchor = null;
  }

  private openForm(attribs: Attributes): void {
    this.form = { action: attribs.action?.trim() ?? null, hasPassword: false };
    this.forms.push(this.form);
  }

  private markPassword(): void {
    // A password box outside any form still asks for a password.
    if (this.form === null) this.openForm({});
    if (this.form) this.form.hasPassword = true;
  }
}

export function readHtml(html: string): HtmlDocument {
  const reader = new HtmlReader();
  const parser = new Parser(
    {
      onopentag: (name, attribs) => {
        reader.onopentag(name, attribs);
      },
      onclosetag: (name) => {
        reader.onclosetag(name);
      },
      ontext: (text) => {
        reader.ontext(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return reader.document();
}

/**
 * Whitespace that `collapse` must rewrite: a run of two or more, or one that is not a plain space.
 * A lone space, the commonest case by far, is left where it is instead of replaced by itself.
 */
const WHITESPACE_TO_COLLAPSE = /\s{2,}|[^\S ]/g;

/** Every run of whitespace as one space, none at either end. */
function collapse(text: string): string {
  return text.replace(WHITESPACE_TO_COLLAPSE, ' ').trim();
}

const HTML_DOCUMENT = memoKey<HtmlDocument>('html document');

/** The email's HTML body, read once however many analyzers ask. */
export function htmlOf(email: ParsedEmail): HtmlDocument {
  return memoize(email, HTML_DOCUMENT, () => readHtml(email.html));
}
