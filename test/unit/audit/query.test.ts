import { expect } from 'chai';
import { appendEntry, type ChainEntry } from '../../../src/audit/chain.js';
import type { DeliveryEvent, MessageEvent } from '../../../src/audit/events.js';
import { aggregateLog, bareMessageId, filterLog, stateCounts, type LogMessage } from '../../../src/audit/query.js';

const T0 = Date.UTC(2026, 0, 1);

function accepted(id: string, over: Partial<MessageEvent> = {}): MessageEvent {
  return {
    messageId: id,
    kind: 'post',
    originalMessageId: `<orig-${id}@client.test>`,
    envelopeFrom: 'alice@a.test',
    from: 'alice@a.test',
    signer: 'AAAA',
    tlp: 'TLP:AMBER',
    size: 1234,
    decision: 'accepted',
    reason: null,
    reply: `250 2.0.0 Ok: queued as ${id}`,
    recipients: 2,
    ...over,
  };
}
const refused: MessageEvent = {
  ...accepted('x'),
  messageId: null,
  originalMessageId: '<red@client.test>',
  tlp: null,
  decision: 'refused',
  reason: 'tlp-above-max',
  reply: '550 5.7.1 TLP:RED is above this list\'s maximum TLP:AMBER+STRICT',
  recipients: 0,
};
const dl = (messageId: string, recipient: string, state: string, attempts: number, reply: string | null, reason: string | null = null): DeliveryEvent => ({
  messageId,
  recipient,
  state,
  attempts,
  reply,
  reason,
});

/** A chain of [minutes after T0, type, payload]. */
function chain(items: Array<[number, string, unknown]>): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev: ChainEntry | null = null;
  for (const [min, type, payload] of items) {
    prev = appendEntry(prev, type, payload, new Date(T0 + min * 60_000));
    out.push(prev);
  }
  return out;
}

describe('audit/query: the log folded per message', function () {
  const entries = chain([
    [0, 'message', accepted('m1')],
    [1, 'delivery', dl('m1', 'bob@b.test', 'sent', 1, '250 ok')],
    [1, 'delivery', dl('m1', 'carol@c.test', 'deferred', 1, '451 4.3.0 later')],
    [2, 'message', refused],
    [3, 'admin', { action: 'queue-retry', detail: 'm1: 1 deliveries' }],
    [4, 'delivery', dl('m1', 'carol@c.test', 'failed', 1, null, 'dropped by operator')],
    [60, 'message', accepted('m2', { recipients: 3, originalMessageId: 'no-brackets@client.test' })],
    [61, 'delivery', dl('m2', 'bob@b.test', 'skipped', 0, null, 'key expired')],
    [62, 'bounce', { messageId: 'm2', recipient: 'bob@b.test', kind: 'dsn', status: '5.1.1', diagnostic: null }],
  ]);
  const log = aggregateLog(entries);

  it('one entry per message, accepted and refused, in chain order; other entry types are not messages', () => {
    expect(log.map((m) => [m.seq, m.queueId, m.decision, m.reason])).to.deep.equal([
      [1, 'm1', 'accepted', null],
      [4, null, 'refused', 'tlp-above-max'],
      [7, 'm2', 'accepted', null],
    ]);
    const m1 = log[0];
    expect(m1).to.include({
      time: '2026-01-01T00:00:00.000Z',
      kind: 'post',
      originalMessageId: '<orig-m1@client.test>',
      envelopeFrom: 'alice@a.test',
      signer: 'AAAA',
      tlp: 'TLP:AMBER',
      size: 1234,
      reply: '250 2.0.0 Ok: queued as m1',
      recipientCount: 2,
      partial: false,
    });
  });

  it('per recipient: the newest state and reason, the highest attempt count, the last SMTP reply any attempt got', () => {
    expect(log[0]?.recipients).to.deep.equal([
      { recipient: 'bob@b.test', state: 'sent', attempts: 1, lastReply: '250 ok', reason: null, time: '2026-01-01T00:01:00.000Z' },
      {
        recipient: 'carol@c.test',
        state: 'failed',
        attempts: 1,
        lastReply: '451 4.3.0 later',
        reason: 'dropped by operator',
        time: '2026-01-01T00:04:00.000Z',
      },
    ]);
    expect(log[1]?.recipients).to.deep.equal([]);
  });

  it('delivery entries whose message entry was pruned make a partial entry', () => {
    const tail = entries.slice(5); // from the drop of m1 on
    const partial = aggregateLog(tail);
    expect(partial.map((m) => [m.queueId, m.partial, m.decision, m.kind, m.recipients.map((r) => r.state)])).to.deep.equal([
      ['m1', true, 'accepted', null, ['failed']],
      ['m2', false, 'accepted', 'post', ['skipped']],
    ]);
  });

  it('malformed payloads are skipped, not fatal', () => {
    const odd = chain([
      [0, 'message', { decision: 'maybe' }],
      [1, 'message', 'not an object'],
      [2, 'delivery', { messageId: 'm9' }],
      [3, 'message', accepted('m3')],
    ]);
    expect(aggregateLog(odd).map((m) => m.queueId)).to.deep.equal(['m3']);
  });

  const cases: Array<[string, Parameters<typeof filterLog>[1], Array<string | null>]> = [
    ['no filter', {}, ['m1', null, 'm2']],
    ['since: inclusive', { since: new Date(T0 + 2 * 60_000) }, [null, 'm2']],
    ['since: after everything', { since: new Date(T0 + 3_600_000 * 24) }, []],
    ['by queue id', { message: 'm2' }, ['m2']],
    ['by original Message-ID with brackets', { message: '<red@client.test>' }, [null]],
    ['by original Message-ID without brackets', { message: 'orig-m1@client.test' }, ['m1']],
    ['stored without brackets, asked with', { message: ' <no-brackets@client.test> ' }, ['m2']],
    ['unknown id', { message: 'nope' }, []],
    ['both filters', { since: new Date(T0 + 60_000), message: 'm1' }, []],
  ];
  for (const [name, f, want] of cases) {
    it(`filterLog: ${name}`, () => {
      expect(filterLog(log, f).map((m) => m.queueId)).to.deep.equal(want);
    });
  }

  it('bareMessageId', () => {
    expect(['<a@b>', 'a@b', ' <a@b> ', '<<a@b>>'].map(bareMessageId)).to.deep.equal(['a@b', 'a@b', 'a@b', '<a@b>']);
  });

  it('stateCounts: recipients without an entry yet count as queued (accepted messages only)', () => {
    const [m1, r, m2] = log as [LogMessage, LogMessage, LogMessage];
    expect(stateCounts(m1)).to.deep.equal({ sent: 1, failed: 1 });
    expect(stateCounts(r)).to.deep.equal({});
    expect(stateCounts(m2)).to.deep.equal({ skipped: 1, queued: 2 });
  });
});
