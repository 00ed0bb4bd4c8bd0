/**
 * The list option table. The keys are a public interface (CLI, README, stored records); adding an
 * option is one entry in OPTION_TABLE, and every type below follows from it.
 */
import { booleanOption, integerOption, scheduleOption, textOption, tlpOption } from './option-types.js';
import type { OptionSpec } from './option-types.js';

const OPTION_TABLE = {
  name: textOption({ description: 'Display name of the list; empty means the list address', default: '', maxLength: 200 }),
  'subject-prefix': textOption({
    description: 'Prefix added to subjects; empty means [local part of the list address]',
    default: '',
    maxLength: 64,
    noTlpWord: true,
  }),
  'max-tlp': tlpOption({ description: 'Most restrictive TLP label the list accepts', default: 'TLP:AMBER+STRICT' }),
  'require-tlp': booleanOption({ description: 'Refuse mail that carries no TLP label', default: true }),
  'default-tlp': tlpOption({ description: 'Label given to unlabelled mail when require-tlp is off', default: 'TLP:AMBER' }),
  'receive-encrypted-only': booleanOption({ description: 'Refuse mail not encrypted to the list key', default: true }),
  'members-only': booleanOption({ description: 'Accept posts only from members (envelope sender and From)', default: true }),
  'require-signature': booleanOption({ description: "Require a valid signature by the sender's enrolled key", default: true }),
  'deliver-to-sender': booleanOption({ description: 'Send the sender a copy of their own post', default: false }),
  'accept-inline-pgp': booleanOption({ description: 'Accept inline PGP as well as PGP/MIME', default: true }),
  'bounce-threshold': integerOption({ description: 'Hard bounces before a member is disabled', default: 5, min: 1 }),
  'log-retention-days': integerOption({ description: 'Days the list log is kept', default: 365, min: 1 }),
  'comcheck-schedule': scheduleOption({ description: 'Cron expression for com-checks; off disables them', default: '' }),
  'comcheck-window-hours': integerOption({ description: 'Hours members have to answer a com-check', default: 72, min: 1, max: 720 }),
  'comcheck-require-signed': booleanOption({ description: 'Count only signed com-check replies', default: true }),
  'confirm-enrollment': booleanOption({ description: 'New members must confirm by a signed reply', default: true }),
};

type Table = typeof OPTION_TABLE;
type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;

export type ListOptionKey = keyof Table;
export type ListOptions = { readonly [K in ListOptionKey]: ValueOf<Table[K]> };
/** One option with its value; `key` discriminates the value's type. */
export type ListOptionSetting<K extends ListOptionKey = ListOptionKey> = {
  [P in K]: { readonly key: P; readonly value: ListOptions[P] };
}[K];

// The table seen through the derived types, so a generic key gets a spec of the matching type.
const SPECS: { readonly [K in ListOptionKey]: OptionSpec<ListOptions[K]> } = OPTION_TABLE;

export const LIST_OPTION_KEYS: readonly ListOptionKey[] = Object.freeze(Object.keys(OPTION_TABLE) as ListOptionKey[]);

export function isListOptionKey(key: string): key is ListOptionKey {
  return Object.hasOwn(OPTION_TABLE, key);
}

export function listOptionSpec<K extends ListOptionKey>(key: K): OptionSpec<ListOptions[K]> {
  return SPECS[key];
}

export function listOptionDescription(key: ListOptionKey): string {
  return SPECS[key].description;
}

function buildDefaults(): ListOptions {
  const out: Partial<Record<ListOptionKey, ListOptions[ListOptionKey]>> = {};
  for (const key of LIST_OPTION_KEYS) out[key] = SPECS[key].default;
  return out as ListOptions;
}

export const DEFAULT_LIST_OPTIONS: ListOptions = Object.freeze(buildDefaults());

function parseKnown<K extends ListOptionKey>(key: K, raw: string): ListOptionSetting<K> {
  const value = listOptionSpec(key).parse(raw);
  const setting: ListOptionSetting<K> = { key, value };
  return setting;
}

/** Parses a value typed for `key`; the Error says which option and what is valid. */
export function parseListOption(key: string, raw: string): ListOptionSetting {
  if (!isListOptionKey(key)) {
    throw new Error(`unknown list option ${JSON.stringify(key.slice(0, 64))}: valid options are ${LIST_OPTION_KEYS.join(', ')}`);
  }
  try {
    return parseKnown(key, raw);
  } catch (err) {
    throw new Error(`${key}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function formatListOption<K extends ListOptionKey>(key: K, value: ListOptions[K]): string {
  return listOptionSpec(key).format(value);
}

/** Fills options missing from a record written by an older version; unknown keys are dropped. */
export function withDefaults(partial: Partial<ListOptions>): ListOptions {
  const out: Partial<Record<ListOptionKey, ListOptions[ListOptionKey]>> = {};
  for (const key of LIST_OPTION_KEYS) out[key] = partial[key] ?? DEFAULT_LIST_OPTIONS[key];
  return out as ListOptions;
}

/** Sets one option, returning a new options object. */
export function withOption<K extends ListOptionKey>(options: ListOptions, key: K, value: ListOptions[K]): ListOptions {
  return { ...options, [key]: value };
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

/** subject-prefix, or `[local part]` of the list address when it is empty. */
export function effectiveSubjectPrefix(options: ListOptions, address: string): string {
  return options['subject-prefix'] !== '' ? options['subject-prefix'] : `[${localPart(address)}]`;
}

/** name, or the list address when it is empty. */
export function effectiveListName(options: ListOptions, address: string): string {
  return options.name !== '' ? options.name : address;
}
