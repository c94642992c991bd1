import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BRANDS, findBrandMentions, type Brand } from '../../src/engine/brands.ts';

/** The plain reading of the table: a brand is named when any of its mentions matches anywhere. */
function namedBrands(text: string): Brand[] {
  return BRANDS.filter((brand) =>
    brand.mentions.some((mention) =>
      typeof mention === 'string'
        ? new RegExp(`\\b${mention.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(text)
        : mention.test(text),
    ),
  );
}

const mentionTexts = BRANDS.flatMap((brand) =>
  brand.mentions.map((m) => (typeof m === 'string' ? m : m.source.replace(/\\b/g, ''))),
);

/** Mentions as written, in other cases, glued to letters or split by spaces and punctuation. */
const fragment = fc.oneof(
  fc.constantFrom(...mentionTexts),
  fc.constantFrom(...mentionTexts).map((m) => m.toUpperCase()),
  fc.constantFrom(...mentionTexts).map((m) => m.toLowerCase()),
  fc.constantFrom(' ', '  ', '.', 'x', '-', '\n', 'é', 'Micro', 'soft ', 'Apple', 'ID'),
  fc.string({ maxLength: 6 }),
);

describe('finding brand mentions', () => {
  it('names the brands whose mentions match, in table order', () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 80 }), (parts) => {
        const text = parts.join('');
        expect(findBrandMentions(text)).toEqual(namedBrands(text));
      }),
      { numRuns: 500 },
    );
  });

  it('finds them past many mentions of others', () => {
    const text = `${'Google '.repeat(100)}and PayPal, xDHL, UPS`;
    expect(findBrandMentions(text).map((b) => b.name)).toEqual(
      namedBrands(text).map((b) => b.name),
    );
    expect(findBrandMentions(text).map((b) => b.name)).toContain('PayPal');
  });
});
