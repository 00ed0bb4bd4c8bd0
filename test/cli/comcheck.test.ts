import { expect } from 'chai';
import { makeMember } from '../helpers/keys.js';
import { expectOk, expectOneLineError, fixture, Install, lines } from './helpers.js';

/**
 * `remailer member confirm`, `comcheck` and `directory` with the daemon stopped (direct store
 * path): pending members, runs recorded for the daemon to send, exit codes and output formats.
 */
const LIST = 'csirt@lists.test';

describe('cli: member confirm, comcheck and directory (no daemon)', function () {
  let inst: Install;

  before(async () => {
    inst = new Install();
    await inst.createList(LIST, ['--name', 'CSIRT']);
    expectOk(await inst.run(['member', 'add', LIST, 'alice@example.org', '--key', fixture('alice.pub.asc'), '--name', 'Alice', '--team', '=CERT-A']));
  });
  after(() => inst.remove());

  it('member ls shows the new member as pending; member confirm activates (once)', async () => {
    const ls = await inst.run(['member', 'ls', LIST]);
    expect(lines(ls.stdout)[1]).to.match(/^alice@example\.org\s+Alice\s+=CERT-A\s+member\s+pending\s/);
    const r = await inst.run(['member', 'confirm', LIST, 'alice@example.org']);
    expectOk(r);
    expect(r.stdout).to.equal('confirmed alice@example.org on csirt@lists.test (status active)\n');
    expectOneLineError(await inst.run(['member', 'confirm', LIST, 'alice@example.org']), 1, /already active/);
    expectOneLineError(await inst.run(['member', 'confirm', LIST, 'nobody@example.org']), 1, /is not a member/);
  });

  it('comcheck report before any run; --runs must be a positive integer (usage, exit 2)', async () => {
    const r = await inst.run(['comcheck', 'report', LIST]);
    expectOk(r);
    expect(r.stdout).to.match(/^no com-checks on csirt@lists\.test yet/);
    expectOneLineError(await inst.run(['comcheck', 'report', LIST, '--runs', '0']), 2, /--runs must be a positive integer/);
    expectOneLineError(await inst.run(['comcheck', 'run', 'nolist@lists.test']), 1, /no list nolist@lists\.test/);
  });

  it('comcheck run without a daemon records the pings for it; the report shows the open run', async () => {
    const r = await inst.run(['comcheck', 'run', LIST]);
    expectOk(r);
    expect(r.stdout).to.match(/^com-check \S+ on csirt@lists\.test: 1 pings recorded; the daemon sends them when it starts/);
    const rep = await inst.json<{ runs: Array<{ pinged: number; open: number; sentAt: string | null; rate: number | null }> }>(['comcheck', 'report', LIST]);
    expect(rep.runs).to.have.length(1);
    expect(rep.runs[0]).to.deep.include({ pinged: 1, open: 1, sentAt: null, rate: 0 });
  });

  it('directory export: CSV by default (formula neutralised), JSON on request, other formats refused', async () => {
    const csv = await inst.run(['directory', 'export', LIST]);
    expectOk(csv);
    const rows = csv.stdout.split('\r\n');
    expect(rows[0]).to.equal('name,team,role,email,status,fingerprint,keyExpires,enrolledAt,lastComcheck,lastComcheckAt,successRate');
    expect(rows[1]).to.match(/^Alice,'=CERT-A,member,alice@example\.org,active,[0-9A-F]{40},,\S+,open,\S+,$/);
    const json = await inst.run(['directory', 'export', LIST, '--format', 'json']);
    expectOk(json);
    const entries = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(entries[0]).to.deep.include({ name: 'Alice', team: '=CERT-A', lastComcheck: 'open', successRate: null });
    const bad = await inst.run(['directory', 'export', LIST, '--format', 'xml']);
    expect(bad.code).to.equal(2);
  });

  it('directory review: exit 0 when nothing needs attention, 1 with the findings', async () => {
    const ok = await inst.run(['directory', 'review', LIST]);
    expectOk(ok);
    expect(ok.stdout).to.equal('csirt@lists.test: nothing to review (1 members)\n');
    const soon = await makeMember('bob@example.org', 'Bob', { expiresInSeconds: 10 * 86_400 });
    expectOk(await inst.run(['member', 'add', LIST, 'bob@example.org', '--key', inst.file('bob.asc', soon.armoredPublic), '--name', 'Bob']));
    const r = await inst.run(['directory', 'review', LIST]);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.match(/1 of 2 members need attention/);
    expect(r.stdout).to.match(/bob@example\.org\s+Bob\s+key expires on \S+ \(in 10 days\)/);
  });
});
