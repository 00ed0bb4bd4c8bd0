import fs from 'node:fs';
import { expect } from 'chai';
import { makeMember } from '../helpers/keys.js';
import { expectOk, expectOneLineError, fingerprintOf, fixture, Install, lines, spacedLower } from './helpers.js';

/**
 * `remailer member ...` with the daemon stopped (direct store path): enrollment of good keys in
 * every accepted form, and one test per refusal with the fixture made for it (see
 * test/fixtures/keys/README.md). Each refusal exits 1 with one line naming the reason.
 */

const LIST = 'csirt@lists.test';

interface MemberJson {
  list: string;
  email: string;
  name: string;
  team: string;
  role: string;
  status: string;
  fingerprint: string;
  algorithm: string;
  keyCreated: string;
  keyExpires: string | null;
  enrolledAt: string;
  keyUpdatedAt: string;
  allowUidMismatch: boolean;
  bounceCount: number;
}
interface EnrollJson extends MemberJson {
  warnings: string[];
}

const MEMBER_FIELDS = [
  'algorithm',
  'allowUidMismatch',
  'bounceCount',
  'email',
  'enrolledAt',
  'fingerprint',
  'keyCreated',
  'keyExpires',
  'keyUpdatedAt',
  'list',
  'name',
  'role',
  'status',
  'team',
];

