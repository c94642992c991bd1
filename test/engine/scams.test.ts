import { describe, expect, it } from 'vitest';
import { hasJumbledSender, hasMalformedSender } from '../../src/engine/analyzers/headers.ts';
import { DEFAULT_ENGINE_OPTIONS, parseEmail } from '../../src/engine/index.ts';
import { findCryptoAddress } from '../../src/engine/text/crypto-address.ts';

async function fromAddress(address: string) {
  const raw = new TextEncoder().encode(
    `From: Someone <${address}>\nTo: recipient@example.org\nSubject: hi\n\nhello\n`,
  );
  return parseEmail({ raw }, DEFAULT_ENGINE_OPTIONS.limits);
}

describe('crypto-currency addresses', () => {
  it('finds Bitcoin, Ethereum and Tron addresses by their shape', () => {
    const addresses = [
      '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
      'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      '0x52908400098527886E0F7030069857D2E4169EE7',
      'TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW',
    ];
    for (const address of addresses) {
      expect(findCryptoAddress(`send 0.1 to ${address} today`), address).toBe(address);
    }
  });

  it('leaves alone hashes, identifiers and words of one case', () => {
    const honest = [
      'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 fixed it',
      'the id 1234567890123456789012345678 is a number',
      'see https://example.org/3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy/page',
      'TRANSFERRINGTHEFILESTOTHEMIRRORNOWXY',
      'token=3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
    ];
    for (const text of honest) expect(findCryptoAddress(text), text).toBeNull();
  });
});

describe('jumbled sender mailboxes', () => {
  it('flags mailbox names of randomly mixed case', async () => {
    for (const address of [
      'pYeBwWga@pier.example',
      'PREWMosE@eaux.example',
      'aNBytyNS@a.example',
    ]) {
      expect(hasJumbledSender(await fromAddress(address)), address).toBe(true);
    }
  });

  it('leaves alone names, joined words, acronyms and generated ids with digits', async () => {
    const honest = [
      'JohnSmith@example.org',
      'FOXSportsFLASH@mailings.example',
      'iPhoneSupport@example.org',
      'McDonald@example.org',
      'R-1-270241-3A9F193C@xmr3.example',
      'newsletter@example.org',
    ];
    for (const address of honest) {
      expect(hasJumbledSender(await fromAddress(address)), address).toBe(false);
    }
  });
});

describe('malformed sender addresses', () => {
  it('flags From addresses no one could answer', async () => {
    const broken = [
      'support@temurewards,com',
      "qvc6rd3j5sr3@'zgwrpeymvh.com",
      'no-reply@387467govbrcpf',
      'noreply@\u{1D5F8}\u{1D5EE}.de',
    ];
    for (const address of broken) {
      expect(hasMalformedSender(await fromAddress(address)), address).toBe(true);
    }
  });

  it("leaves alone ordinary, international and apostrophe'd addresses", async () => {
    const honest = [
      'newsletter@example.org',
      "O'Reilly.&.Associates@dogma.example.org",
      'info@müller.example.de',
      'a.b-c+tag@mail.sub.example.co.uk',
    ];
    for (const address of honest) {
      expect(hasMalformedSender(await fromAddress(address)), address).toBe(false);
    }
  });
});
