import { expect } from 'chai';
import {
  DEFAULT_LIST_OPTIONS,
  LIST_OPTION_KEYS,
  effectiveListName,
  effectiveSubjectPrefix,
  formatListOption,
  isListOptionKey,
  listOptionDescription,
  listOptionSpec,
  parseListOption,
  withDefaults,
  withOption,
} from '../../../src/policy/options.js';
import type { ListOptionKey, ListOptions, ListOptionSetting } from '../../../src/policy/options.js';

describe('policy/options: the table', () => {
  it('has exactly the public option names, in order', () => {
    expect(LIST_OPTION_KEYS).to.deep.equal([
      'name',
      'subject-prefix',
      'max-tlp',
      'require-tlp',
      'default-tlp',
      'receive-encrypted-only',
      'members-only',
      'require-signature',
      'deliver-to-sender',
      'accept-inline-pgp',
      'bounce-threshold',
      'log-retention-days',
      'comcheck-schedule',
      'comcheck-window-hours',
      'comcheck-require-signed',
      'confirm-enrollment',
    ]);
  });

  it('has the documented defaults', () => {
    const expected: ListOptions = {
      name: '',
      'subject-prefix': '',
      'max-tlp': 'TLP:AMBER+STRICT',
      'require-tlp': true,
      'default-tlp': 'TLP:AMBER',
      'receive-encrypted-only': true,
      'members-only': true,
      'require-signature': true,
      'deliver-to-sender': false,
      'accept-inline-pgp': true,
      'bounce-threshold': 5,
      'log-retention-days': 365,
      'comcheck-schedule': '',
      'comcheck-window-hours': 72,
      'comcheck-require-signed': true,
      'confirm-enrollment': true,
    };
    expect(DEFAULT_LIST_OPTIONS).to.deep.equal(expected);
    expect(Object.isFrozen(DEFAULT_LIST_OPTIONS)).to.equal(true);
  });

  for (const key of LIST_OPTION_KEYS) {
    it(`${key}: one-line description; its default formats and parses back to itself`, () => {
      const description = listOptionDescription(key);
      expect(description).to.be.a('string').and.not.match(/[\r\n]/);
      expect(description.length).to.be.within(10, 100);
      const setting = parseListOption(key, formatListOption(key, DEFAULT_LIST_OPTIONS[key]));
      expect(setting).to.deep.equal({ key, value: DEFAULT_LIST_OPTIONS[key] });
    });
  }

  it('isListOptionKey knows the keys and nothing else', () => {
    expect(isListOptionKey('max-tlp')).to.equal(true);
    expect(isListOptionKey('max_tlp')).to.equal(false);
    expect(isListOptionKey('toString')).to.equal(false);
    expect(isListOptionKey('__proto__')).to.equal(false);
  });
});