describe('cli: remailer member', function () {
  let inst: Install;
  let aliceFpr: string;
  let bobFpr: string;
  let carolFpr: string;

  const members = async (): Promise<MemberJson[]> => inst.json<MemberJson[]>(['member', 'ls', LIST]);
  const emails = async (): Promise<string[]> => (await members()).map((m) => m.email);

  before(async () => {
    inst = new Install();
    await inst.createList(LIST);
    aliceFpr = await fingerprintOf(fixture('alice.pub.asc'));
    bobFpr = await fingerprintOf(fixture('bob-rsa3072.pub.asc'));
    carolFpr = await fingerprintOf(fixture('carol-openpgpjs.pub.asc'));
  });
  after(() => inst.remove());

  describe('refusals (exit 1, one line with the reason, nothing stored)', function () {
    it('secret key material (armored): says so and stores nothing', async () => {
      const r = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.sec.asc')]);
      expectOneLineError(r, 1, /SECRET key material: it was not stored/);
      expect(await members()).to.deep.equal([]);
      expectOneLineError(await inst.run(['member', 'show', LIST, 'alice@example.org']), 1, /not a member/);
    });

    it('secret key material (binary), also from standard input', async () => {
      const r1 = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.sec.gpg')]);
      expectOneLineError(r1, 1, /SECRET key material/);
      const r2 = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', '-'], {
        input: fs.readFileSync(fixture('alice.sec.asc')),
      });
      expectOneLineError(r2, 1, /SECRET key material/);
      expect(await members()).to.deep.equal([]);
    });

    const cases: Array<[what: string, email: string, file: string, reason: RegExp, extra?: string[]]> = [
      ['unparseable data', 'x@example.org', '<text>', /neither an armored nor a binary OpenPGP key/],
      ['an empty file', 'x@example.org', '<empty>', /the key file is empty/],
      ['armor with invalid base64', 'alice@example.org', '<damaged>', /damaged ASCII armor/],
      ['armor whose checksum does not match (one character changed)', 'alice@example.org', '<flipped>', /damaged ASCII armor/],
      ['an expired key', 'expired@example.org', 'expired.pub.asc', /expired on 2024-12-31.*extend it/],
      ['a revoked key', 'revoked@example.org', 'revoked.pub.asc', /was revoked/],
      ['a key whose self-signature does not verify', 'alice@example.org', 'bad-self-signature.pub.asc', /no valid self-signature/],
      ['an RSA-1024 key', 'weak-rsa@example.org', 'rsa1024.pub.asc', /RSA with 1024 bits is too weak/],
      ['an RSA-1024 encryption subkey', 'weak-subkey@example.org', 'rsa1024-subkey.pub.asc', /weak encryption key \(rsa1024\)/],
      ['a DSA key', 'dsa@example.org', 'dsa-elgamal.pub.asc', /DSA \(2048 bits\) is no longer accepted/],
      ['an ElGamal encryption subkey', 'elg-subkey@example.org', 'elgamal-subkey.pub.asc', /ElGamal \(2048 bits\) is no longer accepted/],
      ['a v3 (PGP 2.x) key', 'v3@example.org', 'v3-rsa.pub.asc', /version 3 \(PGP 2\.x\) key/],
      ['a key with no encryption subkey', 'signonly@example.org', 'no-encryption-subkey.pub.asc', /has no encryption subkey/],
      ['a key whose only encryption subkey expired', 'subexpired@example.org', 'encryption-subkey-expired.pub.asc', /encryption subkey that expired/],
      ['a key that cannot sign', 'nosign@example.org', 'no-signing-key.pub.asc', /no signing-capable key/],
      ['two keys, none for the email', 'carol@example.org', 'two-keys.pub.asc', /holds 2 keys and none of them has a user ID for carol@example\.org/],
      ['two keys, both for the email', 'alice@example.org', 'two-keys-same-uid.pub.asc', /holds 2 keys and 2 of them have a user ID/],
      ['a key without a user ID for the email', 'alice@example.org', 'wrong-uid.pub.asc', /no valid user ID for alice@example\.org \(it has: "Mallory Other <mallory@example\.net>"\)/],
      ['a --fingerprint that does not match', 'alice@example.org', 'alice.pub.asc', /not the expected 0{40}/, ['--fingerprint', '0'.repeat(40)]],
      ['a --fingerprint that is a key ID', 'alice@example.org', 'alice.pub.asc', /key ID/, ['--fingerprint', 'E8 B9 AC 71 3C 2B 2C 7E']],
    ];
    for (const [what, email, file, reason, extra] of cases) {
      it(what, async () => {
        let path: string;
        if (file === '<text>') path = inst.file('garbage.txt', 'this is not a key, just some words\n');
        else if (file === '<empty>') path = inst.file('empty.asc', '');
        else if (file === '<damaged>') {
          const armored = fs.readFileSync(fixture('alice.pub.asc'), 'utf8');
          path = inst.file('damaged.asc', armored.replace(/^([A-Za-z0-9+/]{20})[A-Za-z0-9+/]{10}/m, '$1!!!!!!!!!!'));
        } else if (file === '<flipped>') {
          const armored = fs.readFileSync(fixture('alice.pub.asc'), 'utf8');
          const flipped = armored.replace(/^([A-Za-z0-9+/]{20})R/m, '$1S');
          expect(flipped).to.not.equal(armored);
          path = inst.file('flipped.asc', flipped);
        } else path = fixture(file);
        const r = await inst.run(['member', 'add', LIST, email, '--key', path, ...(extra ?? [])]);
        expectOneLineError(r, 1, reason);
      });
    }

    it('after all refusals, the list still has no members', async () => {
      expect(await members()).to.deep.equal([]);
    });

    it('a missing key file is a usage error (exit 2)', async () => {
      const r = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', inst.file('x', '') + '-missing']);
      expectOneLineError(r, 2, /cannot read key file .*no such file/);
    });

    it('--role with an invalid value: exit 2, one line', async () => {
      const r = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.pub.asc'), '--role', 'boss']);
      expectOneLineError(r, 2, /role/);
      expect(r.stderr).to.include('boss');
    });

    it('an unknown list: exit 1', async () => {
      expectOneLineError(
        await inst.run(['member', 'add', 'nope@lists.test', 'alice@example.org', '--key', fixture('alice.pub.asc')]),
        1,
        /no list nope@lists\.test/,
      );
      expectOneLineError(await inst.run(['member', 'ls', 'nope@lists.test']), 1, /no list nope@lists\.test/);
    });

    it('an invalid member address: exit 1', async () => {
      const r = await inst.run(['member', 'add', LIST, 'not-an-address', '--key', fixture('alice.pub.asc')]);
      expectOneLineError(r, 1, /not a valid e-mail address/);
    });
  });

  describe('enrollment', function () {
    it('a good key from a file, with --fingerprint in lower case with spaces: prints fingerprint, algorithm, expiry', async () => {
      const r = await inst.run([
        'member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.pub.asc'),
        '--fingerprint', spacedLower(aliceFpr), '--name', 'Alice Member', '--team', 'CERT-A', '--role', 'representative',
      ]);
      expectOk(r);
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.include(`enrolled alice@example.org on ${LIST}`);
      expect(r.stdout).to.match(new RegExp(`^fingerprint:\\s+${aliceFpr}$`, 'm'));
      expect(r.stdout).to.match(/^algorithm:\s+ed25519\/cv25519$/m);
      expect(r.stdout).to.match(/^expires:\s+never$/m);
    });

    it('a good key on standard input (--key -), --json with the stable fields', async () => {
      const r = await inst.run(
        ['member', 'add', LIST, 'Carol@Example.org', '--key', '-', '--name', 'Carol', '--team', 'CERT-C', '--role', 'alternate', '--json'],
        { input: fs.readFileSync(fixture('carol-openpgpjs.pub.asc')) },
      );
      expectOk(r);
      const j = JSON.parse(r.stdout) as EnrollJson;
      expect(Object.keys(j).sort()).to.deep.equal([...MEMBER_FIELDS, 'warnings'].sort());
      expect(j).to.deep.include({
        list: LIST,
        email: 'carol@example.org',
        name: 'Carol',
        team: 'CERT-C',
        role: 'alternate',
        status: 'pending',
        fingerprint: carolFpr,
        algorithm: 'ed25519/cv25519',
        keyExpires: null,
        allowUidMismatch: false,
        bounceCount: 0,
        warnings: [],
      });
      expect(Number.isNaN(Date.parse(j.keyCreated))).to.equal(false);
      expect(j.enrolledAt).to.equal(j.keyUpdatedAt);
    });

    it('an RSA-3072 key, and the wanted key out of a two-key file', async () => {
      const r = await inst.run(['member', 'add', LIST, 'bob@example.org', '--key', fixture('two-keys.pub.asc'), '--json']);
      expectOk(r);
      const j = JSON.parse(r.stdout) as EnrollJson;
      expect(j.fingerprint).to.equal(bobFpr);
      expect(j.algorithm).to.equal('rsa3072');
      expect(j.role).to.equal('member');
    });

    it('a key without a matching user ID is enrolled with --allow-uid-mismatch, and that is recorded', async () => {
      const r = await inst.run(['member', 'add', LIST, 'mallory@example.org', '--key', fixture('wrong-uid.pub.asc'), '--allow-uid-mismatch']);
      expectOk(r);
      const m = await inst.json<MemberJson>(['member', 'show', LIST, 'mallory@example.org']);
      expect(m.allowUidMismatch).to.equal(true);
      const text = await inst.run(['member', 'show', LIST, 'mallory@example.org']);
      expect(text.stdout).to.match(/^uid mismatch allowed:\s+yes$/m);
      const alice = await inst.json<MemberJson>(['member', 'show', LIST, 'alice@example.org']);
      expect(alice.allowUidMismatch).to.equal(false);
    });

    it('a key expiring within 30 days is enrolled with a warning on stderr', async () => {
      const soon = await makeMember('soon@team-s.test', 'Soon', { expiresInSeconds: 10 * 86_400 });
      const file = inst.file('soon.asc', soon.armoredPublic);
      const r = await inst.run(['member', 'add', LIST, soon.email, '--key', file]);
      expectOk(r);
      expect(lines(r.stderr)).to.have.length(1);
      expect(r.stderr).to.match(/^warning: the key expires in (9|10) days/);
      const expires = /^expires:\s+(\S+)$/m.exec(r.stdout)?.[1] ?? '';
      const days = (Date.parse(expires) - Date.now()) / 86_400_000;
      expect(days).to.be.within(9, 10.01);
    });

    it('a key expiring in 60 days gets no warning', async () => {
      const later = await makeMember('later@team-l.test', 'Later', { expiresInSeconds: 60 * 86_400 });
      const r = await inst.run(['member', 'add', LIST, later.email, '--key', inst.file('later.asc', later.armoredPublic)]);
      expectOk(r);
      expect(r.stderr).to.equal('');
    });

    it('adding an existing member again is refused (exit 1)', async () => {
      const r = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.pub.asc')]);
      expectOneLineError(r, 1, /already a member .*update-key/);
    });

    it("another member's key is refused for a second address", async () => {
      const r = await inst.run(['member', 'add', LIST, 'dave@example.org', '--key', fixture('alice.pub.asc'), '--allow-uid-mismatch']);
      expectOneLineError(r, 1, /already enrolled for alice@example\.org/);
    });
  });

  describe('ls, show, update-key, rm', function () {
    it('ls prints one row per member; ls --json has the stable fields', async () => {
      const r = await inst.run(['member', 'ls', LIST]);
      expectOk(r);
      const [header, ...rows] = lines(r.stdout);
      expect(header).to.match(/^EMAIL\s+NAME\s+TEAM\s+ROLE\s+STATUS\s+FINGERPRINT\s+EXPIRES$/);
      expect(rows).to.have.length(6);
      const aliceRow = rows.find((l) => l.startsWith('alice@example.org'));
      expect(aliceRow).to.match(/Alice Member\s+CERT-A\s+representative\s+pending\s+[0-9A-F]{40}\s+never$/);
      const ms = await members();
      expect(ms.map((m) => m.email).sort()).to.deep.equal(
        ['alice@example.org', 'bob@example.org', 'carol@example.org', 'later@team-l.test', 'mallory@example.org', 'soon@team-s.test'],
      );
      for (const m of ms) expect(Object.keys(m).sort()).to.deep.equal(MEMBER_FIELDS);
      const lsList = await inst.json<Array<{ members: number }>>(['list', 'ls']);
      expect(lsList[0]?.members).to.equal(6);
    });

    it('show prints the member; show --json matches', async () => {
      const r = await inst.run(['member', 'show', LIST, 'ALICE@example.org']);
      expectOk(r);
      expect(r.stdout).to.match(new RegExp(`^fingerprint:\\s+${aliceFpr}$`, 'm'));
      expect(r.stdout).to.match(/^role:\s+representative$/m);
      expect(r.stdout).to.match(/^team:\s+CERT-A$/m);
      const j = await inst.json<MemberJson>(['member', 'show', LIST, 'alice@example.org']);
      expect(j).to.deep.include({ email: 'alice@example.org', name: 'Alice Member', team: 'CERT-A', role: 'representative', fingerprint: aliceFpr });
    });

    it('show of an unknown member: exit 1', async () => {
      expectOneLineError(await inst.run(['member', 'show', LIST, 'nobody@example.org']), 1, /nobody@example\.org is not a member of csirt@lists\.test/);
    });

    it('update-key applies the same checks: revoked, secret, wrong fingerprint are refused and the key stays', async () => {
      const refused: Array<[string[], RegExp, string | undefined]> = [
        [['--key', fixture('revoked.pub.asc')], /was revoked/, undefined],
        [['--key', fixture('alice.sec.asc')], /SECRET key material/, undefined],
        [['--key', fixture('expired.pub.asc'), '--allow-uid-mismatch'], /expired on/, undefined],
        [['--key', fixture('rsa1024.pub.asc'), '--allow-uid-mismatch'], /too weak/, undefined],
        [['--key', fixture('wrong-uid.pub.asc')], /no valid user ID for carol@example\.org/, undefined],
        [['--key', '-', '--fingerprint', bobFpr], /not the expected/, fs.readFileSync(fixture('carol-openpgpjs.pub.asc'), 'utf8')],
      ];
      for (const [args, reason, input] of refused) {
        const r = await inst.run(['member', 'update-key', LIST, 'carol@example.org', ...args], { input });
        expectOneLineError(r, 1, reason);
      }
      const m = await inst.json<MemberJson>(['member', 'show', LIST, 'carol@example.org']);
      expect(m.fingerprint).to.equal(carolFpr);
      expect(m.keyUpdatedAt).to.equal(m.enrolledAt);
    });

    it('update-key with a good new key replaces it and keeps the rest of the member', async () => {
      const fresh = await makeMember('carol@example.org', 'Carol New');
      const r = await inst.run(['member', 'update-key', LIST, 'carol@example.org', '--key', inst.file('carol-new.asc', fresh.armoredPublic), '--fingerprint', fresh.fingerprint]);
      expectOk(r);
      expect(r.stdout).to.include('updated key of carol@example.org');
      expect(r.stdout).to.include(fresh.fingerprint);
      const m = await inst.json<MemberJson>(['member', 'show', LIST, 'carol@example.org']);
      expect(m).to.deep.include({ fingerprint: fresh.fingerprint, name: 'Carol', team: 'CERT-C', role: 'alternate' });
      expect(Date.parse(m.keyUpdatedAt)).to.be.greaterThan(Date.parse(m.enrolledAt));
    });

    it('update-key of an unknown member or list: exit 1', async () => {
      expectOneLineError(
        await inst.run(['member', 'update-key', LIST, 'nobody@example.org', '--key', fixture('alice.pub.asc')]),
        1,
        /not a member/,
      );
      expectOneLineError(
        await inst.run(['member', 'update-key', 'nope@lists.test', 'alice@example.org', '--key', fixture('alice.pub.asc')]),
        1,
        /no list/,
      );
    });

    it('rm removes the member; removing again or from an unknown list: exit 1', async () => {
      const r = await inst.run(['member', 'rm', LIST, 'alice@example.org']);
      expectOk(r);
      expect(r.stdout.trim()).to.equal(`removed alice@example.org from ${LIST}`);
      expect(await emails()).not.to.include('alice@example.org');
      expectOneLineError(await inst.run(['member', 'show', LIST, 'alice@example.org']), 1, /not a member/);
      expectOneLineError(await inst.run(['member', 'rm', LIST, 'alice@example.org']), 1, /not a member/);
      expectOneLineError(await inst.run(['member', 'rm', 'nope@lists.test', 'alice@example.org']), 1, /no list/);
    });

    it('a removed member can be enrolled again, here from the binary (non-armored) key', async () => {
      const r = await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.pub.gpg'), '--json']);
      expectOk(r);
      expect((JSON.parse(r.stdout) as EnrollJson).fingerprint).to.equal(aliceFpr);
    });
  });
});
