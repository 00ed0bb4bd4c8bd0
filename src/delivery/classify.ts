/**
 * What the smarthost's answer (or the lack of one) means for one delivery: done, try again, or
 * give up. A rule table, first match wins, in the spirit of ZoneMTA's reply classification.
 *
 * Two convictions shape the table:
 * - Dropping a member's copy is worse than retrying it: anything unrecognised is temporary, and the
 *   queue lifetime (queue/backoff.ts) bounds how long that lasts.
 * - All our mail goes through one smarthost, so a refusal that is about *us* (authentication,
 *   relay permission, our envelope sender, TLS) would fail every copy for every member alike. Those
 *   are temporary and flagged operatorError, so an operator can fix the setup before mail is lost.
 * Otherwise RFC 5321 holds: a 5xx is permanent unless the reply itself says it is not.
 */
import { oneLine } from './text.js';

export type DeliveryKind = 'sent' | 'temporary' | 'permanent';

export interface DeliveryInput {
  /** The SMTP reply code, as nodemailer reports it (err.responseCode or the code of info.response). */
  responseCode?: number;
  /** The raw reply, possibly multi-line ("550-5.1.1 …\n550 5.1.1 …"). */
  response?: string;
  /** nodemailer's err.code (ECONNECTION, EAUTH, EENVELOPE …) or a Node system code (ECONNREFUSED …). */
  errorCode?: string;
  /** err.message, used for the log line when there is no reply. */
  message?: string;
}

export interface DeliveryClass {
  kind: DeliveryKind;
  /** One line, control characters removed, at most 300 characters. */
  reply: string;
  /** The RFC 3463 enhanced status code of the reply, when it had one. */
  enhanced?: string;
  /** Our own setup is wrong (credentials, relay permission, TLS …): tell the operator. */
  operatorError?: true;
  /** Name of the rule that decided, for logs and tests. */
  rule: string;
}

interface Facts {
  /** Basic reply code as three digits, or '' without a reply. */
  code: string;
  enhanced: string;
  /** Reply text without codes, lines joined; the error message when there was no reply. */
  text: string;
  error: string;
}

export interface ClassifyRule {
  name: string;
  kind: DeliveryKind;
  operatorError?: true;
  // Every matcher given must match.
  error?: RegExp;
  code?: RegExp;
  enhanced?: RegExp;
  text?: RegExp;
  unless?: RegExp;
}

const CONNECTION_ERRORS =
  /^(?:ECONNECTION|ETIMEDOUT|ESOCKET|EDNS|EPROTOCOL|ESTREAM|EABORT|EMAXLIMIT|EPROXY|ECONNREFUSED|ECONNRESET|ECONNABORTED|EHOSTUNREACH|EHOSTDOWN|ENETUNREACH|ENETDOWN|EPIPE|ENOTFOUND|EAI_AGAIN|EAI_FAIL|ENODATA|ESERVFAIL|ETIMEOUT)$/;
const TLS_ERRORS =
  /^(?:ETLS|ERR_TLS_\w+|ERR_SSL_\w+|CERT_\w+|UNABLE_TO_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)$/;

/**
 * The table. Order matters: specific operator-facing cases come before the reply classes, and the
 * 5xx exceptions before the general "5xx is permanent".
 */
