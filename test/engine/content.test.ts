import { describe, expect, it } from 'vitest';
import { analyzeContent, DEFAULT_ENGINE_OPTIONS, parseEmail } from '../../src/engine/index.ts';
import { findObfuscation, isObfuscated, revealText } from '../../src/engine/text/obfuscation.ts';

const context = { options: DEFAULT_ENGINE_OPTIONS, ports: {} };

async function contentIds(subject: string, body: string): Promise<string[]> {
  const raw = new TextEncoder().encode(
    `From: Someone <someone@sender.example>\nTo: recipient@example.org\nSubject: ${subject}\nContent-Type: text/plain; charset=utf-8\n\n${body}\n`,
  );
  const email = await parseEmail({ raw }, DEFAULT_ENGINE_OPTIONS.limits);
  const output = await analyzeContent(email, context);
  return output.findings.map((f) => f.id);
}

describe('disguised words', () => {
  it('finds invisible characters between the letters of words', () => {
    const found = findObfuscation('Please V\u200be\u200cri\u200bfy your acc\u2060ount');
    expect(found.hiddenBreaks).toBe(4);
    expect(isObfuscated(found)).toBe(true);
  });

  it('finds Latin words written with look-alike letters of other alphabets', () => {
    expect(findObfuscation('Y\u0585ur \u051calle\u0442 is suspended').mixedWords).toEqual([
      'Y\u0585ur',
      '\u051calle\u0442',
    ]);
  });

  it('leaves alone what honest text does: units, other scripts, soft hyphens, emoji and padding', () => {
    const honest = [
      'Add 5 μmol of buffer and wait 10 μs.',
      'Привет, как дела? Καλημέρα.',
      'Versicherungs\u00adbedingungen',
      'Family 👨\u200d👩\u200d👧 photos',
      'Preview text\u200c\u00a0\u200c\u00a0\u200c\u00a0',
      'می\u200cخواهم',
    ];
    for (const text of honest) expect(isObfuscated(findObfuscation(text)), text).toBe(false);
  });

  it('reveals what the reader sees, for the phrase rules and the model', () => {
    expect(revealText('V\u200berify y\u043eur \u0430cc\u043eunt')).toBe('Verify your account');
    expect(revealText('nothing to see')).toBe('nothing to see');
  });

  it('reports disguised words, and still reads the phrase they spell', async () => {
    const ids = await contentIds(
      'Security notice',
      'Please v\u200be\u200bri\u200bfy your account today.',
    );
    expect(ids).toEqual(
      expect.arrayContaining(['content.obfuscated_text', 'content.credential_request']),
    );
  });

  it('does not report a single stray invisible character', async () => {
    expect(await contentIds('Minutes', 'The Micro\u200bsoft meeting moved to Tuesday.')).toEqual(
      [],
    );
  });
});

describe('reward lures', () => {
  it.each([
    ['Claim your free airdrop', 'Connect your wallet to claim your reward before it expires.'],
    ['Notification', 'You have won 2,500,000 USD in the annual lottery draw.'],
    ['Beneficiary', 'The unclaimed funds of your late relative await their next of kin.'],
  ])('reports "%s"', async (subject, body) => {
    expect(await contentIds(subject, body)).toContain('content.reward_lure');
  });

  it.each([
    ['Re: results', "You won't believe the benchmark numbers on the new FPGA image."],
    ['Contest', 'The winner of the photo contest gets a prize from our sponsors.'],
  ])('does not report "%s"', async (subject, body) => {
    expect(await contentIds(subject, body)).not.toContain('content.reward_lure');
  });
});
