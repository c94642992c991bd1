import { describe, expect, it } from 'vitest';
import { skeleton } from '../../src/engine/text/confusables.ts';
import { revealText } from '../../src/engine/text/obfuscation.ts';
import { inspectUrl } from '../../src/engine/url/inspect-url.ts';
import { findLookalike } from '../../src/engine/url/lookalike.ts';

const PROTECTED = ['paypal.com', 'google.com', 'microsoft.com'];

function lookalikeOf(url: string) {
  const inspected = inspectUrl(url);
  if (inspected === null) throw new Error(`not a URL: ${url}`);
  return findLookalike(inspected, PROTECTED);
}

describe('one table of look-alike letters, read two ways', () => {
  it('reads Cyrillic і as i in running text, where the dot tells i from l', () => {
    expect(revealText('Cl\u0456ck h\u0435re')).toBe('Click here');
  });

  it('folds Cyrillic і, Latin i and l together in a domain skeleton, as a URL bar shows them', () => {
    expect(skeleton('\u0456')).toBe(skeleton('i'));
    expect(skeleton('m\u0456crosoft')).toBe(skeleton('microsoft'));
    expect(skeleton('paypa1')).toBe(skeleton('paypal'));
    expect(skeleton('rnicrosoft')).toBe(skeleton('microsoft'));
  });

  it('gives Armenian look-alikes the skeleton of the Latin word they imitate', () => {
    // Armenian օ (U+0585) for o: the same letters revealText already reads as Latin.
    expect(skeleton('g\u0585\u0585gle')).toBe(skeleton('google'));
    expect(lookalikeOf('https://g\u0585\u0585gle.com/login')).toEqual({
      target: 'google.com',
      kind: 'homoglyph',
    });
  });

  it('still finds Cyrillic homoglyphs of protected domains', () => {
    expect(lookalikeOf('https://\u0440\u0430ypal.com/')).toEqual({
      target: 'paypal.com',
      kind: 'homoglyph',
    });
  });
});
