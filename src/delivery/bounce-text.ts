/**
 * Bounces without a machine-readable report: the human text of qmail (QSBMF), Postfix, Exim and
 * Exchange. Each recogniser needs its MTA's fixed opening sentence before it reads anything, so a
 * member's reply that merely quotes an address and an SMTP code is never taken for a bounce.
 */
import { oneLine } from './text.js';

export interface TextRecipient {
  address: string | null;
  action: 'failed' | 'delayed';
  status: string | null;
  diagnostic: string | null;
}

export interface TextBounce {
  via: 'qmail' | 'postfix-text' | 'exim-text' | 'exchange-text' | 'generic-text';
  recipients: TextRecipient[];
  /** The text says the failure is permanent, so a recipient without a code is still a hard bounce. */
  permanent: boolean;
}

const MAX_RECIPIENTS = 100;
const ADDRESS = /[^\s<>@"'(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+/;

/** Where the returned copy of our own message starts: nothing after it is the MTA's text. */
const RETURNED_COPY =
  /^(?:--- Below this line is a copy of the message\.|------ This is a copy of the message|--- Returned message follows ---|Original message headers:|-{2,} ?(?:Original message|Undelivered message|The original message))/im;

export function stripReturnedCopy(text: string): string {
  const m = RETURNED_COPY.exec(text);
  return m ? text.slice(0, m.index) : text;
}

/**
 * The status an SMTP reply quoted in free text implies: its enhanced code, else the basic code's
 * class as X.0.0 (RFC 3463 "other or undefined status").
 */
export function statusFromText(text: string): string | null {
  // Not inside an IP address: "5.9.10.20" must not read as status 5.9.10.
  const enhanced = /(?:^|[\s#(;'"])([245]\.\d{1,3}\.\d{1,3})(?=$|[\s)'";,>]|\.(?!\d))/.exec(text);
  if (enhanced?.[1]) return enhanced[1];
  const basic = /(?:^|[\s#(;'"])([245])\d\d(?=$|[\s-])/.exec(text);
  return basic?.[1] ? `${basic[1]}.0.0` : null;
}

export function readTextBounce(fullText: string, looksLikeBounce: boolean): TextBounce | null {
  const text = stripReturnedCopy(fullText);
  if (/^\s*Hi\. This is the qmail-send program/.test(text)) return qmail(text);
  if (/^\s*This is the (?:mail system|Postfix program) at host /m.test(text)) return postfix(text);
  if (/This message was created automatically by mail delivery software/.test(text)) return exim(text);
  if (/Delivery has failed to these recipients or groups|couldn't be delivered\.|The following recipient\(s\) cannot be reached|did not reach some or all of the intended recipients/i.test(text)) {
    return exchange(text);
  }
  return looksLikeBounce ? generic(text) : null;
}

/** QSBMF: the intro paragraph, then one paragraph per recipient starting "<address>:". */
function qmail(text: string): TextBounce {
  const intro = paragraphs(text)[0] ?? '';
  const delayed = /\b(?:keep trying|will keep|warning message|not yet been delivered)\b/i.test(intro);
  return {
    via: 'qmail',
    recipients: angleParagraphs(text, delayed ? 'delayed' : 'failed'),
    permanent: /\bpermanent error\b/i.test(intro),
  };
}

function postfix(text: string): TextBounce {
  const delayed = /THIS IS A WARNING ONLY/.test(text);
  return { via: 'postfix-text', recipients: angleParagraphs(text, delayed ? 'delayed' : 'failed'), permanent: !delayed };
}

/** Exim: addresses indented by two spaces, each followed by its deeper-indented explanation. */
function exim(text: string): TextBounce {
  const delayed = /has not yet been delivered|have yet to be delivered|delayed/i.test(text.slice(0, 2000));
  const recipients: TextRecipient[] = [];
  let current: { address: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (current === null || recipients.length >= MAX_RECIPIENTS) return;
    const diagnostic = current.lines.join(' ');
    recipients.push({
      address: current.address,
      action: delayed ? 'delayed' : 'failed',
      status: statusFromText(diagnostic),
      diagnostic: diagnostic === '' ? null : oneLine(diagnostic),
    });
    current = null;
  };
  for (const line of text.split('\n')) {
    const addr = /^ {1,3}(\S+@\S+?)(?:\s|$)/.exec(line);
    if (addr?.[1] && ADDRESS.test(addr[1])) {
      flush();
      current = { address: stripAngles(addr[1]), lines: [] };
    } else if (current !== null && /^ {4,}\S/.test(line)) {
      current.lines.push(line.trim());
    } else if (line.trim() !== '' || current !== null) {
      flush();
    }
    if (recipients.length >= MAX_RECIPIENTS) break;
  }
  flush();
  return { via: 'exim-text', recipients, permanent: /\bpermanent error\b/i.test(text) };
}

/**
 * Exchange: an address on a line of its own (or "Your message to X couldn't be delivered"), and
 * somewhere after it a line quoting the remote reply ("#550 5.1.1 …", "Remote Server returned …").
 */
function exchange(text: string): TextBounce {
  const found = new Map<string, string | null>();
  let current: string | null = null;
  const intro = /Your message to (\S+@\S+) couldn't be delivered/i.exec(text);
  if (intro?.[1]) found.set(stripAngles(intro[1]).toLowerCase(), null);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const alone = /^<?(\S+@\S+?)>?(?:\s+on\s+.*)?$/.exec(line);
    if (alone?.[1] && ADDRESS.test(alone[1])) {
      current = stripAngles(alone[1]).toLowerCase();
      if (!found.has(current) && found.size < MAX_RECIPIENTS) found.set(current, null);
      continue;
    }
    if (current !== null && found.get(current) === null && statusFromText(line) !== null && /\b[245]\d\d\b|#[245]\./.test(line)) {
      found.set(current, line);
    }
  }
  const recipients = [...found].map(([address, diag]): TextRecipient => ({
    address,
    action: 'failed',
    status: diag === null ? null : statusFromText(diag),
    diagnostic: diag === null ? null : oneLine(diag),
  }));
  return { via: 'exchange-text', recipients, permanent: true };
}

/** A message that says it is a bounce (sender, subject) in no format we know: take the first reply code. */
function generic(text: string): TextBounce {
  const head = text.slice(0, 16 * 1024);
  const listed = angleParagraphs(head, 'failed');
  if (listed.some((r) => r.status !== null)) return { via: 'generic-text', recipients: listed, permanent: false };
  const status = statusFromText(head);
  if (status === null) return { via: 'generic-text', recipients: [], permanent: false };
  const line = head.split('\n').find((l) => statusFromText(l) !== null) ?? '';
  return { via: 'generic-text', recipients: [{ address: null, action: 'failed', status, diagnostic: oneLine(line) }], permanent: false };
}

/** Paragraphs opening with "<address>:" (qmail, Postfix), the rest of the paragraph being the reason. */
function angleParagraphs(text: string, action: 'failed' | 'delayed'): TextRecipient[] {
  const out: TextRecipient[] = [];
  for (const p of paragraphs(text)) {
    if (p.startsWith('-')) break; // QSBMF's break paragraph
    const m = /^<([^<>\s]*)>:[ \t]*([\s\S]*)$/.exec(p);
    if (!m) continue;
    const reason = (m[2] ?? '').replace(/\s+/g, ' ').trim();
    out.push({
      address: m[1] && ADDRESS.test(m[1]) ? m[1] : null,
      action,
      status: statusFromText(reason),
      diagnostic: reason === '' ? null : oneLine(reason),
    });
    if (out.length >= MAX_RECIPIENTS) break;
  }
  return out;
}

function paragraphs(text: string): string[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function stripAngles(address: string): string {
  return address.replace(/^<|>[:,.;]?$/g, '').replace(/[:,.;]$/, '');
}
