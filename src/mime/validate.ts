/** Syntax checks shared by the parsers (which drop what fails) and the builders (which refuse it). */

/** Longest Message-ID we carry; RFC 5322 sets no bound, but one field line must stay under 998 octets. */
export const MAX_MESSAGE_ID_LENGTH = 250;

/**
 * `<left@right>` with printable ASCII only and none of the characters that would let a value
 * escape its angle brackets or its header (space, controls, <, >, quotes, backslash, comma, parentheses).
 */
const MESSAGE_ID = /^<[^\s<>"\\(),;@\x00-\x1f\x7f-\uffff]+@[^\s<>"\\(),;@\x00-\x1f\x7f-\uffff]+>$/;

export function isValidMessageId(id: string): boolean {
  return id.length <= MAX_MESSAGE_ID_LENGTH && MESSAGE_ID.test(id);
}

/**
 * A plain dot-atom address as list members and list addresses use them. Quoted local parts,
 * domain literals and raw UTF-8 (SMTPUTF8) are refused: nothing we send needs them, and every one
 * is a way to smuggle a character into a header.
 */
const ADDRESS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

export function isValidAddress(address: string): boolean {
  return address.length <= 254 && ADDRESS.test(address);
}

/** Replaces every control character (C0, DEL, C1, Unicode line/paragraph separators) with a space and trims. */
export function stripControls(s: string): string {
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, ' ').replace(/ {2,}/g, ' ').trim();
}
