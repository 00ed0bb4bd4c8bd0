import { createHash } from 'node:crypto';
import { randomToken } from '../queue/ids.js';

/**
 * Com-check and welcome tokens: a prefix naming the kind, then 26 characters of [a-z0-9] drawn
 * uniformly (26 × log2(36) ≈ 134 bits). Lower-case letters and digits survive every mail client,
 * quoting ("> "), quoted-printable and format=flowed unchanged, and fit on one short line.
 */
export type TokenKind = 'ping' | 'welcome';
const PREFIX: Record<TokenKind, string> = { ping: 'cc', welcome: 'ec' };
const BODY_LENGTH = 26;

export function newToken(kind: TokenKind): string {
  return `${PREFIX[kind]}-${randomToken(BODY_LENGTH)}`;
}

/** What the store keeps instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token.toLowerCase(), 'utf8').digest('hex');
}

const TOKEN_RE = /(?<![a-z0-9-])(?:cc|ec)-[a-z0-9]{26}(?![a-z0-9])/g;
/** A reply quotes the token once or twice; more candidates than this is noise (or an attack). */
export const MAX_TOKENS_PER_REPLY = 16;

/** Token-shaped strings in the texts of a reply, lower-cased, distinct, in order of appearance. */
export function findTokens(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    for (const m of t.toLowerCase().matchAll(TOKEN_RE)) {
      if (!out.includes(m[0])) out.push(m[0]);
      if (out.length >= MAX_TOKENS_PER_REPLY) return out;
    }
  }
  return out;
}
