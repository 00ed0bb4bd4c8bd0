import { expect } from 'chai';
import type { QueueEntryView } from '../../../src/admin/api.js';
import { queueView } from '../../../src/admin/queue.js';
import { dropText, nextAttempt, queueText, retryText } from '../../../src/cli/queue-format.js';
import type { DeliveryRecord } from '../../../src/store/records.js';

const NOW = new Date('2026-01-01T12:00:00Z');

function rec(over: Partial<DeliveryRecord>): DeliveryRecord {
  return {
    v: 1,
    messageId: 'q1',
    list: 'l@x.test',
    recipient: 'bob@b.test',
    fingerprint: 'F',
    state: 'queued',
    attempts: 0,
    createdAt: '2026-01-01T11:00:00.000Z',
    updatedAt: '2026-01-01T11:00:00.000Z',
    nextAttemptAt: '2026-01-01T11:00:00.000Z',
    lastReply: null,
    reason: null,
    verp: 'v',
    sentAt: null,
    ...over,
  };
}

describe('cli/queue-format and the queue view', function () {
  const view = queueView([
    rec({}),
    rec({ recipient: 'carol@c.test', state: 'deferred', attempts: 2, nextAttemptAt: '2026-01-01T13:00:00.000Z', lastReply: '451 4.3.0 later' }),
    rec({ messageId: 'q2', recipient: 'dave@d.test', state: 'sending', attempts: 1 }),
    rec({ messageId: 'q2', recipient: 'erin@e.test', state: 'sent' }),
  ]);

  it('queueView keeps only what is not final and counts it', () => {
    expect(view.deliveries.map((d) => d.recipient)).to.deep.equal(['bob@b.test', 'carol@c.test', 'dave@d.test']);
    expect(view.summary).to.deep.equal({ deliveries: 3, messages: 2, queued: 1, sending: 1, deferred: 1 });
  });

  const next: Array<[Partial<QueueEntryView>, string]> = [
    [{ state: 'queued', nextAttemptAt: '2026-01-01T11:00:00.000Z' }, 'now'],
    [{ state: 'deferred', nextAttemptAt: '2026-01-01T12:00:00.000Z' }, 'now'],
    [{ state: 'deferred', nextAttemptAt: '2026-01-01T13:00:00.123Z' }, '2026-01-01T13:00:00Z'],
    [{ state: 'sending', nextAttemptAt: '2026-01-01T13:00:00.000Z' }, 'in progress'],
    [{ state: 'deferred', nextAttemptAt: null }, '-'],
  ];
  for (const [over, want] of next) {
    it(`nextAttempt ${over.state ?? ''} ${over.nextAttemptAt ?? 'null'} → ${want}`, () => {
      const d = { ...(view.deliveries[0] as QueueEntryView), ...over };
      expect(nextAttempt(d, NOW)).to.equal(want);
    });
  }

  it('queueText: a table and the summary', () => {
    expect(queueText(view, NOW)).to.deep.equal([
      'QUEUE ID  LIST      RECIPIENT     STATE     ATTEMPTS  NEXT ATTEMPT          LAST REPLY',
      'q1        l@x.test  bob@b.test    queued    0         now                   -',
      'q1        l@x.test  carol@c.test  deferred  2         2026-01-01T13:00:00Z  451 4.3.0 later',
      'q2        l@x.test  dave@d.test   sending   1         in progress           -',
      '',
      '3 pending deliveries in 2 messages: 1 queued, 1 sending, 1 deferred',
    ]);
    expect(queueText(queueView([]), NOW)).to.deep.equal(['the queue is empty']);
  });

  it('retryText and dropText', () => {
    expect(retryText({ retried: 2, madeDue: 1, messages: ['q1'] }, true)).to.deep.equal([
      'retrying 2 deliveries of 1 message (1 deferred made due now): the daemon is sending them now',
    ]);
    expect(retryText({ retried: 1, madeDue: 0, messages: ['q1'] }, false)).to.deep.equal([
      'retrying 1 delivery of 1 message: they are sent as soon as the daemon starts',
    ]);
    expect(retryText({ retried: 0, madeDue: 0, messages: [] }, true)).to.deep.equal(['nothing to retry: the queue is empty']);
    expect(dropText({ queueId: 'q1', list: 'l@x.test', dropped: ['bob@b.test'], inFlight: ['carol@c.test'] })).to.deep.equal([
      'dropped 1 delivery of q1 (l@x.test), marked failed: dropped by operator',
      '  bob@b.test',
      '1 copy already with the smarthost could not be stopped; their outcome is logged as usual:',
      '  carol@c.test',
    ]);
  });
});
