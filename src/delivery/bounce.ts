/**
 * Reading what arrives at a VERP address: a delivery status notification (RFC 3464 inside an
 * RFC 6522 multipart/report, or RFC 6533's global variant), a bounce in an MTA's own words, or an
 * auto-reply that is no bounce at all.
 *
 * Bounces are unauthenticated mail from strangers. The envelope recipient's VERP token says which
 * delivery a bounce is about (parseVerp); nothing in the body is trusted for that. This module only
 * says how bad it is. It reads at most the first 256 KiB and never throws: anything it cannot make
 * sense of is kind 'unknown'.
 *
 * Order matters: reports and recognised MTA texts come first, because Postfix and Exim mark their
 * bounces `Auto-Submitted: auto-replied` too (standards.md §8: handle bounces before any
 * auto-reply filter).
 */
import { readTextBounce, statusFromText, type TextBounce } from './bounce-text.js';
import { contentType, decodeBody, decodeWords, normalizeNewlines, parseEntity, parseFields, splitMultipart, type Entity } from './mime-lite.js';
import { oneLine } from './text.js';

export { parseVerp, verpAddress } from './verp.js';

export type BounceKind = 'hard' | 'soft' | 'auto-reply' | 'unknown';

export interface BounceRecipient {
  /** Original-Recipient when the report has it (the address we sent to), else Final-Recipient. */
  address: string | null;
  /** failed, delayed, delivered, relayed, expanded (lower-cased), or '' when the report omits it. */
  action: string;
  /** RFC 3463 code; taken from the diagnostic when the Status field is missing. */
  status: string | null;
  /** One line, at most 300 characters. */
  diagnostic: string | null;
  remoteMta: string | null;
}

export interface BounceReport {
  /**
   * hard: a recipient failed with a 5.x.x status (or a plain bounce says the failure is permanent).
   * soft: delayed, or failed with 4.x.x (an MTA gave up after temporary failures: the address may
   * be fine). auto-reply: out-of-office and similar. unknown: none of these, including success DSNs.
   */
  kind: BounceKind;
  recipients: BounceRecipient[];
  /** What recognised it: 'dsn', 'qmail', 'exim-text', …, 'auto-submitted', 'subject', 'none', 'error'. */
  via: string;
}

export const MAX_BOUNCE_BYTES = 256 * 1024;
const MAX_PARTS = 64;
const MAX_DEPTH = 4;
const MAX_RECIPIENTS = 100;
const MAX_TEXT_CHARS = 64 * 1024;

export function parseBounce(raw: Uint8Array): BounceReport {
  try {
    return read(raw);
  } catch {
    return { kind: 'unknown', recipients: [], via: 'error' };
  }
}

function read(raw: Uint8Array): BounceReport {
  const text = normalizeNewlines(new TextDecoder('utf-8').decode(raw.subarray(0, MAX_BOUNCE_BYTES)));
  const top = parseEntity(text);
  const found = collect(top);

  if (found.status !== null) {
    const recipients = readDeliveryStatus(found.status);
    if (recipients.length > 0) return { kind: classify(recipients, 'hard'), recipients, via: 'dsn' };
  }
  const textBounce = readTextBounce(found.text.slice(0, MAX_TEXT_CHARS), saysItIsABounce(top));
  if (textBounce !== null) {
    const recipients = textBounce.recipients.map((r) => ({ ...r, remoteMta: null }));
    return { kind: classify(recipients, textBounce.permanent ? 'hard' : 'unknown'), recipients, via: textBounce.via };
  }
  const auto = autoReplyEvidence(top, found.reportType);
  if (auto !== null) return { kind: 'auto-reply', recipients: [], via: auto };
  return { kind: 'unknown', recipients: [], via: 'none' };
}

interface Found {
  /** Body of the first message/(global-)delivery-status part, transfer-decoded. */
  status: string | null;
  /** The first text/plain part (or the body of a single-part message), decoded. */
  text: string;
  /** report-type of the outermost multipart/report, lower-cased. */
  reportType: string | null;
}

function collect(top: Entity): Found {
  const found: Found = { status: null, text: '', reportType: null };
  let budget = MAX_PARTS;
  const visit = (entity: Entity, depth: number): void => {
    const ct = contentType(entity.headers);
    if (ct.type === 'message/delivery-status' || ct.type === 'message/global-delivery-status') {
      found.status ??= decodeBody(entity);
      return;
    }
    if (ct.type.startsWith('multipart/')) {
      if (ct.type === 'multipart/report' && found.reportType === null) {
        found.reportType = (ct.params.get('report-type') ?? '').toLowerCase();
      }
      const boundary = ct.params.get('boundary');
      if (boundary === undefined || boundary === '' || depth >= MAX_DEPTH) return;
      for (const part of splitMultipart(entity.body, boundary, budget)) {
        if (--budget < 0) return;
        visit(parseEntity(part), depth + 1);
      }
      return;
    }
    // The returned original (message/rfc822, text/rfc822-headers) is ours: never read it as a report.
    if (ct.type === 'text/plain' && found.text === '') found.text = decodeBody(entity);
  };
  visit(top, 0);
  return found;
}

