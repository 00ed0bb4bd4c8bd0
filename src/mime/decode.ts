import libqp from 'libqp';
import iconv from 'iconv-lite';
import charsets from 'libmime/lib/charset.js';
import type { Budget } from './limits.js';
import type { MimeNode } from './tree.js';
import { isValidUtf8 } from './bytes.js';

/**
 * Undoes the Content-Transfer-Encoding of a node's body. Unknown encodings (x-uuencode, typos)
 * are returned raw: RFC 2045 §6.4 says to treat them as opaque, and scanning the raw bytes still
 * finds an ASCII label.
 */
export function transferDecode(node: MimeNode, budget: Budget): Buffer {
  const body = node.src.subarray(node.bodyStart, node.end);
  switch (node.transferEncoding) {
    case 'base64':
      budget.spend(Math.ceil((body.length * 3) / 4));
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      budget.spend(body.length);
      return libqp.decode(body);
    default:
      return body;
  }
}

/** Decoded size without allocating, for attachment metadata. */
export function decodedSize(node: MimeNode, budget: Budget): number {
  const body = node.src.subarray(node.bodyStart, node.end);
  if (node.transferEncoding === 'base64') {
    let chars = 0;
    for (const b of body) {
      if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b || b === 0x2f) chars++;
    }
    return Math.floor((chars * 3) / 4);
  }
  if (node.transferEncoding === 'quoted-printable') return transferDecode(node, budget).length;
  return body.length;
}

const UTF7 = new Set(['utf-7', 'utf7', 'unicode-1-1-utf-7', 'csunicode11utf7']);

/**
 * Bytes to text, the way a reader's MUA would show them: a BOM wins, then the declared charset.
 * Undeclared or US-ASCII text with 8-bit bytes is read as UTF-8 when valid, else Latin-1, so a
 * mislabelled part still yields its ASCII (and so its TLP label). UTF-7, which libmime refuses,
 * is decoded with iconv-lite because a label can be hidden in its base64 runs.
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined, budget: Budget): string {
  budget.spend(bytes.length);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.toString('utf8', 3);
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return iconv.decode(buf.subarray(2), 'utf-16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return iconv.decode(buf.subarray(2), 'utf-16be');
  const cs = (charset ?? '').trim().toLowerCase();
  if (UTF7.has(cs)) return iconv.decode(buf, 'utf7');
  if (cs === '' || cs === 'us-ascii' || cs === 'ascii' || cs === 'utf-8' || cs === 'utf8') {
    return isValidUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
  }
  return charsets.decode(buf, cs);
}

/**
 * What an HTML part shows, approximately: comments and tags removed (without inserting spaces, so
 * "TLP:<b>RED</b>" reads "TLP:RED"), character references decoded. Hand-written and linear,
 * because regular expressions over unclosed "<!--" runs go quadratic on hostile input.
 */
export function htmlVisibleText(html: string): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close === -1 ? html.length : close + 3;
    } else {
      const gt = html.indexOf('>', lt + 1);
      if (gt === -1) {
        out += html.slice(lt);
        break;
      }
      i = gt + 1;
    }
  }
  return decodeEntities(out);
}

/** HTML named references that stand for ASCII characters; other named references cannot spell a label. */
const NAMED: Record<string, string> = {
  Tab: '\t', NewLine: '\n', excl: '!', quot: '"', QUOT: '"', num: '#', dollar: '$', percnt: '%', amp: '&', AMP: '&',
  apos: "'", lpar: '(', rpar: ')', ast: '*', midast: '*', plus: '+', comma: ',', period: '.', sol: '/', colon: ':',
  semi: ';', lt: '<', LT: '<', equals: '=', gt: '>', GT: '>', quest: '?', commat: '@', lsqb: '[', lbrack: '[',
  bsol: '\\', rsqb: ']', rbrack: ']', Hat: '^', lowbar: '_', UnderBar: '_', grave: '`', DiacriticalGrave: '`',
  lcub: '{', lbrace: '{', verbar: '|', vert: '|', VerticalLine: '|', rcub: '}', rbrace: '}', nbsp: '\u00a0',
  NonBreakingSpace: '\u00a0', hyphen: '\u2010', dash: '\u2010', ndash: '\u2013', mdash: '\u2014', shy: '',
};

function decodeEntities(s: string): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,20});?/g, (m: string, body: string) => {
    if (body.startsWith('#')) {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
    }
    return Object.prototype.hasOwnProperty.call(NAMED, body) ? (NAMED[body] as string) : m;
  });
}
