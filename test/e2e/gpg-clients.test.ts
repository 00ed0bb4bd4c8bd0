import crypto from 'node:crypto';
import { expect } from 'chai';
import { simpleParser } from 'mailparser';
import { enigmail, gpgol, inlinePgp, mutt, quotedPrintable, thunderbird, base64Lines, type Built, type ClientMail } from '../fixtures/clients/index.js';
import { TestEnv } from '../helpers/env.js';
import { gpgClient, gpgMember, requireGpg, type GpgMember } from '../helpers/gpg.js';
import { submit } from '../helpers/smtp.js';
import { armoredOf, checkCopyShape, copyFor, LIST, newCopies, normalize, PREFIX } from './support.js';

/**
 * GnuPG on both sides of the daemon: members' keys made by gpg (Ed25519/Cv25519 and RSA-3072),
 * messages shaped as Thunderbird, Enigmail, Mutt, GpgOL and inline-PGP users send them with gpg
 * doing the crypto, every copy decrypted and verified by the recipient's own gpg: the signature
 * must be the list key's, the content and attachments byte-identical to what was sent.
 */
describe('e2e: GnuPG members and the message shapes of real clients', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let listFpr: string;
  let alice: GpgMember; // Ed25519/Cv25519
  let bob: GpgMember; // RSA-3072
  let carol: GpgMember; // Ed25519/Cv25519
  let members: GpgMember[];

  before(async function () {
    requireGpg(this);
    env = await TestEnv.start();
    await env.createList(LIST, 'CSIRT Test');
    const key = await env.admin.call('list.key', { address: LIST });
    listFpr = key.fingerprint;
    [alice, bob, carol] = await Promise.all([
      gpgMember('alice@cert-a.test', 'Alice Analyst'),
      gpgMember('bob@cert-b.test', 'Bob Responder', { algo: 'rsa3072' }),
      gpgMember('carol@cert-c.test', 'Carol Handler'),
    ]);
    members = [alice, bob, carol];
    for (const m of members) {
      await m.home.importKey(key.armored);
      await env.admin.call('member.add', {
        list: LIST,
        email: m.email,
        key: { base64: Buffer.from(m.armoredPublic).toString('base64') },
        fingerprint: m.fingerprint,
        name: m.name,
        team: `Team of ${m.name.split(' ')[0] ?? m.name}`,
        role: m === alice ? 'owner' : 'representative',
      });
    }
  });

  after(async () => {
    await env?.stop();
    for (const m of members ?? []) m.home.close();
  });

  const mail = (from: GpgMember, subject: string, extra: Partial<ClientMail> = {}): ClientMail => ({
    from: { name: from.name, address: from.email },
    to: LIST,
    subject,
    ...extra,
  });

  /**
   * Send `built` from `sender`, expect 250, then for every other member: their gpg decrypts the
   * copy, reports a valid signature by the list key and nothing bad, and the shape checks pass.
   */
  async function relay(sender: GpgMember, built: Built, label = 'TLP:AMBER', innerSubject?: string) {
    const before = env.sink.messages.length;
    const r = await submit(env.smtpPort, sender.email, LIST, built.raw);
    expect(r.code, `${built.client}: ${r.response}`).to.equal(250);
    const others = members.filter((m) => m !== sender);
    const copies = await newCopies(env.sink, before, others.length);
    const results = [];
    for (const m of others) {
      const copy = copyFor(copies, m.email);
      expect(copy.mailFrom).to.match(/^csirt-bounces\+[a-z0-9]+@lists\.test$/);
      const dec = await m.home.decrypt(armoredOf(copy.raw));
      expect(dec.decrypted, `${built.client}: ${m.email}'s gpg decrypts (${dec.stderr})`).to.equal(true);
      expect(dec.goodSignature, `${built.client}: GOODSIG (${dec.status.join(' | ')})`).to.equal(true);
      expect(dec.validSigs.map((v) => v.primary), 'VALIDSIG by the list key').to.deep.equal([listFpr]);
      expect(dec.problems).to.deep.equal([]);
      results.push({ member: m, copy, ...(await checkCopyShape(copy.raw, dec.data, built, label, innerSubject)) });
    }
    return results;
  }

  it('Thunderbird: protected headers, "..." outside, combined sign+encrypt, an attachment (Ed25519 sender)', async () => {
    const csv = Buffer.from('indicator,type\n198.51.100.23,ipv4\nlogin-portal.example.net,domain\n');
    const bin = crypto.randomBytes(3000);
    const built = await thunderbird(
      mail(alice, 'TLP:AMBER Phishing wave against municipalities'),
      {
        text: 'TLP:AMBER\n\nHi all,\n\nsince yesterday we see a phishing wave.\nIndicators are attached.\n\nAlice\n',
        attachments: [
          { filename: 'iocs.csv', contentType: 'text/csv; charset=UTF-8', data: csv },
          { filename: 'sample.bin', contentType: 'application/octet-stream', data: bin },
        ],
      },
      gpgClient(alice, listFpr),
    );
    const out = await relay(alice, built);
    for (const r of out) {
      expect(r.inner.text).to.include(`Signature: verified, made by the key`);
      expect(r.inner.text).to.include(alice.email);
      expect(r.outer.to && 'value' in r.outer.to ? r.outer.to.value[0]?.address : '').to.equal(r.member.email);
    }
  });

  it('Thunderbird with an RSA-3072 sender (gpg signature by an RSA key)', async () => {
    const built = await thunderbird(mail(bob, 'TLP:GREEN Patch advisory'), { text: 'TLP:GREEN\nPatch now.\n' }, gpgClient(bob, listFpr));
    await relay(bob, built, 'TLP:GREEN');
  });

  it('Enigmail: multipart/signed inside the encryption (§6.1), protected headers and a legacy display part', async () => {
    const pdf = crypto.randomBytes(2048);
    const built = await enigmail(
      mail(carol, 'TLP:AMBER Vulnerability in edge appliances'),
      { text: 'TLP:AMBER\nThe vendor confirmed the issue. \nPatch expected next week.\n', attachments: [{ filename: 'advisory.pdf', contentType: 'application/pdf', data: pdf }] },
      gpgClient(carol, listFpr),
    );
    const out = await relay(carol, built);
    for (const r of out) expect(r.inner.text).to.include('Signature: verified');
  });

  it('Enigmail §6.1 with LF-only line ends inside the encryption (signed over CRLF, verified after conversion)', async () => {
    const built = await enigmail(mail(alice, 'TLP:AMBER LF-only signed part'), { text: 'TLP:AMBER\nline one\nline two\n' }, gpgClient(alice, listFpr), {
      lineEnding: 'lf',
    });
    await relay(alice, built);
  });

  it('Mutt without protected headers: the label only in the outer Subject, combined sign+encrypt', async () => {
    const built = await mutt(mail(bob, 'TLP:AMBER Active exploitation of CVE-2025-0001', { references: ['<root-0@cert-b.test>'] }), {
      text: 'Hi,\n\nwe see active exploitation against edge devices.\n\n-- \nBob\n',
    }, gpgClient(bob, listFpr));
    const out = await relay(bob, built);
    for (const r of out) expect(String(r.outer.references)).to.include('<root-0@cert-b.test>');
  });

  it('Mutt without protected headers, sign-then-encrypt (§6.1)', async () => {
    const built = await mutt(mail(carol, 'TLP:GREEN Mutt signed part'), { text: 'Signed by Mutt.\nTwo lines.\n' }, gpgClient(carol, listFpr), { sign: 'rfc1847' });
    await relay(carol, built, 'TLP:GREEN');
  });

  it('inline PGP: text/plain holding `gpg --encrypt --sign --armor` of the text', async () => {
    const text = 'TLP:AMBER\nInline PGP from the command line.\n- a line starting with a dash\nFrom the start of a line\n';
    const built = await inlinePgp(mail(alice, 'TLP:AMBER inline note'), text, gpgClient(alice, listFpr));
    await relay(alice, built);
  });

  it('inline PGP: `gpg --clearsign`, then `gpg --encrypt` (signed, then encrypted)', async () => {
    const text = 'TLP:AMBER\nClearsigned, then encrypted.\n- dash-escaped line\ntrailing space here   \n';
    const built = await inlinePgp(mail(bob, 'TLP:AMBER clearsigned note'), text, gpgClient(bob, listFpr), { sign: 'clearsign' });
    const out = await relay(bob, built);
    for (const r of out) {
      expect(r.inner.text).to.include('Signature: verified');
      // The member's own cleartext signature travels inside and still verifies at the reader's gpg.
      const block = /-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?-----END PGP SIGNATURE-----/.exec(String(r.inner.text))?.[0];
      expect(block, 'the clearsigned block').to.be.a('string');
      await r.member.home.importKey(bob.armoredPublic);
      expect(await r.member.home.verifyCleartext(block ?? '')).to.deep.equal([bob.fingerprint]);
    }
  });

  it('Outlook/GpgOL: multipart/alternative text+HTML and an attachment with an encoded-word name', async () => {
    const xlsx = crypto.randomBytes(4096);
    const built = await gpgol(
      mail(carol, 'TLP:AMBER Ransomware – status update'),
      {
        text: 'Dear colleagues’\n\nTLP:AMBER\nSee the attachment for the current status.\n\nCarol\n',
        html: '<html><body><p><b>TLP:AMBER</b></p><p>See the attachment for the current status.</p></body></html>',
        attachments: [{ filename: 'status-overzicht.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data: xlsx }],
      },
      gpgClient(carol, listFpr),
    );
    const out = await relay(carol, built);
    for (const r of out) {
      expect(r.inner.html || '').to.include('See the attachment for the current status.');
      expect(r.inner.text).to.include('Dear colleagues’');
    }
  });

  it('non-ASCII: RFC 2047 subject inside the protected headers; UTF-8 body as 8bit, quoted-printable and base64 parts', async () => {
    const subject = 'TLP:AMBER Grüße aus Zürich – 攻撃キャンペーン';
    const qpText = 'Quoted-printable: réseau, naïve, Ærøskøbing, ☃\n';
    const b64Text = 'Base64: Привет, κόσμε, 你好\n';
    const built = await thunderbird(
      mail(alice, subject, { from: { name: 'Alice Müller', address: alice.email } }),
      {
        text: 'TLP:AMBER\n8bit: Straße, Ελληνικά, emoji 🛡️\n',
        parts: [
          { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: quotedPrintable(qpText) + '\r\n' },
          { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], body: base64Lines(Buffer.from(b64Text, 'utf8')) + '\r\n' },
        ],
      },
      gpgClient(alice, listFpr),
    );
    const out = await relay(alice, built);
    for (const r of out) {
      const text = normalize(String(r.inner.text));
      expect(text).to.include('Straße, Ελληνικά');
      expect(text).to.include('réseau, naïve, Ærøskøbing, ☃');
      expect(text).to.include('Привет, κόσμε, 你好');
      expect(r.inner.text).to.include('Alice Müller');
      // Outside, nothing but 7-bit: the subject placeholder and encoded-words.
      const head = r.copy.raw.subarray(0, r.copy.raw.indexOf('\r\n\r\n'));
      expect(/^[\x00-\x7f]*$/.test(head.toString('latin1')), 'outer headers are 7-bit').to.equal(true);
    }
  });

  it('long lines: a 1,500-char line in quoted-printable, a 1,200-char line in base64, and a raw 2,000-char 8bit line', async () => {
    const qpLine = 'Q'.repeat(700) + ' é ' + 'q'.repeat(797);
    const b64Line = 'B'.repeat(1200);
    const built = await thunderbird(mail(carol, 'TLP:AMBER long lines'), {
      text: 'TLP:AMBER\nshort line\n',
      parts: [
        { headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], body: quotedPrintable(qpLine + '\n') + '\r\n' },
        { headers: ['Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: base64'], body: base64Lines(Buffer.from(b64Line + '\n')) + '\r\n' },
      ],
      attachments: [{ filename: 'long.txt', contentType: 'text/plain', data: Buffer.from('L'.repeat(5000) + '\n') }],
    }, gpgClient(carol, listFpr));
    const out = await relay(carol, built);
    for (const r of out) {
      const text = String(r.inner.text);
      expect(text).to.include(qpLine);
      expect(text).to.include(b64Line);
    }
    const raw8 = 'TLP:AMBER ' + 'x'.repeat(1990);
    expect(raw8).to.have.length(2000);
    const built8 = await mutt(mail(alice, 'TLP:AMBER a 2,000-character line'), { text: `${raw8}\nnext line\n`, raw8bit: true }, gpgClient(alice, listFpr));
    const out8 = await relay(alice, built8);
    for (const r of out8) expect(String(r.inner.text)).to.include(raw8);
  });

  it('LF-only variants: the whole message with bare LF (as handed to sendmail), and an LF-only encrypted entity', async () => {
    const built = await thunderbird(mail(bob, 'TLP:AMBER LF-only message'), { text: 'TLP:AMBER\nwritten on Unix\n' }, gpgClient(bob, listFpr), { lineEnding: 'lf' });
    expect(built.raw.includes('\r\n')).to.equal(false);
    await relay(bob, built);
    const inline = await inlinePgp(mail(carol, 'TLP:AMBER inline LF-only'), 'TLP:AMBER\nLF only\n', gpgClient(carol, listFpr), { lineEnding: 'lf' });
    await relay(carol, inline);
  });

  it('a TLP:RED message from gpg is refused in the SMTP conversation and nothing goes out', async () => {
    const before = env.sink.messages.length;
    const built = await thunderbird(mail(alice, 'TLP:RED only for you'), { text: 'TLP:RED\nsecret\n' }, gpgClient(alice, listFpr));
    const r = await submit(env.smtpPort, alice.email, LIST, built.raw);
    expect(r.code).to.equal(550);
    expect(r.response).to.match(/^550 5\.7\.1 TLP:RED is above this list's maximum TLP:AMBER\+STRICT/);
    await new Promise((res) => setTimeout(res, 300));
    expect(env.sink.messages.length).to.equal(before);
  });

  it('replying from gpg threads: the reply copies carry In-Reply-To/References to the list Message-ID', async () => {
    const first = await thunderbird(mail(alice, 'TLP:AMBER Thread start'), { text: 'TLP:AMBER\nstart of a thread\n' }, gpgClient(alice, listFpr));
    const [toBob] = (await relay(alice, first)).filter((r) => r.member === bob);
    if (!toBob) throw new Error('no copy for bob');
    const listMsgId = toBob.outer.messageId;
    expect(listMsgId).to.match(/^<.+@lists\.test>$/);
    expect(toBob.inner.messageId, 'inner and outer Message-ID agree').to.equal(listMsgId);
    // Bob's client answers the copy he got: encrypted to the list key, signed with his own.
    const reply = await thunderbird(
      mail(bob, `Re: ${PREFIX} TLP:AMBER Thread start`, { inReplyTo: listMsgId, references: [listMsgId ?? ''] }),
      { text: 'TLP:AMBER\nA reply from Bob.\n' },
      gpgClient(bob, listFpr),
    );
    const out = await relay(bob, reply, 'TLP:AMBER', `Re: ${PREFIX} TLP:AMBER Thread start`);
    for (const r of out) {
      expect(r.outer.inReplyTo, 'outer In-Reply-To').to.equal(listMsgId);
      expect([r.outer.references].flat(), 'outer References').to.include(listMsgId);
      expect(r.inner.inReplyTo, 'protected In-Reply-To').to.equal(listMsgId);
      expect(r.outer.messageId).to.not.equal(listMsgId);
    }
    // Every copy of one post shares its Message-ID.
    const ids = new Set(await Promise.all(out.map(async (r) => (await simpleParser(r.copy.raw)).messageId)));
    expect(ids.size).to.equal(1);
  });
});
