import { MimeError } from './errors.js';
import { foldTokens, phraseTokens } from './header-encode.js';
import { isValidAddress } from './validate.js';

/**
 * The RFC 2919 list identifier for a list address: "csirt-nl@lists.example" → "csirt-nl.lists.example".
 * Derived from the address so it stays the same on every host; lowercased, as inbound List-Id is,
 * for loop checks against OuterHeaders.listId.
 */
export function listIdentifier(address: string): string {
  if (!isValidAddress(address)) throw new MimeError('unsafe-value', 'list address is not valid');
  const id = address.replace('@', '.').toLowerCase();
  if (id.length > 255) throw new MimeError('unsafe-value', 'List-Id is longer than 255 octets');
  return id;
}

/** `List-Id: "csirt-nl" <csirt-nl.lists.example>` (RFC 2919), folded, without the final CRLF. */
export function listIdHeader(name: string, address: string): string {
  return foldTokens('List-Id', [...phraseTokens(name), `<${listIdentifier(address)}>`]);
}

const URI = /^(?:mailto|https?):[!#-;=?-~]+$/i;

/** An RFC 2369 field (List-Post, List-Help, List-Owner): comma-separated URIs in angle brackets, leftmost preferred. */
export function listUriHeader(name: 'List-Post' | 'List-Help' | 'List-Owner' | 'List-Subscribe' | 'List-Unsubscribe' | 'List-Archive', uris: readonly string[]): string {
  if (uris.length === 0) throw new MimeError('unsafe-value', 'list URI field without URIs');
  const tokens = uris.map((u, i) => {
    if (!URI.test(u) || u.length > 500) throw new MimeError('unsafe-value', 'list URI is not valid');
    return `<${u}>${i < uris.length - 1 ? ',' : ''}`;
  });
  return foldTokens(name, tokens);
}
