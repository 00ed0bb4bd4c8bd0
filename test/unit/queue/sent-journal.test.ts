import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SentJournal } from '../../../src/queue/sent-journal.js';
import { rmrf, tmpDir } from '../../helpers/tmp.js';

describe('queue/SentJournal', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => rmrf(dir));

  it('keeps what a killed process noted (no close), and a new run reads it back', () => {
    const file = path.join(dir, 'sent.journal');
    const j = new SentJournal(file);
    j.open();
    j.noteSent({ messageId: 'm1', recipient: 'a@x.test', at: 't', reply: '250 ok' });
    j.noteSent({ messageId: 'm1', recipient: 'b@x.test', at: 't', reply: '250 ok' });
    // No close(): as if the process died here.
    const again = new SentJournal(file);
    expect(again.read().map((e) => e.recipient)).to.deep.equal(['a@x.test', 'b@x.test']);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('ignores a line torn by the crash', () => {
    const file = path.join(dir, 'sent.journal');
    fs.writeFileSync(file, JSON.stringify({ messageId: 'm', recipient: 'a@x.test', at: '', reply: '' }) + '\n{"messageId":"m","reci');
    expect(new SentJournal(file).read()).to.have.length(1);
  });

  it('starts empty after open(), and empties itself once everything reached the store', () => {
    const file = path.join(dir, 'sent.journal');
    fs.writeFileSync(file, JSON.stringify({ messageId: 'm', recipient: 'a@x.test', at: '', reply: '' }) + '\n');
    const j = new SentJournal(file, 2);
    j.open();
    expect(j.read()).to.have.length(0);
    j.noteSent({ messageId: 'm', recipient: 'a@x.test', at: '', reply: '' });
    j.noteSent({ messageId: 'm', recipient: 'b@x.test', at: '', reply: '' });
    j.persisted();
    expect(j.read()).to.have.length(2, 'one entry is not in the store yet');
    j.persisted();
    expect(j.read()).to.have.length(0);
    j.close();
  });

  it('a missing file reads as empty', () => {
    expect(new SentJournal(path.join(dir, 'nope')).read()).to.deep.equal([]);
  });
});
