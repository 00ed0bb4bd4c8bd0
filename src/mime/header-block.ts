import { MimeError } from './errors.js';
import { decodeHeaderBytes, lines } from './bytes.js';

/** One header field as found in the source bytes. */
export interface HeaderField {
  /** Lowercased field name. */
  name: string;
  /** Unfolded value, trimmed, controls replaced by spaces; RFC 2047 words are not decoded here. */
  value: string;
  /** Offset of the field's first byte. */
  start: number;
  /** Offset just past the field's last content byte (its final line end excluded). */
  end: number;
}

export interface HeaderBlock {
  fields: HeaderField[];
  /** Where the body starts: after the blank line, or at the first line that is not a header field. */
  bodyStart: number;
}

const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;

/**
 * Reads the header section of the entity starting at `start`. Like Python's feedparser and most
 * MUAs, a line that is neither a field nor a continuation ends the header section and starts the
 * body; that keeps such text where body scanning (TLP labels) will see it instead of dropping it.
 */
export function parseHeaderBlock(buf: Buffer, start: number, end: number, maxHeaderBytes: number): HeaderBlock {
  const fields: HeaderField[] = [];
  let current: { nameEnd: number; start: number; end: number; name: string } | null = null;
  const flush = (): void => {
    if (current === null) return;
    fields.push({ name: current.name, value: unfold(buf, current.nameEnd + 1, current.end), start: current.start, end: current.end });
    current = null;
  };

  for (const line of lines(buf, start, end)) {
    if (line.next - start > maxHeaderBytes && line.contentEnd !== line.start) {
      throw new MimeError('limit', `MIME header section larger than ${maxHeaderBytes} bytes`);
    }
    if (line.contentEnd === line.start) {
      flush();
      return { fields, bodyStart: line.next };
    }
    const first = buf[line.start];
    if (first === SP || first === HT) {
      if (current === null) return { fields, bodyStart: line.start };
      current.end = line.contentEnd;
      continue;
    }
    const nameEnd = fieldNameEnd(buf, line.start, line.contentEnd);
    if (nameEnd === -1) {
      flush();
      return { fields, bodyStart: line.start };
    }
    flush();
    current = {
      name: buf.toString('latin1', line.start, nameEnd).trimEnd().toLowerCase(),
      nameEnd: buf.indexOf(COLON, nameEnd),
      start: line.start,
      end: line.contentEnd,
    };
  }
  flush();
  return { fields, bodyStart: end };
}

/** Returns the end of a valid field name (RFC 5322 ftext, optional WSP before the colon as in obs-syntax), or -1. */
function fieldNameEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const b = buf[i] as number;
    if (b === COLON || b === SP || b === HT) break;
    if (b < 33 || b > 126) return -1;
    i++;
  }
  if (i === start) return -1;
  const nameEnd = i;
  while (i < end && (buf[i] === SP || buf[i] === HT)) i++;
  return i < end && buf[i] === COLON ? nameEnd : -1;
}

function unfold(buf: Buffer, from: number, to: number): string {
  const raw = decodeHeaderBytes(buf.subarray(from, to));
  // Unfolding removes the line break and keeps the whitespace after it (RFC 5322 §2.2.3);
  // any other control character can only be hostile and must not survive into a value.
  return raw.replace(/\r?\n(?=[ \t])/g, '').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ' ').trim();
}

export function fieldsNamed(fields: readonly HeaderField[], name: string): HeaderField[] {
  return fields.filter((f) => f.name === name);
}

/**
 * Fields that must occur at most once. Two Subjects or two Content-Types are a known trick to make
 * the checker and the reader's MUA see different things, so they are refused outright.
 */
export function single(fields: readonly HeaderField[], name: string): HeaderField | null {
  const found = fieldsNamed(fields, name);
  if (found.length > 1) throw new MimeError('malformed', `MIME header field ${canonicalName(name)} occurs more than once`);
  return found[0] ?? null;
}

const CANONICAL: Record<string, string> = {
  'message-id': 'Message-ID',
  'content-id': 'Content-ID',
  'mime-version': 'MIME-Version',
};

/** Field names for error sentences: only ever names we asked for, never names from the input. */
function canonicalName(name: string): string {
  return CANONICAL[name] ?? name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}
