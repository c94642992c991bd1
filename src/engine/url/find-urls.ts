/** URLs written out in plain text. */

/** A scheme or `www.`, then anything a URL may contain; trailing punctuation is trimmed after. */
const TEXT_URL = /\b(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`{}|\\^[\]]+/gi;
const TRAILING = /[.,;:!?'")\]>»”’]+$/;

export function findTextUrls(text: string, limit: number): string[] {
  const urls: string[] = [];
  for (const match of text.matchAll(TEXT_URL)) {
    if (urls.length >= limit) break;
    urls.push(match[0].replace(TRAILING, ''));
  }
  return urls;
}

/** A host name or URL standing alone, as anchor text that claims a destination. */
const DOMAIN_LIKE =
  /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^\s/@:]+@)?((?:[\p{L}\p{N}-]+\.)+\p{L}{2,})(?::\d+)?(?:[/?#]\S*)?$/iu;

export function claimedHost(anchorText: string): string | null {
  // Most anchor texts are words ("Click here"), with none of the dots a domain needs.
  if (!anchorText.includes('.')) return null;
  return DOMAIN_LIKE.exec(anchorText.trim())?.[1]?.toLowerCase() ?? null;
}
