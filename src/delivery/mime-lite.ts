/**
 * Just enough MIME to read delivery reports: header blocks, multipart splitting, the two transfer
 * encodings and RFC 2047 words. Not mailparser, because parseBounce is synchronous and must keep
 * the raw text of the message/delivery-status part, which is itself a header-like block that a
 * general parser hands back as an opaque attachment. Everything here is bounded and total: bad
 * input yields empty or partial results, never an exception the caller has to expect.
 */

export interface Headers {
  /** First value of a field, unfolded; names compared case-insensitively. */
  get(name: string): string | undefined;
}

export interface Entity {
  headers: Headers;
  body: string;
}

export interface ContentType {
  /** "type/subtype", lower-cased; text/plain when missing or unreadable (RFC 2045 default). */
  type: string;
  params: Map<string, string>;
}

const MAX_HEADER_FIELDS = 500;
const MAX_HEADER_CHARS = 64 * 1024;

/** Text with LF line ends only: bounces arrive with CRLF, LF or (rarely) bare CR. */
export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Splits header block and body at the first empty line. Expects LF line ends. */
export function parseEntity(text: string): Entity {
  const end = findHeaderEnd(text);
  const block = text.slice(0, Math.min(end.headerEnd, MAX_HEADER_CHARS));
  return { headers: parseFields(block), body: text.slice(end.bodyStart) };
}

function findHeaderEnd(text: string): { headerEnd: number; bodyStart: number } {
  if (text.startsWith('\n')) return { headerEnd: 0, bodyStart: 1 };
  const i = text.indexOf('\n\n');
  return i < 0 ? { headerEnd: text.length, bodyStart: text.length } : { headerEnd: i, bodyStart: i + 2 };
}

/** Header-style fields (also the field groups of a delivery-status part). Folded lines are joined. */
export function parseFields(block: string): Headers {
  const fields = new Map<string, string>();
  let name: string | null = null;
  let value = '';
  let count = 0;
  const flush = (): void => {
    if (name !== null && !fields.has(name)) fields.set(name, value.replace(/\s+/g, ' ').trim());
    name = null;
  };
  for (const line of block.split('\n')) {
    if (/^[ \t]/.test(line)) {
      if (name !== null) value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const m = /^([!-9;-~]+)[ \t]*:(.*)$/.exec(line);
    if (!m?.[1] || ++count > MAX_HEADER_FIELDS) continue;
    name = m[1].toLowerCase();
    value = m[2] ?? '';
  }
  flush();
  return { get: (n) => fields.get(n.toLowerCase()) };
}

export function contentType(headers: Headers): ContentType {
  const raw = headers.get('content-type') ?? '';
  const m = /^\s*([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)\s*(.*)$/i.exec(raw);
  if (!m?.[1]) return { type: 'text/plain', params: new Map() };
  const params = new Map<string, string>();
  const re = /;\s*([a-z0-9!#$&^_.+*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi;
  for (const p of (m[2] ?? '').matchAll(re)) {
    const key = p[1]?.toLowerCase();
    if (key !== undefined && !params.has(key)) params.set(key, p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? ''));
  }
  return { type: m[1].toLowerCase(), params };
}

/** The bodies between `--boundary` lines; the preamble and epilogue are dropped. */
export function splitMultipart(body: string, boundary: string, maxParts: number): string[] {
  const open = `--${boundary}`;
  const close = `--${boundary}--`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    const bare = line.trimEnd();
    if (bare === close) break;
    if (bare === open) {
      if (current !== null) parts.push(current.join('\n'));
      if (parts.length >= maxParts) return parts;
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current !== null) parts.push(current.join('\n'));
  return parts;
}

/** Body as text, after its Content-Transfer-Encoding and charset. */
export function decodeBody(entity: Entity): string {
  const cte = (entity.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const charset = contentType(entity.headers).params.get('charset') ?? 'utf-8';
  if (cte === 'base64') return decodeBytes(Buffer.from(entity.body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  if (cte === 'quoted-printable') return decodeBytes(qpBytes(entity.body), charset);
  return entity.body;
}

function qpBytes(text: string): Uint8Array {
  const soft = text.replace(/=[ \t]*\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      out.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      // Already-decoded text (the message was read as UTF-8): keep the character as UTF-8.
      const ch = String.fromCodePoint(soft.codePointAt(i) ?? 0xfffd);
      out.push(...Buffer.from(ch, 'utf8'));
      i += ch.length - 1;
    }
  }
  return Uint8Array.from(out);
}

export function decodeBytes(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    // Unknown charset label: UTF-8 with replacement characters still shows the ASCII we look for.
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** RFC 2047 encoded words in a header value ("=?UTF-8?Q?Abwesenheitsnotiz?="). */
export function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g, (_all, charset: string, enc: string, data: string) => {
      const cs = charset.split('*')[0] ?? 'utf-8';
      if (enc.toUpperCase() === 'B') return decodeBytes(Buffer.from(data, 'base64'), cs);
      return decodeBytes(qpBytes(data.replace(/_/g, ' ')), cs);
    });
}
