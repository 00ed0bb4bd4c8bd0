/**
 * Value parsers for list options. Each throws an Error whose message is one line saying what is
 * valid, because it is shown as-is by the CLI.
 */
import { validate as validateCron } from 'node-cron';
import { foldText } from './tlp-fold.js';
import { findTlpLabels } from './tlp-scan.js';
import { parseTlpOption } from './tlp-labels.js';
import type { TlpLabel } from './tlp-labels.js';

export interface OptionSpec<T> {
  readonly description: string;
  readonly default: T;
  parse(raw: string): T;
  format(value: T): string;
}

interface Described<T> {
  readonly description: string;
  readonly default: T;
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

export function booleanOption(d: Described<boolean>): OptionSpec<boolean> {
  return {
    ...d,
    parse(raw) {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.includes(word)) return true;
      if (FALSE_WORDS.includes(word)) return false;
      throw new Error('expected a boolean: true/false, yes/no, on/off or 1/0');
    },
    format: (value) => (value ? 'true' : 'false'),
  };
}

export function integerOption(d: Described<number> & { readonly min: number; readonly max?: number }): OptionSpec<number> {
  const range = d.max === undefined ? `an integer of at least ${d.min}` : `an integer from ${d.min} to ${d.max}`;
  return {
    description: d.description,
    default: d.default,
    parse(raw) {
      const text = raw.trim();
      // Digits only: Number() would take "0x10", "1e3", " 5 " and "" as numbers.
      const value = /^[0-9]{1,15}$/.test(text) ? Number(text) : NaN;
      if (!Number.isSafeInteger(value) || value < d.min || (d.max !== undefined && value > d.max)) {
        throw new Error(`expected ${range}`);
      }
      return value;
    },
    format: (value) => String(value),
  };
}

export function tlpOption(d: Described<TlpLabel>): OptionSpec<TlpLabel> {
  return { ...d, parse: parseTlpOption, format: (value) => value };
}

// Control characters (CR/LF above all) in a value that lands in a header would let an
// administrator's typo, or a pasted value, inject header lines.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

export function textOption(
  d: Described<string> & { readonly maxLength: number; readonly noTlpWord?: boolean },
): OptionSpec<string> {
  return {
    description: d.description,
    default: d.default,
    parse(raw) {
      const text = raw.trim();
      if (CONTROL.test(text)) throw new Error('must not contain control characters or line breaks');
      if (text.length > d.maxLength) throw new Error(`must be at most ${d.maxLength} characters`);
      // It is shown in every subject: a label in it would mislabel every message.
      if (findTlpLabels(text).length > 0) throw new Error('must not contain a TLP label');
      // Next to the label in every subject, a bare "TLP" could join with the text around it.
      if (d.noTlpWord === true && foldText(text).text.includes('TLP')) throw new Error('must not contain "TLP"');
      return text;
    },
    format: (value) => value,
  };
}

/** A cron expression, or "" (also typed as "off") for "never". */
export function scheduleOption(d: Described<string>): OptionSpec<string> {
  return {
    ...d,
    parse(raw) {
      const text = raw.trim();
      if (text === '' || text.toLowerCase() === 'off') return '';
      if (CONTROL.test(text) || !validateCron(text)) {
        throw new Error('expected a cron expression such as "0 9 * * 1" (minute hour day month weekday), or off');
      }
      return text;
    },
    format: (value) => (value === '' ? 'off' : value),
  };
}
