import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_BOUNCE_BYTES, parseBounce, type BounceReport } from '../../../src/delivery/bounce.js';

const FIXTURES = new URL('../../fixtures/bounces/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const crlf = (b: Uint8Array): Uint8Array => bytes(new TextDecoder().decode(b).replace(/\r?\n/g, '\r\n'));

type Expect = Pick<BounceReport, 'kind' | 'via'> & { recipients: Partial<BounceReport['recipients'][number]>[] };

const FIXTURE_TABLE: [file: string, expected: Expect][] = [
  [
    'postfix-dsn.eml',
    {
      kind: 'hard',
      via: 'dsn',
      recipients: [
        {
          address: 'alice@example.org',
          action: 'failed',
          status: '5.1.1',
          diagnostic: 'smtp; 550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown in virtual mailbox table',
          remoteMta: 'mx.example.org',
        },
      ],
    },
  ],
  [
    'exim-dsn.eml',
    {
      kind: 'hard',
      via: 'dsn',
      recipients: [{ address: 'bob@example.com', action: 'failed', status: '5.0.0', remoteMta: 'mx1.example.com' }],
    },
  ],
  [
    'qmail-bounce.eml',
    {
      kind: 'hard',
      via: 'qmail',
      recipients: [{ address: 'carol@example.com', action: 'failed', status: '5.1.1' }],
    },
  ],
  [
    'exchange-ndr.eml',
    {
      kind: 'hard',
      via: 'dsn',
      recipients: [{ address: 'dave@contoso.example', action: 'failed', status: '5.1.10', remoteMta: null }],
    },
  ],
  [
    'exchange-ndr-text.eml',
    {
      kind: 'hard',
      via: 'exchange-text',
      recipients: [{ address: 'erin@fabrikam.example', action: 'failed', status: '5.1.1', diagnostic: '#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##' }],
    },
  ],
  [
    'postfix-delayed-dsn.eml',
    {
      kind: 'soft',
      via: 'dsn',
      recipients: [
        {
          address: 'frank@example.org',
          action: 'delayed',
          status: '4.4.1',
          diagnostic: 'X-Postfix; connect to mx.example.org[192.0.2.30]:25: Connection timed out',
        },
      ],
    },
  ],
  ['gmail-ooo.eml', { kind: 'auto-reply', via: 'auto-submitted', recipients: [] }],
  [
    'sendmail-two-recipients-dsn.eml',
    {
      kind: 'hard',
      via: 'dsn',
      recipients: [
        { address: 'henry@example.edu', action: 'failed', status: '5.1.1', remoteMta: 'mailhost.example.edu' },
        { address: 'ivy@example.edu', action: 'delayed', status: '4.2.2' },
      ],
    },
  ],
  [
    'postfix-text.eml',
    {
      kind: 'hard',
      via: 'postfix-text',
      recipients: [{ address: 'judy@example.org', action: 'failed', status: '5.2.2' }],
    },
  ],
  [
    'exim-text.eml',
    {
      kind: 'hard',
      via: 'exim-text',
      recipients: [
        { address: 'kim@example.com', action: 'failed', status: '5.1.1' },
        { address: 'leo@example.com', action: 'failed', status: null, diagnostic: 'Unrouteable address' },
      ],
    },
  ],
];

function check(report: BounceReport, expected: Expect): void {
  expect({ kind: report.kind, via: report.via, n: report.recipients.length }).to.deep.equal({
    kind: expected.kind,
    via: expected.via,
    n: expected.recipients.length,
  });
  expected.recipients.forEach((r, i) => expect(report.recipients[i]).to.include(r));
}

describe('delivery/bounce fixtures', () => {
  for (const [file, expected] of FIXTURE_TABLE) {
    it(`${file} → ${expected.kind} via ${expected.via}`, () => check(parseBounce(fixture(file)), expected));
    it(`${file} with CRLF line ends → the same`, () => check(parseBounce(crlf(fixture(file))), expected));
  }

  it('ignores recipients named only in the returned copy of our message', () => {
    const r = parseBounce(fixture('qmail-bounce.eml'));
    expect(r.recipients.map((x) => x.address)).to.deep.equal(['carol@example.com']);
  });
});

/** A multipart/report around one delivery-status body. */
function dsn(status: string, opts: { type?: string; cte?: string; headers?: string } = {}): Uint8Array {
  return bytes(
    [
      'From: MAILER-DAEMON@mx.example.org',
      'Subject: Delivery Status Notification',
      opts.headers ?? 'X-Dummy: 1',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'See the report.',
      '--b1',
      `Content-Type: ${opts.type ?? 'message/delivery-status'}`,
      ...(opts.cte ? [`Content-Transfer-Encoding: ${opts.cte}`] : []),
      '',
      status,
      '--b1--',
      '',
    ].join('\n'),
  );
}

const PER_MESSAGE = 'Reporting-MTA: dns; mx.example.org\n\n';

describe('delivery/bounce DSN details', () => {
  it('Action failed with a 4.x.x status (an MTA gave up after retrying) is soft', () => {
    const r = parseBounce(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 4.4.7 (delivery time expired)`));
    expect(r.kind).to.equal('soft');
    expect(r.recipients[0]).to.include({ action: 'failed', status: '4.4.7' });
  });

  it('a success DSN (delivered/relayed) is no bounce', () => {
    const r = parseBounce(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: delivered\nStatus: 2.0.0\n\nFinal-Recipient: rfc822; b@example.org\nAction: relayed\nStatus: 2.0.0`));
    expect(r.kind).to.equal('unknown');
    expect(r.recipients.map((x) => x.action)).to.deep.equal(['delivered', 'relayed']);
  });

  it('a missing Status is taken from the Diagnostic-Code', () => {
    const r = parseBounce(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nDiagnostic-Code: smtp; 550 user unknown`));
    expect(r.kind).to.equal('hard');
    expect(r.recipients[0]?.status).to.equal('5.0.0');
  });

  it('Action failed without any code is still hard (the MTA has given up)', () => {
    const r = parseBounce(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed`));
    expect(r.kind).to.equal('hard');
    expect(r.recipients[0]).to.include({ status: null, diagnostic: null });
  });

  it('prefers Original-Recipient and accepts angle brackets and upper-case types', () => {
    const r = parseBounce(dsn(`${PER_MESSAGE}Final-Recipient: RFC822; <alias@example.org>\nOriginal-Recipient: RFC822;<member@example.org>\nAction: Failed\nStatus: 5.1.1`));
    expect(r.recipients[0]).to.include({ address: 'member@example.org', action: 'failed' });
  });

  it('reads message/global-delivery-status (RFC 6533) with UTF-8 addresses', () => {
    const status = `${PER_MESSAGE}Final-Recipient: utf-8; j\\x{F6}rg@b\\x{FC}ro.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 Benutzer unbekannt: jörg`;
    const r = parseBounce(dsn(status, { type: 'message/global-delivery-status' }));
    expect(r.kind).to.equal('hard');
    expect(r.recipients[0]).to.include({ address: 'jörg@büro.example', diagnostic: 'smtp; 550 5.1.1 Benutzer unbekannt: jörg' });
  });

  it('decodes a base64 delivery-status part', () => {
    const b64 = Buffer.from(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.7.1\n`).toString('base64').replace(/(.{76})/g, '$1\n');
    const r = parseBounce(dsn(b64, { cte: 'base64' }));
    expect(r.kind).to.equal('hard');
    expect(r.recipients[0]?.status).to.equal('5.7.1');
  });

  it('tolerates extra blank lines and folded fields', () => {
    const r = parseBounce(dsn(`\n\n${PER_MESSAGE}\n\nFinal-Recipient: rfc822;\n a@example.org\nAction:\n\tfailed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1\n  user unknown\n\n\n`));
    expect(r.recipients).to.have.length(1);
    expect(r.recipients[0]).to.include({ address: 'a@example.org', action: 'failed', diagnostic: 'smtp; 550 5.1.1 user unknown' });
  });

  it('finds the report inside a nested multipart', () => {
    const inner = new TextDecoder().decode(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1`));
    const outer = `From: gateway@example.org\nContent-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: text/plain\n\nForwarded by our gateway.\n--outer\n${inner.replace(/^From:.*\n|^Subject:.*\n/gm, '')}\n--outer--\n`;
    expect(parseBounce(bytes(outer)).kind).to.equal('hard');
  });

  it('does not read a DSN inside the returned message/rfc822 copy', () => {
    const inner = new TextDecoder().decode(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1`));
    const outer = `From: someone@example.org\nSubject: fwd\nContent-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: text/plain\n\nSee attached.\n--outer\nContent-Type: message/rfc822\n\n${inner}\n--outer--\n`;
    expect(parseBounce(bytes(outer))).to.deep.equal({ kind: 'unknown', recipients: [], via: 'none' });
  });

  it('a report with no recipient groups falls back to the text', () => {
    const r = parseBounce(dsn(PER_MESSAGE));
    expect(r.kind).to.equal('unknown');
  });

  it('keeps diagnostics to one log-safe line of at most 300 characters', () => {
    const r = parseBounce(dsn(`${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 \u001b[31m\u202e ${'x'.repeat(2000)}`));
    const d = r.recipients[0]?.diagnostic ?? '';
    expect(d.length).to.equal(300);
    expect(d).to.not.match(/[\u0000-\u001f\u202e]/);
  });
});

function mail(headers: string[], body: string): Uint8Array {
  return bytes(`${headers.join('\n')}\n\n${body}`);
}

describe('delivery/bounce auto-replies and other mail', () => {
  const table: [name: string, message: Uint8Array, kind: BounceReport['kind'], via: string][] = [
    ['Outlook "Automatic reply:" subject only', mail(['From: a@example.org', 'Subject: Automatic reply: [...]'], 'I am away.'), 'auto-reply', 'subject'],
    ['Exchange OOO auto-generated', mail(['From: a@example.org', 'Subject: Out of Office: [...]', 'Auto-Submitted: auto-generated'], 'Away.'), 'auto-reply', 'auto-submitted'],
    ['German encoded subject', mail(['From: a@example.org', 'Subject: =?utf-8?Q?Abwesenheitsnotiz:_Re:_[...]?='], 'Ich bin nicht im Büro.'), 'auto-reply', 'subject'],
    ['German "Automatische Antwort" in base64', mail(['From: a@example.org', `Subject: =?UTF-8?B?${Buffer.from('Automatische Antwort: Lagebild').toString('base64')}?=`], 'x'), 'auto-reply', 'subject'],
    ['French "Absence :"', mail(['From: a@example.org', 'Subject: Absence : retour le 16 mars'], 'x'), 'auto-reply', 'subject'],
    ['"Re: Out of office"', mail(['From: a@example.org', 'Subject: RE: Out of office'], 'x'), 'auto-reply', 'subject'],
    ['X-Autoreply header alone', mail(['From: a@example.org', 'Subject: hello', 'X-Autoreply: yes'], 'x'), 'auto-reply', 'x-autoreply'],
    ['X-Autorespond header alone', mail(['From: a@example.org', 'Subject: hello', 'X-Autorespond: on'], 'x'), 'auto-reply', 'x-autorespond'],
    ['Precedence: auto_reply', mail(['From: a@example.org', 'Subject: hello', 'Precedence: auto_reply'], 'x'), 'auto-reply', 'precedence'],
    ['read receipt (MDN)', mail(['From: a@example.org', 'Subject: Read: [...]', 'Content-Type: multipart/report; report-type=disposition-notification; boundary=m'], '--m\nContent-Type: text/plain\n\nRead.\n--m--\n'), 'auto-reply', 'mdn'],
    ['"Re: Absence of logs" is a human reply', mail(['From: a@example.org', 'Subject: Re: Absence of logs'], 'x'), 'unknown', 'none'],
    ['Auto-Submitted: no', mail(['From: a@example.org', 'Subject: hello', 'Auto-Submitted: no'], 'x'), 'unknown', 'none'],
    [
      'a human reply quoting a bounce line is not a bounce',
      mail(['From: a@example.org', 'Subject: Re: [...]'], '<x@example.org>: host mx said: 550 5.1.1 user unknown\n\nWhy did this bounce?'),
      'unknown',
      'none',
    ],
    [
      'unrecognised bounce from MAILER-DAEMON: generic reading of the first reply code',
      mail(['From: MAILER-DAEMON@mx.example.org', 'Subject: Returned mail'], 'Sorry, we could not deliver your message.\nReason: 550 5.7.1 Message rejected by policy\n'),
      'hard',
      'generic-text',
    ],
    [
      'generic bounce with a temporary code',
      mail(['From: postmaster@mx.example.org', 'Subject: Delivery delayed'], 'Still trying.\nLast error: 421 4.4.2 connection dropped\n'),
      'soft',
      'generic-text',
    ],
    [
      'bounce-looking sender without a code stays unknown, not auto-reply',
      mail(['From: Mail Delivery System <MAILER-DAEMON@mx.example.org>', 'Subject: Undeliverable', 'Auto-Submitted: auto-replied'], 'Something went wrong.'),
      'unknown',
      'generic-text',
    ],
    [
      'qmail delay warning (patched qmail) is soft',
      mail(['From: MAILER-DAEMON@mx.example.org', 'Subject: warning'], "Hi. This is the qmail-send program at mx.example.org.\nI'm afraid I haven't been able to deliver your message yet. I'll keep trying.\n\n<a@example.org>:\n421 4.4.2 timeout\n\n--- Below this line is a copy of the message.\n"),
      'soft',
      'qmail',
    ],
    [
      'qmail with the (#5.1.1) notation',
      mail(['From: MAILER-DAEMON@mx.example.org', 'Subject: failure notice'], "Hi. This is the qmail-send program at mx.example.org.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<a@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n"),
      'hard',
      'qmail',
    ],
    [
      'Exchange 2007 text with the address "on <date>"',
      mail(['From: postmaster@example.org', 'Subject: Undeliverable: x'], 'Your message did not reach some or all of the intended recipients.\n\nThe following recipient(s) cannot be reached:\n\n      erin@fabrikam.example on 3/5/2026 1:00 PM\n            The e-mail account does not exist.\n            <EX01.fabrikam.example #5.1.1 smtp;550 5.1.1 RESOLVER.ADR.RecipNotFound; not found>\n'),
      'hard',
      'exchange-text',
    ],
    [
      'Postfix text delay warning',
      mail(['From: MAILER-DAEMON@mx.example.org', 'Subject: Delayed Mail (still being retried)'], 'This is the mail system at host mx.example.org.\n\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n\n<a@example.org>: connect to mx.example.org[5.9.10.20]:25: Connection refused\n'),
      'soft',
      'postfix-text',
    ],
  ];
  for (const [name, message, kind, via] of table) {
    it(`${name} → ${kind} via ${via}`, () => {
      const r = parseBounce(message);
      expect({ kind: r.kind, via: r.via }).to.deep.equal({ kind, via });
    });
  }

  it('an IP address in a bounce is not read as a status code', () => {
    const r = parseBounce(mail(['From: MAILER-DAEMON@mx.example.org', 'Subject: x'], 'This is the mail system at host mx.example.org.\n\n<a@example.org>: connect to mx.example.org[5.9.10.20]:25: Connection refused\n'));
    expect(r.recipients[0]).to.include({ address: 'a@example.org', status: null });
  });
});

describe('delivery/bounce limits', () => {
  const status = `${PER_MESSAGE}Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1`;
  const padded = (filler: number): Uint8Array =>
    bytes(
      `From: someone@example.org\nSubject: report\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: text/plain\n\n${'.'.repeat(filler)}\n--b\nContent-Type: message/delivery-status\n\n${status}\n--b--\n`,
    );

  it('reads a report within the first 256 KiB', () => {
    expect(parseBounce(padded(MAX_BOUNCE_BYTES - 1000)).kind).to.equal('hard');
  });

  it('does not read past the first 256 KiB', () => {
    expect(parseBounce(padded(MAX_BOUNCE_BYTES)).kind).to.equal('unknown');
  });

  it('returns unknown for empty input and binary garbage', () => {
    expect(parseBounce(new Uint8Array())).to.deep.equal({ kind: 'unknown', recipients: [], via: 'none' });
    expect(parseBounce(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).kind).to.equal('unknown');
  });

  it('survives deep nesting, thousands of parts and a missing boundary', () => {
    let nested = `Content-Type: message/delivery-status\n\n${status}`;
    for (let i = 0; i < 50; i++) nested = `Content-Type: multipart/mixed; boundary=n${i}\n\n--n${i}\n${nested}\n--n${i}--`;
    expect(parseBounce(bytes(nested)).kind).to.equal('unknown');
    const many = `Content-Type: multipart/mixed; boundary=p\n\n${'--p\nContent-Type: text/plain\n\nx\n'.repeat(5000)}--p--\n`;
    expect(parseBounce(bytes(many)).kind).to.equal('unknown');
    expect(parseBounce(bytes('Content-Type: multipart/report; report-type=delivery-status\n\nbody')).kind).to.equal('unknown');
  });

  it('stays fast on hostile repetitive input', () => {
    const hostile = [
      `From: MAILER-DAEMON@x\nSubject: Undeliverable\n\n${'<a@'.repeat(80_000)}`,
      `From: MAILER-DAEMON@x\nSubject: Undeliverable\n\nHi. This is the qmail-send program\n\n${'<a@b.cc>:'.repeat(25_000)}`,
      `Subject: =?${'='.repeat(200_000)}`,
      `Content-Type: multipart/report; boundary=b; ${'a=b; '.repeat(40_000)}\n\n--b\n`,
      `From: x\n\nThis message was created automatically by mail delivery software\n${'  a@b.cc\n'.repeat(20_000)}`,
    ];
    for (const h of hostile) {
      const t = Date.now();
      const r = parseBounce(bytes(h));
      expect(Date.now() - t, h.slice(0, 40)).to.be.below(1000);
      expect(r.recipients.length).to.be.at.most(100);
    }
  });

  it('property: never throws and always returns a known kind', () => {
    const pieces = fc.constantFrom(
      'Content-Type: multipart/report; report-type=delivery-status; boundary=b\n',
      '--b\n',
      '--b--\n',
      'Content-Type: message/delivery-status\n',
      'Content-Transfer-Encoding: base64\n',
      'Content-Transfer-Encoding: quoted-printable\n',
      'Final-Recipient: rfc822; a@b.cc\n',
      'Action: failed\n',
      'Status: 5.1.1\n',
      'Subject: =?utf-8?B?@@?=\n',
      'Subject: =?x-unknown?Q?=FF?=\n',
      "Hi. This is the qmail-send program at x.\n",
      '<a@b.cc>: 550 5.1.1\n',
      '\n',
      '\r\n',
      '\t folded\n',
      '=\n',
      '\u0000\ud800',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string()), { maxLength: 40 }), fc.uint8Array({ maxLength: 64 }), (parts, tail) => {
        const head = bytes(parts.join(''));
        const raw = new Uint8Array(head.length + tail.length);
        raw.set(head);
        raw.set(tail, head.length);
        const r = parseBounce(raw);
        expect(['hard', 'soft', 'auto-reply', 'unknown']).to.include(r.kind);
      }),
      { numRuns: 1000 },
    );
  });
});
