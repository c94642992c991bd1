/**
 * Crypto-currency addresses written in a text: where scams ask the money to go ("send 0.1 BTC
 * to bc1q..."). Shapes only, no checksum: a Bitcoin address (legacy base58 starting 1 or 3,
 * or bech32 `bc1`), an Ethereum address (`0x` and 40 hex digits) or a Tron address (`T` and 33
 * base58 letters). A base58 run must mix capitals, small letters and digits, which words,
 * identifiers and hashes written in one case do not.
 */

const ADDRESS =
  /(?<![\w/=+.-])(?:bc1[02-9ac-hj-np-z]{38,58}|0x[0-9a-fA-F]{40}|[13][1-9A-HJ-NP-Za-km-z]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33})(?![\w/=+.-])/g;
const HAS_UPPER = /[A-Z]/;
const HAS_LOWER = /[a-z]/;
const HAS_DIGIT = /[0-9]/;

/** The first crypto-currency address in `text`, or null. */
export function findCryptoAddress(text: string): string | null {
  ADDRESS.lastIndex = 0;
  for (let match = ADDRESS.exec(text); match !== null; match = ADDRESS.exec(text)) {
    const [address] = match;
    if (address.startsWith('bc1') || address.startsWith('0x')) return address;
    const base58 = address.slice(1);
    if (HAS_UPPER.test(base58) && HAS_LOWER.test(base58) && HAS_DIGIT.test(base58)) {
      return address;
    }
  }
  return null;
}
