import { expect } from 'chai';
import { SMTPServer } from 'smtp-server';
import { SmtpPool } from '../../../src/delivery/smtp-pool.js';
import { classifyDelivery } from '../../../src/delivery/classify.js';

/** A real smarthost on loopback that counts connections and can demand AUTH or refuse a recipient. */
async function smarthost(opts: { auth?: boolean; refuse?: string } = {}): Promise<{ port: number; connections: () => number; got: string[]; close: () => Promise<void> }> {
  let connections = 0;
  const got: string[] = [];
  const server = new SMTPServer({
    disabledCommands: opts.auth ? ['STARTTLS'] : ['AUTH', 'STARTTLS'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    onConnect(_s, cb) {
      connections++;
      cb();
    },
    onAuth(auth, _s, cb) {
      if (auth.username === 'remailer' && auth.password === 'right') cb(null, { user: 'remailer' });
      else cb(Object.assign(new Error('5.7.8 Authentication failed'), { responseCode: 535 }));
    },
    onRcptTo(addr, _s, cb) {
      if (addr.address === opts.refuse) cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
      else cb();
    },
    onData(stream, s, cb) {
      stream.resume();
      stream.on('end', () => {
        got.push(s.envelope.rcptTo[0]?.address ?? '');
        cb(null, 'ok');
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as { port: number }).port;
  return { port, connections: () => connections, got, close: () => new Promise((r) => server.close(() => r())) };
}

const copy = (to: string) => ({ from: 'list-bounces+tok@lists.test', to, raw: Buffer.from(`To: ${to}\r\nSubject: x\r\n\r\nbody\r\n`) });
const options = (port: number) => ({ host: '127.0.0.1', port, secure: false, name: 'lists.test', connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 5000 });

describe('delivery/SmtpPool', () => {
  it('reuses connections: ten copies over at most two connections, each copy one transaction', async () => {
    const h = await smarthost();
    const pool = new SmtpPool(options(h.port), null, 2);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.send(copy(`m${i}@x.test`))));
    expect(results.every((r) => classifyDelivery(r).kind === 'sent')).to.equal(true);
    expect(h.got).to.have.length(10);
    expect(h.connections()).to.be.at.most(2);
    pool.close();
    await h.close();
  });

  it('a refused recipient is a permanent failure for that copy only; the connection goes on', async () => {
    const h = await smarthost({ refuse: 'gone@x.test' });
    const pool = new SmtpPool(options(h.port), null, 1);
    const bad = await pool.send(copy('gone@x.test'));
    expect(bad.responseCode).to.equal(550);
    expect(classifyDelivery(bad).kind).to.equal('permanent');
    const good = await pool.send(copy('here@x.test'));
    expect(classifyDelivery(good).kind).to.equal('sent');
    expect(h.connections()).to.equal(1);
    pool.close();
    await h.close();
  });

  it('a refused connection is a temporary failure', async () => {
    const h = await smarthost();
    await h.close();
    const pool = new SmtpPool(options(h.port), null, 1);
    const r = await pool.send(copy('a@x.test'));
    expect(r.errorCode).to.match(/ECONNREFUSED|ECONNECTION|ESOCKET/);
    expect(classifyDelivery(r).kind).to.equal('temporary');
    pool.close();
  });

  it('logs in with delivery.auth; a wrong password is temporary and flagged as our own set-up', async () => {
    const h = await smarthost({ auth: true });
    const ok = new SmtpPool(options(h.port), { user: 'remailer', pass: 'right' }, 1);
    expect(classifyDelivery(await ok.send(copy('a@x.test'))).kind).to.equal('sent');
    ok.close();
    const wrong = new SmtpPool(options(h.port), { user: 'remailer', pass: 'wrong' }, 1);
    const c = classifyDelivery(await wrong.send(copy('a@x.test')));
    expect(c.kind).to.equal('temporary');
    expect(c.operatorError).to.equal(true);
    wrong.close();
    await h.close();
  });
});
