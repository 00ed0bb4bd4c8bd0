/**
 * The five TLP 2.0 labels, their order, and the parser for labels typed by administrators.
 * Rank is the restrictiveness: a higher rank may reach fewer people (FIRST TLP 2.0).
 */
export const TLP_LABELS = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'] as const;
export type TlpLabel = (typeof TLP_LABELS)[number];

const RANK: Readonly<Record<TlpLabel, number>> = {
  'TLP:CLEAR': 0,
  'TLP:GREEN': 1,
  'TLP:AMBER': 2,
  'TLP:AMBER+STRICT': 3,
  'TLP:RED': 4,
};

export function tlpRank(label: TlpLabel): number {
  return RANK[label];
}

export function isTlpLabel(value: string): value is TlpLabel {
  return (TLP_LABELS as readonly string[]).includes(value);
}

/** The more restrictive of two labels. */
export function maxTlp(a: TlpLabel, b: TlpLabel): TlpLabel {
  return RANK[b] > RANK[a] ? b : a;
}

/** The most restrictive label of a message (STIX's rule; TLP itself defines none), or null when there is none. */
export function effectiveTlp(labels: readonly TlpLabel[]): TlpLabel | null {
  let result: TlpLabel | null = null;
  for (const label of labels) result = result === null ? label : maxTlp(result, label);
  return result;
}

const VALID_LIST = TLP_LABELS.join(', ');

/**
 * Options are typed by administrators, so we are lenient about spelling but strict about meaning:
 * case, an optional `TLP:` prefix, spaces around `:` and `+`, and TLP 1.0's WHITE (= CLEAR) are
 * accepted; anything else is an error rather than a guess, because a guessed maximum could widen a list.
 */
export function parseTlpOption(value: string): TlpLabel {
  const compact = value.trim().toUpperCase().replace(/\s+/g, '');
  const bare = compact.startsWith('TLP:') ? compact.slice(4) : compact;
  const name = bare === 'WHITE' ? 'CLEAR' : bare;
  const label = `TLP:${name}`;
  if (isTlpLabel(label)) return label;
  throw new Error(`invalid TLP label ${JSON.stringify(oneLine(value))}: use one of ${VALID_LIST}`);
}

/** Keeps an echoed value on one short line, whatever the administrator typed. */
function oneLine(value: string): string {
  const flat = value.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
  return flat.length > 40 ? `${flat.slice(0, 40)}...` : flat;
}
