import libqp from 'libqp';

/**
 * Text as quoted-printable UTF-8 with CRLF line ends: 7-bit, lines ≤ 76, trailing whitespace
 * encoded (RFC 3156 §3 canonical form for signed data), and "From " at a line start written as
 * "=46rom " so that no mbox-style transport can alter it and break the list signature.
 */
export function quotedPrintable(text: string): string {
  const crlf = text.replace(/\r\n|\r|\n/g, '\r\n');
  const qp = libqp.wrap(libqp.encode(Buffer.from(crlf, 'utf8')), 76);
  return qp.replace(/(^|\r\n)From /g, '$1=46rom ').replace(/(^|\r\n)\./g, '$1=2E');
}

export function base64Lines(data: Uint8Array): string {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
  return out.join('\r\n');
}