export const RULES: readonly ClassifyRule[] = [
  // Credentials missing or refused: our configuration, never the recipient's fault.
  { name: 'auth-failed', kind: 'temporary', operatorError: true, error: /^(?:EAUTH|ENOAUTH|EOAUTH2)$/ },
  // Our settings contradict the server (REQUIRETLS unsupported, recipient cap, bad options, Node permissions).
  { name: 'client-config', kind: 'temporary', operatorError: true, error: /^(?:ECONFIG|EREQUIRETLS|EMAXRECIPIENTS|ERR_ACCESS_DENIED)$/ },
  // Certificates and TLS versions are fixed by people; plain network trouble shows up as ECONNECTION/ESOCKET.
  { name: 'tls-failed', kind: 'temporary', operatorError: true, error: TLS_ERRORS },
  // A 5xx greeting: the smarthost will not talk to us at all (blocked IP, no service for us).
  { name: 'greeting-refused', kind: 'temporary', operatorError: true, error: /^EPROTOCOL$/, code: /^5/ },
  // Nothing was refused: the connection failed. Comes before the reply classes because a reply
  // seen during connection set-up (greeting, EHLO) is about the session, not the message.
  { name: 'connection', kind: 'temporary', error: CONNECTION_ERRORS },

  // Replies about our own setup, 4xx or 5xx: temporary either way, but someone has to act.
  // 530 authentication/STARTTLS required, 534 mechanism too weak, 535 credentials invalid,
  // 538 encryption required for the mechanism; 5.7.8 is "authentication credentials invalid".
  // Not 5.7.9 alone: Yahoo uses it for policy rejections.
  { name: 'auth-reply', kind: 'temporary', operatorError: true, code: /^53[0458]$/ },
  { name: 'auth-reply', kind: 'temporary', operatorError: true, code: /^[45]/, enhanced: /^[45]\.7\.8$/ },
  {
    name: 'relay-denied',
    kind: 'temporary',
    operatorError: true,
    code: /^[45]/,
    text: /\brelay(?:ing)?\s+(?:access\s+)?(?:is\s+)?(?:denied|not\s+(?:permitted|allowed)|prohibited|refused)\b|\b(?:unable|not\s+permitted)\s+to\s+relay\b/i,
  },
  // Our envelope sender (a VERP address, its domain) refused or failed a callout: every copy would fail alike.
  { name: 'sender-refused', kind: 'temporary', operatorError: true, code: /^[45]/, text: /\bsender\s+(?:address\s+rejected|verify\s+failed)\b/i },
  { name: 'starttls-required', kind: 'temporary', operatorError: true, code: /^[45]/, text: /\bSTARTTLS\b/i },

  { name: 'accepted', kind: 'sent', code: /^2/ },
  { name: 'transient-reply', kind: 'temporary', code: /^4/ },
  // "Bad sequence of commands" is about the session's state, not the message (nodemailer agrees).
  { name: 'bad-sequence', kind: 'temporary', code: /^503$/ },

  // The enhanced code carries the server's own verdict; class 4 means "try again" whatever the basic code says.
  { name: 'enhanced-transient', kind: 'temporary', code: /^5/, enhanced: /^4\./ },
  // RFC 5321 §4.5.3.1.10: a 552 for "too many recipients" is really a 452.
  { name: 'too-many-recipients', kind: 'temporary', code: /^5/, enhanced: /^5\.5\.3$/ },
  { name: 'too-many-recipients', kind: 'temporary', code: /^552$/, text: /\btoo many recipients\b/i },
  // RFC 3463 calls these "persistent transient": X.2.2 mailbox full, X.3.1 mail system full,
  // X.4.5 congestion (Gmail's "daily sending quota exceeded" uses 5.4.5).
  { name: 'persistent-transient', kind: 'temporary', code: /^5/, enhanced: /^5\.(?:2\.2|3\.1|4\.5)$/ },
  {
    name: 'mailbox-full',
    kind: 'temporary',
    code: /^5/,
    text: /\b(?:mailbox\s+(?:is\s+)?full|over\s+quota|quota\s+exceeded|exceeded\s+(?:the\s+)?(?:storage|quota)|insufficient\s+(?:system\s+)?storage)\b/i,
  },
  // Greylisting or a busy server answered with the wrong class; the words say what it meant.
  // "Retrying will NOT succeed" and "permanently" keep a reply permanent.
  {
    name: 'says-try-later',
    kind: 'temporary',
    code: /^5/,
    text: /gr[ae]y-?list|\b(?:try|retry)\s+(?:again\s+)?later\b|\btemporar(?:y|ily)\b/i,
    unless: /\bpermanent(?:ly)?\b|\bwill\s+not\s+succeed\b|\bdo\s+not\s+retry\b/i,
  },
  { name: 'permanent-reply', kind: 'permanent', code: /^5/ },

  // nodemailer refused before talking (invalid address, no recipients, larger than the server's
  // SIZE, empty message): the same copy would be refused the same way on every try.
  { name: 'refused-locally', kind: 'permanent', error: /^(?:EENVELOPE|EMESSAGE)$/, code: /^$/ },
  // 1xx/3xx where a final reply was due: the session went wrong, not the message.
  { name: 'unexpected-reply', kind: 'temporary', code: /^[13]/ },
];

const FALLBACK: ClassifyRule = { name: 'unrecognised', kind: 'temporary' };

export function classifyDelivery(input: DeliveryInput): DeliveryClass {
  const facts = readFacts(input);
  const rule = RULES.find((r) => matches(r, facts)) ?? FALLBACK;
  const out: DeliveryClass = { kind: rule.kind, reply: replyLine(input, facts), rule: rule.name };
  if (facts.enhanced !== '') out.enhanced = facts.enhanced;
  if (rule.operatorError) out.operatorError = true;
  return out;
}

function matches(rule: ClassifyRule, f: Facts): boolean {
  if (rule.error && !rule.error.test(f.error)) return false;
  if (rule.code && !rule.code.test(f.code)) return false;
  if (rule.enhanced && !rule.enhanced.test(f.enhanced)) return false;
  if (rule.text && !rule.text.test(f.text)) return false;
  if (rule.unless && rule.unless.test(f.text)) return false;
  return true;
}

const CODE_PREFIX = /^([1-5]\d\d)(?:[ -]|$)/;
const ENHANCED_PREFIX = /^([245]\.\d{1,3}\.\d{1,3})(?=\s|$)/;

function readFacts(input: DeliveryInput): Facts {
  // Bounded before any regex runs: a hostile server can send megabytes of "reply".
  const lines = (input.response ?? '')
    .slice(0, 8192)
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const first = lines[0] ?? '';
  const fromReply = CODE_PREFIX.exec(first)?.[1] ?? '';
  const rc = input.responseCode;
  const code = rc !== undefined && Number.isInteger(rc) && rc >= 100 && rc <= 599 ? String(rc) : fromReply;
  const afterCode = fromReply === '' ? first : first.slice(4).trimStart();
  const enhanced = ENHANCED_PREFIX.exec(afterCode)?.[1] ?? '';
  const text = lines.length > 0 ? lines.map(stripCodes).join(' ') : (input.message ?? '').slice(0, 8192);
  return { code, enhanced, text: oneLine(text, 8192), error: input.errorCode ?? '' };
}

/** "550-5.1.1 double-checking" → "double-checking": continuation lines repeat the codes. */
function stripCodes(line: string): string {
  let rest = line;
  const c = CODE_PREFIX.exec(rest);
  if (c) rest = rest.slice(c[0].length).trimStart();
  const e = ENHANCED_PREFIX.exec(rest);
  if (e) rest = rest.slice(e[0].length).trimStart();
  return rest;
}

function replyLine(input: DeliveryInput, f: Facts): string {
  if ((input.response ?? '').trim() !== '') {
    return oneLine([f.code, f.enhanced, f.text].filter((s) => s !== '').join(' '));
  }
  const parts = [f.error, input.message ?? ''].filter((s) => s.trim() !== '');
  return oneLine(parts.length > 0 ? parts.join(': ') : 'no reply and no error');
}
