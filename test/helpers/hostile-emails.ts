/**
 * Emails built to hurt a parser or a scanner: deep MIME nesting, attachment
 * floods, archive bombs. Shared by the MIME-scan unit tests and the security suite.
 */
import { deflateZeros, rawZip } from '../engine/attachment-helpers.ts';

const MIB = 1024 * 1024;

/** A message whose multiparts nest `levels` deep, with a text part at the bottom. */
export function nestedMultiparts(levels: number): string {
  const parts = [
    'From: a@example.org\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n',
  ];
  for (let i = 1; i < levels; i++) {
    parts.push(`--b${i - 1}\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n`);
  }
  parts.push(`--b${levels - 1}\r\nContent-Type: text/plain\r\n\r\nhello\r\n`);
  for (let i = levels - 1; i >= 0; i--) parts.push(`--b${i}--\r\n`);
  return parts.join('');
}

/** A message with a text part and `count` small PDF attachments. */
export function withAttachments(count: number): string {
  const parts = ['From: a@example.org\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n'];
  parts.push('--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n');
  for (let i = 0; i < count; i++) {
    parts.push(
      `--x\r\nContent-Type: application/pdf; name="f${i}.pdf"\r\nContent-Disposition: attachment;\r\n filename="f${i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n`,
    );
  }
  parts.push('--x--\r\n');
  return parts.join('');
}

/**
 * An invoice mail with a zip that declares 1 KiB but inflates to 200 MiB, and
 * one that admits 200 MiB: each a few hundred KiB on the wire.
 */
export function zipBombEmail(): string {
  const liar = rawZip([
    { name: 'invoice.pdf', data: deflateZeros(200 * MIB), method: 8, uncompressedSize: 1024 },
  ]);
  const honest = rawZip([
    { name: 'zeros.bin', data: deflateZeros(200 * MIB), method: 8, uncompressedSize: 200 * MIB },
  ]);
  const attach = (name: string, zip: Uint8Array) =>
    `--bomb\r\nContent-Type: application/zip; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(
      zip,
    )
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n')}\r\n`;
  return [
    'From: Billing <billing@example.net>\r\nTo: ap@example.com\r\nSubject: Invoice 2291\r\n',
    'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="bomb"\r\n\r\n',
    '--bomb\r\nContent-Type: text/plain\r\n\r\nPlease find the invoice attached.\r\n',
    attach('invoice.zip', liar),
    attach('archive.zip', honest),
    '--bomb--\r\n',
  ].join('');
}
