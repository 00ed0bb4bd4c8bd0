import { expect } from 'chai';
import { parseInlineText } from '../../../src/mime/inline.js';
import { expectMimeError } from './helpers.js';

const SIGNED = [
  '-----BEGIN PGP SIGNED MESSAGE-----',
  'Hash: SHA256',
  '',
  'TLP:GREEN',
  '- -----BEGIN not a real armor line',
  '- -TLP:RED dash-escaped',
  '-----BEGIN PGP SIGNATURE-----',
  '',
  'iHUEARYKAB0=',
  '-----END PGP SIGNATURE-----',
].join('\n');

describe('mime/parseInlineText', () => {
  it('decodes UTF-8 text without a signature', () => {
    const t = parseInlineText(Buffer.from('Grüße, TLP:AMBER\n'), 'utf-8');
    expect(t).to.deep.equal({ text: 'Grüße, TLP:AMBER\n', cleartextSigned: null, unsignedText: 'Grüße, TLP:AMBER', texts: ['Grüße, TLP:AMBER\n'] });
  });

  it('uses the charset of the part the block came in, and falls back to Latin-1 for invalid UTF-8', () => {
    expect(parseInlineText(Buffer.from('caf\xe9 TLP:RED', 'latin1'), 'iso-8859-1').text).to.equal('café TLP:RED');
    expect(parseInlineText(Buffer.from('caf\xe9 TLP:RED', 'latin1')).text).to.equal('café TLP:RED');
    expect(parseInlineText(Buffer.from('caf\xe9 TLP:RED', 'latin1'), 'us-ascii').text).to.equal('café TLP:RED');
  });

  it('honours a UTF-16 byte order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('TLP:RED', 'utf16le')]);
    expect(parseInlineText(le, 'utf-8').text).to.equal('TLP:RED');
  });

  it('returns a cleartext-signed block and its dash-unescaped text', () => {
    const t = parseInlineText(Buffer.from(`${SIGNED}\n`), null);
    expect(t.cleartextSigned).to.equal(SIGNED);
    expect(t.unsignedText).to.equal('');
    expect(t.texts[1]).to.include('-TLP:RED dash-escaped');
    expect(t.texts[1]).not.to.include('- -TLP');
  });

  it('reports text outside the signed block as unsigned', () => {
    const t = parseInlineText(Buffer.from(`Added by someone: TLP:CLEAR\n\n${SIGNED}\ntrailer\n`), 'utf-8');
    expect(t.cleartextSigned).to.equal(SIGNED);
    expect(t.unsignedText).to.equal('Added by someone: TLP:CLEAR\n\n\ntrailer');
    expect(t.texts[0]).to.include('TLP:CLEAR');
  });

  it('ignores a signed-message header that is not at a line start, or has no signature', () => {
    expect(parseInlineText(Buffer.from(`> ${SIGNED}`), 'utf-8').cleartextSigned).to.equal(null);
    expect(parseInlineText(Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\ntext only\n'), 'utf-8').cleartextSigned).to.equal(null);
  });

  it('enforces maxDecodedBytes', () => {
    expectMimeError(() => parseInlineText(Buffer.alloc(2000, 0x61), 'utf-8', { maxDecodedBytes: 1000 }), 'limit');
  });
});
