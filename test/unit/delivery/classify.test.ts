import { expect } from 'chai';
import { classifyDelivery, type DeliveryInput, type DeliveryKind } from '../../../src/delivery/classify.js';

interface Case {
  name: string;
  input: DeliveryInput;
  kind: DeliveryKind;
  rule: string;
  enhanced?: string;
  operator?: boolean;
}

/** A reply as nodemailer hands it over: responseCode taken from the first line. */
function reply(response: string, errorCode?: string): DeliveryInput {
  const code = Number(/^\d{3}/.exec(response)?.[0]);
  return errorCode === undefined ? { responseCode: code, response } : { responseCode: code, response, errorCode };
}

const CASES: Case[] = [
  // --- accepted ---
  { name: 'Postfix queued', input: reply('250 2.0.0 Ok: queued as 4Z1bQk2WfKz9sWN'), kind: 'sent', rule: 'accepted', enhanced: '2.0.0' },
  {
    name: 'Exchange queued',
    input: reply('250 2.6.0 <abc@ex01.example.org> [InternalId=1234, Hostname=EX01.example.org] Queued mail for delivery'),
    kind: 'sent',
    rule: 'accepted',
    enhanced: '2.6.0',
  },
  { name: 'Gmail OK', input: reply('250 2.0.0 OK  1700000000 d2si123abc.12 - gsmtp'), kind: 'sent', rule: 'accepted' },

  // --- 4xx ---
  {
    name: 'Postfix greylisting (postgrey)',
    input: reply('450 4.2.0 <a@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html', 'EENVELOPE'),
    kind: 'temporary',
    rule: 'transient-reply',
    enhanced: '4.2.0',
  },
  {
    name: 'Postfix: our VERP domain not found (4xx, still ours to fix)',
    input: reply('450 4.1.8 <csirt-bounces+ab12@lists.example.net>: Sender address rejected: Domain not found', 'EENVELOPE'),
    kind: 'temporary',
    rule: 'sender-refused',
    operator: true,
  },
  { name: 'Postfix deferred relay (454)', input: reply('454 4.7.1 <a@example.org>: Relay access denied', 'EENVELOPE'), kind: 'temporary', rule: 'relay-denied', operator: true },
  { name: 'Postfix insufficient storage', input: reply('452 4.3.1 Insufficient system storage', 'EENVELOPE'), kind: 'temporary', rule: 'transient-reply' },
  { name: 'Postfix too many errors', input: reply('421 4.7.0 mx.example.org Error: too many errors', 'EMESSAGE'), kind: 'temporary', rule: 'transient-reply' },
  {
    name: 'Gmail over quota (4.2.2)',
    input: reply('452-4.2.2 The recipient\'s inbox is out of storage space. Please direct the\n452-4.2.2 recipient to\n452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp d2si - gsmtp', 'EENVELOPE'),
    kind: 'temporary',
    rule: 'transient-reply',
    enhanced: '4.2.2',
  },
  {
    name: 'Gmail rate limited receiver',
    input: reply('450-4.2.1 The user you are trying to contact is receiving mail at a rate that\n450-4.2.1 prevents additional messages from being delivered. Please resend your\n450 4.2.1 message at a later time. https://support.google.com/mail/?p=ReceivingRate', 'EENVELOPE'),
    kind: 'temporary',
    rule: 'transient-reply',
  },
  { name: 'Exchange server busy', input: reply('451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77719)', 'EMESSAGE'), kind: 'temporary', rule: 'transient-reply', enhanced: '4.7.500' },
  { name: 'Exchange insufficient resources', input: reply('452 4.3.1 Insufficient system resources', 'EMESSAGE'), kind: 'temporary', rule: 'transient-reply' },
  {
    name: 'Yahoo deferred (TSS04)',
    input: reply('421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes'),
    kind: 'temporary',
    rule: 'transient-reply',
  },
  { name: 'Exim local problem', input: reply('451 Temporary local problem - please try later', 'EMESSAGE'), kind: 'temporary', rule: 'transient-reply' },

  // --- 5xx that stay permanent ---
  {
    name: 'Postfix unknown user',
    input: reply('550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table', 'EENVELOPE'),
    kind: 'permanent',
    rule: 'permanent-reply',
    enhanced: '5.1.1',
  },
  {
    name: 'Gmail no such user (multi-line, "Please try" is not "try later")',
    input: reply(
      "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550-5.1.1 unnecessary spaces. For more information, go to\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2si - gsmtp",
      'EENVELOPE',
    ),
    kind: 'permanent',
    rule: 'permanent-reply',
    enhanced: '5.1.1',
  },
  {
    name: 'Gmail size limit (5.2.3, "exceeded" is not quota)',
    input: reply("552-5.2.3 Your message exceeded Google's message size limits. Please visit\n552-5.2.3 https://support.google.com/mail/?p=MaxSizeError to view our size\n552 5.2.3 guidelines. d2si - gsmtp", 'EMESSAGE'),
    kind: 'permanent',
    rule: 'permanent-reply',
  },
  {
    name: 'Gmail unauthenticated sender (5.7.26)',
    input: reply('550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.', 'EMESSAGE'),
    kind: 'permanent',
    rule: 'permanent-reply',
  },
  { name: 'Postfix size limit', input: reply('552 5.3.4 Message size exceeds fixed limit', 'EMESSAGE'), kind: 'permanent', rule: 'permanent-reply' },
  {
    name: 'Postfix DNSBL',
    input: reply('554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1', 'EENVELOPE'),
    kind: 'permanent',
    rule: 'permanent-reply',
  },
  { name: 'Exchange recipient not found', input: reply('550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'EENVELOPE'), kind: 'permanent', rule: 'permanent-reply', enhanced: '5.1.10' },
  { name: 'Exchange edge block (5.4.1 is not transient)', input: reply('550 5.4.1 Recipient address rejected: Access denied. AS(201806281)', 'EENVELOPE'), kind: 'permanent', rule: 'permanent-reply' },
  { name: 'Exchange banned IP', input: reply('550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/', 'EENVELOPE'), kind: 'permanent', rule: 'permanent-reply' },
  { name: 'Exchange mail loop', input: reply('554 5.4.14 Hop count exceeded - possible mail loop ATTR34', 'EMESSAGE'), kind: 'permanent', rule: 'permanent-reply' },
  { name: 'Yahoo policy (5.7.9 is not auth here)', input: reply('554 5.7.9 Message not accepted for policy reasons. See https://help.yahoo.com/kb/postmaster', 'EMESSAGE'), kind: 'permanent', rule: 'permanent-reply' },
  {
    name: 'Yahoo permanently deferred, "Retrying will NOT succeed"',
    input: reply('553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes', 'EENVELOPE'),
    kind: 'permanent',
    rule: 'permanent-reply',
  },
  {
    name: 'synthetic: a "temporarily" word is overridden by "permanently"',
    input: reply('550 5.7.1 Your host was temporarily listed and is now blocked permanently', 'EENVELOPE'),
    kind: 'permanent',
    rule: 'permanent-reply',
  },
  { name: 'Exim unrouteable (no enhanced code)', input: reply('550 Unrouteable address', 'EENVELOPE'), kind: 'permanent', rule: 'permanent-reply' },
  { name: 'amavis spam reject', input: reply('554 5.7.0 Reject, id=12345-01 - spam', 'EMESSAGE'), kind: 'permanent', rule: 'permanent-reply' },

  // --- 5xx that are temporary in practice ---
  { name: '5xx with enhanced 4.x.x', input: reply('550 4.7.1 Greylisted for 5 minutes', 'EENVELOPE'), kind: 'temporary', rule: 'enhanced-transient', enhanced: '4.7.1' },
  { name: '552 4.2.2 quota', input: reply('552 4.2.2 Mailbox full', 'EENVELOPE'), kind: 'temporary', rule: 'enhanced-transient' },
  { name: 'greylisting with a 5xx', input: reply('550 5.7.1 <a@example.org>: Recipient address rejected: Greylisted, try again later', 'EENVELOPE'), kind: 'temporary', rule: 'says-try-later' },
  { name: '554 "temporarily unavailable"', input: reply('554 5.3.2 Mailbox temporarily unavailable', 'EENVELOPE'), kind: 'temporary', rule: 'says-try-later' },
  { name: 'Exchange mailbox full (5.2.2)', input: reply('554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded', 'EMESSAGE'), kind: 'temporary', rule: 'persistent-transient' },
  { name: 'Gmail daily sending quota (5.4.5)', input: reply('550 5.4.5 Daily user sending quota exceeded. d2si - gsmtp', 'EMESSAGE'), kind: 'temporary', rule: 'persistent-transient' },
  { name: 'over quota without enhanced code', input: reply('552 Requested mail action aborted: user is over quota', 'EENVELOPE'), kind: 'temporary', rule: 'mailbox-full' },
  { name: '552 too many recipients (RFC 5321 §4.5.3.1.10)', input: reply('552 Too many recipients', 'EENVELOPE'), kind: 'temporary', rule: 'too-many-recipients' },
  { name: 'nested MAIL (503)', input: reply('503 5.5.1 Error: nested MAIL command', 'EENVELOPE'), kind: 'temporary', rule: 'bad-sequence' },

  // --- about our own setup: temporary and flagged ---
  { name: 'Gmail bad credentials', input: reply('535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials', 'EAUTH'), kind: 'temporary', rule: 'auth-failed', operator: true, enhanced: '5.7.8' },
  { name: 'Exchange Online auth disabled', input: reply('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', 'EAUTH'), kind: 'temporary', rule: 'auth-failed', operator: true },
  { name: 'no credentials configured', input: { errorCode: 'ENOAUTH', message: 'Missing credentials for "PLAIN"' }, kind: 'temporary', rule: 'auth-failed', operator: true },
  { name: 'Gmail auth required at MAIL', input: reply('530-5.7.0 Authentication Required. Learn more at\n530 5.7.0  https://support.google.com/mail/?p=WantAuthError', 'EENVELOPE'), kind: 'temporary', rule: 'auth-reply', operator: true },
  { name: 'Exchange client not authenticated', input: reply('530 5.7.57 Client not authenticated to send mail during MAIL FROM', 'EENVELOPE'), kind: 'temporary', rule: 'auth-reply', operator: true },
  { name: 'Postfix STARTTLS required', input: reply('530 5.7.0 Must issue a STARTTLS command first', 'EENVELOPE'), kind: 'temporary', rule: 'auth-reply', operator: true },
  { name: 'credentials invalid with a 550', input: reply('550 5.7.8 Authentication credentials invalid', 'EENVELOPE'), kind: 'temporary', rule: 'auth-reply', operator: true },
  { name: 'Postfix relay access denied', input: reply('554 5.7.1 <a@example.org>: Relay access denied', 'EENVELOPE'), kind: 'temporary', rule: 'relay-denied', operator: true },
  { name: 'Exchange unable to relay', input: reply('550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain', 'EENVELOPE'), kind: 'temporary', rule: 'relay-denied', operator: true },
  { name: 'sendmail relaying denied', input: reply('550 5.7.1 <a@example.org>... Relaying denied. Proper authentication required.', 'EENVELOPE'), kind: 'temporary', rule: 'relay-denied', operator: true },
  { name: 'Postfix VERP sender not owned', input: reply('553 5.7.1 <csirt-bounces+ab12@lists.example.net>: Sender address rejected: not owned by user remailer', 'EENVELOPE'), kind: 'temporary', rule: 'sender-refused', operator: true },
  { name: 'Exim sender verify failed', input: reply('550-Verification failed for <csirt-bounces+ab12@lists.example.net>\n550-Called:   192.0.2.1\n550 Sender verify failed', 'EENVELOPE'), kind: 'temporary', rule: 'sender-refused', operator: true },
  { name: 'STARTTLS demanded with a 554', input: reply('554 5.7.10 Encryption required: issue STARTTLS first', 'EENVELOPE'), kind: 'temporary', rule: 'starttls-required', operator: true },
  { name: '554 greeting (blocked at connect)', input: reply('554 5.7.1 smarthost.example.net ESMTP not available for 192.0.2.1', 'EPROTOCOL'), kind: 'temporary', rule: 'greeting-refused', operator: true },
  { name: 'TLS handshake failed', input: { errorCode: 'ETLS', message: 'Error initiating TLS - self-signed certificate' }, kind: 'temporary', rule: 'tls-failed', operator: true },
  { name: 'certificate name mismatch', input: { errorCode: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, kind: 'temporary', rule: 'tls-failed', operator: true },
  { name: 'REQUIRETLS unsupported', input: { errorCode: 'EREQUIRETLS', message: 'Server does not support REQUIRETLS extension (RFC 8689)' }, kind: 'temporary', rule: 'client-config', operator: true },

  // --- connection level ---
  { name: 'refused', input: { errorCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:25' }, kind: 'temporary', rule: 'connection' },
  { name: 'socket error', input: { errorCode: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' }, kind: 'temporary', rule: 'connection' },
  { name: 'timeout', input: { errorCode: 'ETIMEDOUT', message: 'Greeting never received' }, kind: 'temporary', rule: 'connection' },
  { name: 'reset', input: { errorCode: 'ECONNRESET', message: 'read ECONNRESET' }, kind: 'temporary', rule: 'connection' },
  { name: 'closed', input: { errorCode: 'ECONNECTION', message: 'Connection closed unexpectedly' }, kind: 'temporary', rule: 'connection' },
  { name: 'DNS', input: { errorCode: 'EDNS', message: 'getaddrinfo ENOTFOUND smarthost.invalid' }, kind: 'temporary', rule: 'connection' },
  { name: '421 at greeting', input: reply('421 4.3.2 Service not available, closing transmission channel', 'ECONNECTION'), kind: 'temporary', rule: 'connection' },
  { name: 'garbage greeting', input: { errorCode: 'EPROTOCOL', message: 'Invalid greeting. response=HTTP/1.1 400 Bad Request' }, kind: 'temporary', rule: 'connection' },

  // --- no reply at all ---
  { name: 'nodemailer: no recipients', input: { errorCode: 'EENVELOPE', message: 'No recipients defined' }, kind: 'permanent', rule: 'refused-locally' },
  { name: 'nodemailer: larger than SIZE', input: { errorCode: 'EMESSAGE', message: 'Message size larger than allowed 10240000' }, kind: 'permanent', rule: 'refused-locally' },
  { name: 'unexpected 354', input: reply('354 End data with <CR><LF>.<CR><LF>'), kind: 'temporary', rule: 'unexpected-reply' },
  { name: 'unknown error code', input: { errorCode: 'EWHATEVER', message: 'something odd' }, kind: 'temporary', rule: 'unrecognised' },
  { name: 'nothing at all', input: {}, kind: 'temporary', rule: 'unrecognised' },
];

describe('delivery/classify table', () => {
  it('has at least 25 real-world replies', () => {
    expect(CASES.filter((c) => c.input.response !== undefined).length).to.be.at.least(25);
  });

  for (const c of CASES) {
    it(`${c.kind.padEnd(9)} ${c.name}`, () => {
      const r = classifyDelivery(c.input);
      expect({ kind: r.kind, rule: r.rule, operator: r.operatorError === true }).to.deep.equal({
        kind: c.kind,
        rule: c.rule,
        operator: c.operator === true,
      });
      if (c.enhanced !== undefined) expect(r.enhanced).to.equal(c.enhanced);
      expect(r.reply).to.not.match(/[\r\n]/);
      expect(r.reply.length).to.be.at.most(300);
    });
  }
});

describe('delivery/classify facts and reply line', () => {
  it('joins continuation lines without repeating their codes', () => {
    const r = classifyDelivery(reply('550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient\'s email address\n550 5.1.1 for typos.'));
    expect(r.reply).to.equal("550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos.");
  });

  it('handles CRLF line ends like LF', () => {
    const r = classifyDelivery(reply('550-5.1.1 first\r\n550 5.1.1 second'));
    expect(r.reply).to.equal('550 5.1.1 first second');
  });

  it('prefers responseCode to the digits of the text', () => {
    const r = classifyDelivery({ responseCode: 450, response: '550 5.1.1 odd server' });
    expect(r.kind).to.equal('temporary');
    expect(r.reply.startsWith('450 5.1.1')).to.equal(true);
  });

  it('reads the code from the text when responseCode is missing', () => {
    expect(classifyDelivery({ response: '550 5.1.1 unknown' }).kind).to.equal('permanent');
    expect(classifyDelivery({ response: '250 ok' }).kind).to.equal('sent');
  });

  it('ignores an out-of-range responseCode', () => {
    expect(classifyDelivery({ responseCode: 999, response: '550 5.1.1 x' }).kind).to.equal('permanent');
  });

  it('does not take an enhanced code from the middle of the text', () => {
    const r = classifyDelivery(reply('550 user unknown (#4.1.1)'));
    expect(r.enhanced).to.equal(undefined);
    expect(r.kind).to.equal('permanent');
  });

  it('strips control and bidi characters and caps the line at 300 characters', () => {
    const r = classifyDelivery(reply(`550 5.1.1 evil\u0000\u001b[31m\u202etxt.exe ${'x'.repeat(1000)}`));
    expect(r.reply).to.not.match(/[\u0000-\u001f\u202e]/);
    expect(r.reply.length).to.equal(300);
    expect(r.reply.endsWith('…')).to.equal(true);
  });

  it('falls back to error code and message when there is no reply', () => {
    expect(classifyDelivery({ errorCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED\n127.0.0.1:25' }).reply).to.equal(
      'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:25',
    );
    expect(classifyDelivery({}).reply).to.equal('no reply and no error');
  });

  it('omits enhanced and operatorError when they do not apply', () => {
    const r = classifyDelivery(reply('550 Unrouteable address'));
    expect(Object.keys(r).sort()).to.deep.equal(['kind', 'reply', 'rule']);
  });
});