/** Field groups separated by blank lines: first the per-message group, then one per recipient. */
function readDeliveryStatus(body: string): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  for (const group of body.split(/\n[ \t]*\n/)) {
    const f = parseFields(group.replace(/^\n+/, ''));
    const finalRcpt = f.get('final-recipient');
    const action = f.get('action');
    if (finalRcpt === undefined && action === undefined) continue;
    const diagnostic = f.get('diagnostic-code');
    const remoteMta = f.get('remote-mta');
    const status = /^\s*([245]\.\d{1,3}\.\d{1,3})\b/.exec(f.get('status') ?? '')?.[1] ?? (diagnostic ? statusFromText(afterType(diagnostic)) : null);
    out.push({
      address: addressField(f.get('original-recipient')) ?? addressField(finalRcpt),
      action: (action ?? '').trim().toLowerCase().split(/[\s(]/)[0] ?? '',
      status,
      diagnostic: diagnostic === undefined || diagnostic.trim() === '' ? null : oneLine(diagnostic),
      remoteMta: remoteMta === undefined || remoteMta.trim() === '' ? null : oneLine(afterType(remoteMta)),
    });
    if (out.length >= MAX_RECIPIENTS) break;
  }
  return out;
}

/** "rfc822; a@b", "RFC822;<a@b>", "utf-8; j\x{F6}rg@b" → the address, or null. */
function addressField(value: string | undefined): string | null {
  if (value === undefined) return null;
  const semi = value.indexOf(';');
  if (semi < 0) return null;
  const type = value.slice(0, semi).trim().toLowerCase();
  let addr = value.slice(semi + 1).trim().replace(/^<(.*)>$/, '$1').trim();
  if (type === 'utf-8') {
    // RFC 6533 embedded-unicode-char: \x{HEX}
    addr = addr.replace(/\\x\{([0-9A-Fa-f]{1,6})\}/g, (_m, hex: string) => {
      const cp = parseInt(hex, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    });
  }
  return addr === '' || /\s/.test(addr) ? null : oneLine(addr, 320);
}

function afterType(value: string): string {
  const semi = value.indexOf(';');
  return semi < 0 ? value : value.slice(semi + 1).trim();
}

/**
 * hard beats soft beats nothing; see BounceReport.kind. `failedWithoutCode` decides a failure that
 * carries no status: a DSN's "Action: failed" is final by itself (hard), a plain-text bounce counts
 * as hard only when its text says the error is permanent.
 */
function classify(recipients: readonly { action: string; status: string | null }[], failedWithoutCode: 'hard' | 'unknown'): BounceKind {
  let soft = false;
  for (const r of recipients) {
    if (r.action === 'delayed') {
      soft = true;
      continue;
    }
    // delivered, relayed, expanded: success reports are no bounce.
    if (r.action !== 'failed' && r.action !== '') continue;
    const cls = r.status?.charAt(0);
    if (cls === '5') return 'hard';
    if (cls === '4') soft = true;
    else if (r.action === 'failed' && failedWithoutCode === 'hard') return 'hard';
  }
  return soft ? 'soft' : 'unknown';
}

/** MAILER-DAEMON-ish sender or a bounce subject: lets the generic reader look for a reply code. */
function saysItIsABounce(top: Entity): boolean {
  const from = top.headers.get('from') ?? '';
  const subject = decodeWords(top.headers.get('subject') ?? '');
  return (
    /\b(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem))\b/i.test(from) ||
    /\b(?:undeliver(?:ed|able)|delivery (?:status notification|failure|failed|has failed)|returned mail|failure notice|mail delivery failed|non-?delivery)\b/i.test(subject)
  );
}

const OOO_SUBJECT =
  /^\s*(?:(?:re|aw|antw|sv|fw|fwd|wg)\s*:\s*)*(?:out of (?:the )?office\b|automatic reply\b|auto(?:matic)?[ -]?(?:reply|response)\b|autoreply\b|abwesenheitsnotiz\b|automatische antwort\b|r[ée]ponse automatique\b|respuesta autom[áa]tica\b|risposta automatica\b|(?:absence|absent|vacation|on vacation)\s*(?:[:(\-–]|$))/i;

function autoReplyEvidence(top: Entity, reportType: string | null): string | null {
  // A read receipt (RFC 8098) answers the member's client, not a delivery.
  if (reportType === 'disposition-notification') return 'mdn';
  const autoSubmitted = (top.headers.get('auto-submitted') ?? '').split(/[;(]/)[0]?.trim().toLowerCase() ?? '';
  if (autoSubmitted !== '' && autoSubmitted !== 'no') return 'auto-submitted';
  for (const name of ['x-autoreply', 'x-autorespond']) {
    const v = top.headers.get(name);
    if (v !== undefined && v.trim().toLowerCase() !== 'no') return name;
  }
  if (/^\s*auto[_-]reply\s*$/i.test(top.headers.get('precedence') ?? '')) return 'precedence';
  if (OOO_SUBJECT.test(decodeWords(top.headers.get('subject') ?? ''))) return 'subject';
  return null;
}