describe('policy/options: parseListOption', () => {
  const good: Array<[string, string, ListOptions[ListOptionKey]]> = [
    ['require-tlp', 'yes', true],
    ['require-tlp', 'NO', false],
    ['members-only', 'On', true],
    ['members-only', 'off', false],
    ['deliver-to-sender', '1', true],
    ['deliver-to-sender', '0', false],
    ['accept-inline-pgp', ' TRUE ', true],
    ['accept-inline-pgp', 'False', false],
    ['max-tlp', 'amber', 'TLP:AMBER'],
    ['max-tlp', 'tlp:amber+strict', 'TLP:AMBER+STRICT'],
    ['default-tlp', 'WHITE', 'TLP:CLEAR'],
    ['bounce-threshold', '1', 1],
    ['bounce-threshold', '12', 12],
    ['log-retention-days', '3650', 3650],
    ['comcheck-window-hours', '1', 1],
    ['comcheck-window-hours', '720', 720],
    ['comcheck-schedule', '0 9 * * 1', '0 9 * * 1'],
    ['comcheck-schedule', '*/15 * * * *', '*/15 * * * *'],
    ['comcheck-schedule', '', ''],
    ['comcheck-schedule', 'off', ''],
    ['name', 'CSIRT-NL members', 'CSIRT-NL members'],
    ['name', '', ''],
    ['subject-prefix', '[csirt-nl]', '[csirt-nl]'],
    ['subject-prefix', '  [x]  ', '[x]'],
    ['subject-prefix', 'x'.repeat(64), 'x'.repeat(64)],
  ];
  for (const [key, raw, value] of good) {
    it(`${key} = ${JSON.stringify(raw)} -> ${JSON.stringify(value)}`, () => {
      expect(parseListOption(key, raw)).to.deep.equal({ key, value });
    });
  }

  const bad: Array<[string, string, RegExp]> = [
    ['require-tlp', 'maybe', /require-tlp: expected a boolean: true\/false, yes\/no, on\/off or 1\/0/],
    ['require-tlp', '', /expected a boolean/],
    ['bounce-threshold', '12abc', /bounce-threshold: expected an integer of at least 1/],
    ['bounce-threshold', '-1', /at least 1/],
    ['bounce-threshold', '0', /at least 1/],
    ['bounce-threshold', '1.5', /at least 1/],
    ['bounce-threshold', '1e3', /at least 1/],
    ['bounce-threshold', '0x10', /at least 1/],
    ['bounce-threshold', '', /at least 1/],
    ['bounce-threshold', '99999999999999999999', /at least 1/],
    ['log-retention-days', '+5', /at least 1/],
    ['comcheck-window-hours', '0', /comcheck-window-hours: expected an integer from 1 to 720/],
    ['comcheck-window-hours', '721', /from 1 to 720/],
    ['max-tlp', 'yellow', /max-tlp: invalid TLP label .*TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER\+STRICT, TLP:RED/],
    ['default-tlp', 'amber+', /default-tlp: invalid TLP label/],
    ['comcheck-schedule', 'every monday', /comcheck-schedule: expected a cron expression/],
    ['comcheck-schedule', '61 * * * *', /expected a cron expression/],
    ['comcheck-schedule', '0 9 * * 1\nX: y', /expected a cron expression/],
    ['subject-prefix', '[x]\r\nBcc: evil@example.org', /subject-prefix: must not contain control characters or line breaks/],
    ['subject-prefix', '[x]\u0000', /control characters/],
    ['subject-prefix', '[x]\u2028y', /control characters/],
    ['subject-prefix', '[x]\ty', /control characters/],
    ['subject-prefix', 'x'.repeat(65), /at most 64 characters/],
    ['subject-prefix', '[TLP:CLEAR]', /must not contain a TLP label/],
    ['subject-prefix', '[tlp-list]', /must not contain "TLP"/],
    ['name', 'List\nX-Evil: 1', /name: must not contain control characters/],
    ['name', 'TLP:RED list', /name: must not contain a TLP label/],
    ['name', 'x'.repeat(201), /at most 200 characters/],
  ];
  for (const [key, raw, message] of bad) {
    it(`${key} = ${JSON.stringify(raw)} is refused with ${String(message)}`, () => {
      expect(() => parseListOption(key, raw)).to.throw(Error, message);
      try {
        parseListOption(key, raw);
      } catch (err) {
        expect((err as Error).message).not.to.match(/[\r\n]/);
      }
    });
  }

  it('an unknown key is refused with the list of valid keys', () => {
    expect(() => parseListOption('max_tlp', 'red')).to.throw(Error, /unknown list option "max_tlp": valid options are name, subject-prefix, max-tlp, .*confirm-enrollment$/);
  });

  it('the setting is discriminated by key (type level)', () => {
    const s: ListOptionSetting = parseListOption('max-tlp', 'red');
    if (s.key === 'max-tlp') {
      const label: 'TLP:CLEAR' | 'TLP:GREEN' | 'TLP:AMBER' | 'TLP:AMBER+STRICT' | 'TLP:RED' = s.value;
      expect(label).to.equal('TLP:RED');
    } else {
      expect.fail('wrong key');
    }
    expect(listOptionSpec('bounce-threshold').parse('7')).to.equal(7);
  });
});

describe('policy/options: formatting, defaults, effective values', () => {
  it('formats each kind of value', () => {
    expect(formatListOption('require-tlp', false)).to.equal('false');
    expect(formatListOption('max-tlp', 'TLP:RED')).to.equal('TLP:RED');
    expect(formatListOption('bounce-threshold', 9)).to.equal('9');
    expect(formatListOption('comcheck-schedule', '')).to.equal('off');
    expect(formatListOption('comcheck-schedule', '0 9 * * 1')).to.equal('0 9 * * 1');
  });

  it('withDefaults fills missing options, keeps given ones (even false) and drops unknown keys', () => {
    const old = { 'max-tlp': 'TLP:GREEN', 'members-only': false, obsolete: 1 } as const;
    const filled = withDefaults(old);
    expect(filled).to.deep.equal({ ...DEFAULT_LIST_OPTIONS, 'max-tlp': 'TLP:GREEN', 'members-only': false });
    expect(filled).not.to.have.property('obsolete');
    expect(withDefaults({})).to.deep.equal(DEFAULT_LIST_OPTIONS);
    expect(withDefaults({ 'bounce-threshold': undefined })['bounce-threshold']).to.equal(5);
  });

  it('withOption returns a new object with one option changed', () => {
    const changed = withOption(DEFAULT_LIST_OPTIONS, 'max-tlp', 'TLP:RED');
    expect(changed['max-tlp']).to.equal('TLP:RED');
    expect(DEFAULT_LIST_OPTIONS['max-tlp']).to.equal('TLP:AMBER+STRICT');
  });

  it('effectiveSubjectPrefix derives [local] from the list address when unset', () => {
    expect(effectiveSubjectPrefix(DEFAULT_LIST_OPTIONS, 'csirt-nl@lists.example.nl')).to.equal('[csirt-nl]');
    expect(effectiveSubjectPrefix(withOption(DEFAULT_LIST_OPTIONS, 'subject-prefix', '[NL]'), 'csirt-nl@lists.example.nl')).to.equal('[NL]');
  });

  it('effectiveListName falls back to the list address', () => {
    expect(effectiveListName(DEFAULT_LIST_OPTIONS, 'csirt-nl@lists.example.nl')).to.equal('csirt-nl@lists.example.nl');
    expect(effectiveListName(withOption(DEFAULT_LIST_OPTIONS, 'name', 'CSIRT-NL'), 'x@y')).to.equal('CSIRT-NL');
  });
});
