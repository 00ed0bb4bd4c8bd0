import type { MimeNode } from './tree.js';
import type { HeaderField } from './header-block.js';
import { isSevenBitPrintable, toCrlf } from './bytes.js';
import { MimeError } from './errors.js';
import { paramField, unstructuredField, checkField } from './header-encode.js';
import { stripControls } from './validate.js';

/** A MIME entity ready to be embedded elsewhere: its Content-* header lines and its body, untouched. */
export interface RawEntity {
  /** The entity's Content-* fields, each ending in CRLF; empty when it has none (then it is text/plain; charset=us-ascii). */
  contentHeaders: string;
  /** The body exactly as received (line ends as received; builders convert to CRLF). */
  body: Uint8Array;
}

/**
 * Only Content-* fields travel with an embedded entity: Subject, From and friends of the original
 * would otherwise turn up as bogus protected headers of a nested part, and anything else is
 * transport noise.
 */
export function rawEntity(node: MimeNode): RawEntity {
  let contentHeaders = '';
  for (const f of node.headers) {
    if (!f.name.startsWith('content-')) continue;
    contentHeaders += copyOrRebuild(node, f);
  }
  return { contentHeaders, body: node.src.subarray(node.bodyStart, node.end) };
}

/**
 * The original bytes (with CRLF line ends) when they are already clean 7-bit with short lines,
 * which is what every mail client writes. Otherwise the field is rebuilt from its parsed value so
 * that what we send keeps 7-bit headers and cannot carry a stray CR.
 */
function copyOrRebuild(node: MimeNode, f: HeaderField): string {
  const raw = node.src.subarray(f.start, f.end);
  if (isSevenBitPrintable(raw, true) && !hasBareCrOrLongLine(raw)) {
    try {
      return checkField(toCrlf(raw).toString('latin1')) + '\r\n';
    } catch {
      // fall through to the rebuild
    }
  }
  switch (f.name) {
    case 'content-type':
      return paramField('Content-Type', node.contentType.mediaType, writableParams(node.contentType.params)) + '\r\n';
    case 'content-disposition': {
      if (node.disposition.type === '') return '';
      // An unreadable disposition is written as attachment: the conservative reading for a reader's MUA.
      const type = /^[a-z0-9!#$&^_.+-]{1,60}$/.test(node.disposition.type) ? node.disposition.type : 'attachment';
      return paramField('Content-Disposition', type, writableParams(node.disposition.params)) + '\r\n';
    }
    case 'content-description':
      return unstructuredField('Content-Description', f.value) + '\r\n';
    case 'content-transfer-encoding':
      return `Content-Transfer-Encoding: ${safeToken(node.transferEncoding)}\r\n`;
    default:
      // Content-ID, Content-Language and the like carry no meaning we could rebuild reliably; a
      // broken one is dropped rather than copied.
      return '';
  }
}

/** Parameters whose names can be written at all; a garbled name cannot mean anything to a reader either. */
function writableParams(params: Readonly<Record<string, string>>): Array<[string, string]> {
  return Object.entries(params).filter(([k]) => /^[!#$%&'*+.^_`|~0-9a-z-]{1,60}$/.test(k) && !k.includes('*'));
}

function hasBareCrOrLongLine(raw: Buffer): boolean {
  let lineStart = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x0d && raw[i + 1] !== 0x0a) return true;
    if (b === 0x0a) {
      if (i - lineStart > 998) return true;
      lineStart = i + 1;
    }
  }
  return raw.length - lineStart > 998;
}

function safeToken(v: string): string {
  const t = stripControls(v);
  if (!/^[a-z0-9-]{1,40}$/.test(t)) throw new MimeError('malformed', 'Content-Transfer-Encoding is not valid');
  return t;
}
