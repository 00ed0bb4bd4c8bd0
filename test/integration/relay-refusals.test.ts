import { expect } from 'chai';
import * as openpgp from 'openpgp';
import type { PublicKey } from 'openpgp';
import { makeMember, type TestMember } from '../helpers/keys.js';
import { encryptEntity, innerEntity, pgpMimeMessage, plainMessage, type MailSpec } from '../helpers/mail.js';
import { submit } from '../helpers/smtp.js';
import { TestEnv } from '../helpers/env.js';

const LIST = 'csirt@lists.test';
const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Every refusal named by the relay issue, over real SMTP: the exact reply, and nothing at the
 * smarthost. One daemon serves all cases; each case counts what the sink got before and after.
 */
describe('relay: what the list must not carry is refused in the SMTP conversation', function () {
  let env: TestEnv;
  let listKey: PublicKey;
  let alice: TestMember;
  let bob: TestMember;
  let outsider: TestMember;

  before(async () => {
    env = await TestEnv.start({ smtp: { maxMessageBytes: 200_000 } });
    const l = await env.listWithMembers(3);
    listKey = l.listKey;
    [alice, bob] = l.members as [TestMember, TestMember];
    outsider = await makeMember('eve@outside.test', 'Eve');
  });
  after(async () => env?.stop());

  function spec(over: Partial<MailSpec> = {}): MailSpec {
    return { from: { name: alice.name, address: alice.email }, to: LIST, subject: 'TLP:GREEN status', text: 'All quiet.', ...over };
  }

  async function expectRefused(from: string, raw: Buffer, code: number, line: RegExp | string): Promise<void> {
    const before = env.sink.messages.length;
    const r = await submit(env.smtpPort, from, LIST, raw);
    expect(r.code, r.response).to.equal(code);
    if (typeof line === 'string') expect(r.response).to.equal(line);
    else expect(r.response).to.match(line);
    await settle();
    expect(env.sink.messages.length, 'nothing reached the smarthost').to.equal(before);
  }

  it('plain mail', async () => {
    await expectRefused(alice.email, plainMessage(spec()), 550, "550 5.7.1 This list accepts only encrypted mail; encrypt the message to the list's OpenPGP key");
  });

  it('a non-member', async () => {
    const raw = await pgpMimeMessage(spec({ from: { address: outsider.email } }), { encryptTo: [listKey], signer: outsider.key });
    await expectRefused(outsider.email, raw, 550, /^550 5\.7\.[12] /);
  });

  it('a From that differs from the envelope sender', async () => {
    const raw = await pgpMimeMessage(spec({ from: { address: bob.email } }), { encryptTo: [listKey], signer: bob.key });
    await expectRefused(alice.email, raw, 550, '550 5.7.2 The envelope sender and the From address differ; send from the address you are enrolled with in both');
  });

  it('an unsigned message', async () => {
    const raw = await pgpMimeMessage(spec(), { encryptTo: [listKey], sign: 'none' });
    await expectRefused(alice.email, raw, 550, '550 5.7.1 This list requires messages signed with your enrolled OpenPGP key; sign the message and resend');
  });

  it('a message signed by a non-member key', async () => {
    const raw = await pgpMimeMessage(spec(), { encryptTo: [listKey], signer: outsider.key });
    await expectRefused(alice.email, raw, 550, /^550 5\.7\.1 The message is not signed with the key enrolled for the sender's address/);
  });

  it("a message signed by another member's key", async () => {
    const raw = await pgpMimeMessage(spec(), { encryptTo: [listKey], signer: bob.key });
    await expectRefused(alice.email, raw, 550, /^550 5\.7\.1 The message is not signed with the key enrolled for the sender's address/);
  });

  it('a bad signature (signed part altered after signing, RFC 3156 §6.1 inside the encryption)', async () => {
    const entity = innerEntity(spec(), true);
    const sig = await openpgp.sign({ message: await openpgp.createMessage({ binary: Buffer.from(entity) }), signingKeys: alice.key, detached: true });
    const tampered = entity.replace('All quiet.', 'All quiet!');
    const b = 'sigb';
    const signed = [
      `Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="${b}"`,
      '',
      `--${b}`,
      tampered,
      `--${b}`,
      'Content-Type: application/pgp-signature',
      '',
      String(sig),
      `--${b}--`,
      '',
    ].join('\r\n');
    const armored = await encryptEntity(signed, { encryptTo: [listKey], sign: 'none' });
    const raw = Buffer.from(
      [
        `From: <${alice.email}>`,
        `To: <${LIST}>`,
        'Subject: ...',
        'MIME-Version: 1.0',
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="outer"',
        '',
        '--outer',
        'Content-Type: application/pgp-encrypted',
        '',
        'Version: 1',
        '--outer',
        'Content-Type: application/octet-stream',
        '',
        armored.replace(/\r?\n/g, '\r\n'),
        '--outer--',
        '',
      ].join('\r\n'),
    );
    await expectRefused(alice.email, raw, 550, /^550 5\.7\.7 The message signature does not verify/);
  });

  it('a TLP label above the maximum', async () => {
    const raw = await pgpMimeMessage(spec({ subject: 'TLP:RED incident' }), { encryptTo: [listKey], signer: alice.key });
    await expectRefused(alice.email, raw, 550, "550 5.7.1 TLP:RED is above this list's maximum TLP:AMBER+STRICT");
  });

  it('a sloppy label counts (tlp: red in the body, fail-closed)', async () => {
    const raw = await pgpMimeMessage(spec({ subject: 'update', text: 'Handle as tlp: red please.' }), { encryptTo: [listKey], signer: alice.key });
    await expectRefused(alice.email, raw, 550, "550 5.7.1 TLP:RED is above this list's maximum TLP:AMBER+STRICT");
  });

  it('a forged outer Subject cannot lower the protected one', async () => {
    const raw = await pgpMimeMessage(spec({ subject: 'TLP:RED inside' }), { encryptTo: [listKey], signer: alice.key, protectedHeaders: true });
    const forged = Buffer.from(raw.toString().replace('Subject: ...', 'Subject: TLP:CLEAR nothing to see'));
    await expectRefused(alice.email, forged, 550, "550 5.7.1 TLP:RED is above this list's maximum TLP:AMBER+STRICT");
  });

  it('an unlabelled message while require-tlp is on', async () => {
    const raw = await pgpMimeMessage(spec({ subject: 'status', text: 'no label here' }), { encryptTo: [listKey], signer: alice.key });
    await expectRefused(alice.email, raw, 550, /^550 5\.7\.1 This list requires a TLP label; add one \(at most TLP:AMBER\+STRICT\)/);
  });

  it('an oversized message, counted while streaming', async () => {
    const raw = await pgpMimeMessage(spec({ text: 'x'.repeat(300_000) }), { encryptTo: [listKey], signer: alice.key });
    const r = await submit(env.smtpPort, alice.email, LIST, raw);
    expect(r.code, r.response).to.equal(552);
    expect(r.response).to.match(/^552 5\.3\.4 /);
  });

  it('an unknown recipient, at RCPT TO', async () => {
    const r = await submit(env.smtpPort, alice.email, 'nosuchlist@lists.test', plainMessage(spec()));
    expect(r.code).to.equal(550);
    expect(r.response).to.match(/^550 5\.1\.1 /);
  });

  it('a loop: mail that carries our own X-Loop', async () => {
    const raw = await pgpMimeMessage(spec({ headers: [`X-Loop: ${LIST}`] }), { encryptTo: [listKey], signer: alice.key });
    await expectRefused(alice.email, raw, 554, /^554 5\.4\.6 /);
  });

  it('an auto-reply (Auto-Submitted: auto-replied)', async () => {
    const raw = await pgpMimeMessage(spec({ headers: ['Auto-Submitted: auto-replied'] }), { encryptTo: [listKey], signer: alice.key });
    await expectRefused(alice.email, raw, 550, /^550 5\.7\.1 This list does not accept automatic messages/);
  });

  it('a replay of an accepted message (the same signed ciphertext sent again)', async () => {
    const raw = await pgpMimeMessage(spec(), { encryptTo: [listKey], signer: alice.key });
    const first = await submit(env.smtpPort, alice.email, LIST, raw);
    expect(first.code, first.response).to.equal(250);
    await env.sink.waitFor(env.sink.messages.length + 2);
    await expectRefused(alice.email, raw, 550, /^550 5\.7\.1 This signed message was already accepted by this list/);
  });

  it('refusals are in the list log with their reason, and without content', async () => {
    const entries = await env.daemon.store.audit.all(LIST);
    const refused = entries.filter((e) => e.type === 'message' && (e.payload as { decision: string }).decision === 'refused');
    const reasons = new Set(refused.map((e) => (e.payload as { reason: string }).reason));
    for (const r of ['not-encrypted', 'unsigned', 'tlp-above-max', 'tlp-missing', 'loop', 'auto-reply', 'replay', 'bad-signature']) {
      expect(reasons.has(r), r).to.equal(true);
    }
    const text = JSON.stringify(entries);
    expect(text).to.not.include('All quiet');
    expect(text).to.not.include('Handle as');
  });
});
