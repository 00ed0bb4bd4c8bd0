import { MimeError } from './errors.js';
import type { Budget } from './limits.js';
import type { HeaderField } from './header-block.js';
import { parseHeaderBlock } from './header-block.js';
import type { ContentType, Disposition } from './content-type.js';
import { DEFAULT_CONTENT_TYPE, parseContentType, parseDisposition, parseTransferEncoding } from './content-type.js';
import { transferDecode } from './decode.js';

/**
 * One MIME entity with its exact position in the bytes it came from. Offsets, not copies: the
 * signed part of a multipart/signed and the embedded original content are sliced out of the
 * source unchanged, which re-serialising a parsed tree could never guarantee.
 */
export interface MimeNode {
  /** The buffer the offsets refer to (an encoded message/rfc822 gets a decoded buffer of its own). */
  src: Buffer;
  start: number;
  end: number;
  bodyStart: number;
  headers: HeaderField[];
  contentType: ContentType;
  disposition: Disposition;
  /** Lowercased Content-Transfer-Encoding, "7bit" when absent. */
  transferEncoding: string;
  /** 1 for the top-level entity. */
  level: number;
  /** Multipart children, or the single encapsulated message of a message/rfc822 part. */
  children: MimeNode[];
}

const DIGEST_DEFAULT: ContentType = Object.freeze({
  mediaType: 'message/rfc822',
  type: 'message',
  subtype: 'rfc822',
  params: Object.freeze({}),
  raw: '',
});

const ENCAPSULATING = new Set(['message/rfc822', 'message/global']);

/**
 * Parses the whole entity tree without recursion, so 10,000 levels of nesting cost a loop and a
 * MimeError at level maxDepth+1, never a stack overflow. Every entity counts against maxParts.
 */
export function parseTree(src: Buffer, budget: Budget): MimeNode {
  budget.addPart();
  const root = readEntity(src, 0, src.length, 1, DEFAULT_CONTENT_TYPE, budget);
  const pending: MimeNode[] = [root];
  while (pending.length > 0) {
    const node = pending.pop() as MimeNode;
    if (node.contentType.type === 'multipart') {
      const childDefault = node.contentType.subtype === 'digest' ? DIGEST_DEFAULT : DEFAULT_CONTENT_TYPE;
      for (const [start, end] of splitMultipart(node, budget)) {
        budget.checkDepth(node.level + 1);
        const child = readEntity(node.src, start, end, node.level + 1, childDefault, budget);
        node.children.push(child);
        pending.push(child);
      }
    } else if (ENCAPSULATING.has(node.contentType.mediaType)) {
      budget.checkDepth(node.level + 1);
      budget.addPart();
      // RFC 2046 §5.2.1 allows only identity encodings here; some clients base64 it anyway, and
      // a reader's MUA will still show it, so the content is decoded rather than skipped.
      const identity = node.transferEncoding === '7bit' || node.transferEncoding === '8bit' || node.transferEncoding === 'binary';
      const inner = identity ? node.src.subarray(0, node.end) : transferDecode(node, budget);
      const child = readEntity(inner, identity ? node.bodyStart : 0, inner.length, node.level + 1, DEFAULT_CONTENT_TYPE, budget);
      node.children.push(child);
      pending.push(child);
    }
  }
  return root;
}

function readEntity(src: Buffer, start: number, end: number, level: number, fallback: ContentType, budget: Budget): MimeNode {
  const block = parseHeaderBlock(src, start, end, budget.limits.maxHeaderBytes);
  return {
    src,
    start,
    end,
    bodyStart: block.bodyStart,
    headers: block.fields,
    contentType: parseContentType(block.fields, fallback),
    disposition: parseDisposition(block.fields),
    transferEncoding: parseTransferEncoding(block.fields),
    level,
    children: [],
  };
}

const DASH = 0x2d;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Splits a multipart body into the byte ranges of its parts (RFC 2046 §5.1.1). A delimiter line is
 * "--boundary", optionally "--", then only linear whitespace: a line that merely starts with the
 * boundary is content (Python's email package reads it the same way). The line end before a
 * delimiter belongs to the delimiter, so it is not part of the preceding part.
 *
 * The search is a native indexOf for the delimiter, not a walk over lines in JavaScript: every
 * nesting level scans its body once, so the cost is maxDepth native scans of the input at most.
 */
function splitMultipart(node: MimeNode, budget: Budget): Array<[number, number]> {
  const boundary = node.contentType.params['boundary'];
  if (boundary === undefined || boundary.length === 0 || boundary.length > 200 || /[\r\n]/.test(boundary)) {
    throw new MimeError('malformed', 'MIME multipart without a usable boundary');
  }
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const { src, end, bodyStart } = node;
  const view = src.subarray(0, end);
  const parts: Array<[number, number]> = [];
  let partStart = -1;
  let closed = false;
  let pos = bodyStart;
  while (pos < end) {
    const at = view.indexOf(delim, pos);
    if (at === -1) break;
    const next = at > bodyStart && src[at - 1] !== LF ? -1 : delimiterLineEnd(src, at + delim.length, end);
    if (next === -1) {
      // Not a delimiter line; the next candidate can only start on a following line.
      const lf = view.indexOf(LF, at);
      if (lf === -1) break;
      pos = lf + 1;
      continue;
    }
    const close = src[at + delim.length] === DASH && src[at + delim.length + 1] === DASH;
    if (partStart !== -1) {
      let partEnd = at;
      if (partEnd > partStart && src[partEnd - 1] === LF) partEnd--;
      if (partEnd > partStart && src[partEnd - 1] === CR) partEnd--;
      parts.push([partStart, partEnd]);
      budget.addPart();
    }
    if (close) {
      closed = true;
      break;
    }
    partStart = next;
    pos = next;
  }
  if (!closed && partStart !== -1) {
    // A missing close delimiter (truncated mail) is common enough to tolerate: the last part runs to the end.
    parts.push([partStart, end]);
    budget.addPart();
  }
  if (parts.length === 0) throw new MimeError('malformed', 'MIME multipart without any part');
  return parts;
}

/** After "--boundary": optional "--", linear whitespace, then a line end. Returns where the next line starts, or -1. */
function delimiterLineEnd(src: Buffer, from: number, end: number): number {
  let i = from;
  if (i + 1 < end && src[i] === DASH && src[i + 1] === DASH) i += 2;
  while (i < end && (src[i] === 0x20 || src[i] === 0x09)) i++;
  if (i === end) return end;
  if (src[i] === LF) return i + 1;
  if (src[i] === CR && (i + 1 === end || src[i + 1] === LF)) return Math.min(i + 2, end);
  return -1;
}
