/**
 * Subjects on the way out: labels rewritten to their canonical spelling, the list prefix and the
 * effective label added in one predictable place.
 *
 * Form: `<reply markers> <prefix> <label> <rest>`. Reply markers (Re:, Fwd:, AW:, ...) stay first
 * so threading and sorting keep working; if the prefix is already somewhere in the subject it is
 * left where it is and the label goes right after it; a label already present (canonically) is not
 * repeated. Lower labels the sender wrote stay as they are: they may mark a part of the message.
 *   ("Re: [x] tlp:green update", TLP:RED, "[x]") -> "Re: [x] TLP:RED TLP:GREEN update"
 */
import type { TlpLabel } from './tlp-labels.js';
import { findTlpLabels } from './tlp-scan.js';

/** Every label found rewritten canonically (`tlp: amber` -> `TLP:AMBER`, `TLP:WHITE` -> `TLP:CLEAR`); other text untouched. */
export function canonicalizeTlpLabels(subject: string): string {
  let out = '';
  let at = 0;
  for (const finding of findTlpLabels(subject)) {
    out += subject.slice(at, finding.index) + finding.label;
    at = finding.index + finding.match.length;
  }
  return out + subject.slice(at);
}

// One marker per iteration of a sticky match: no nested quantifiers, nothing to backtrack over.
const REPLY_MARKER = /\s*(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif)(?:\[\d{1,4}\])?\s*:/iy;

function replyMarkersEnd(subject: string): number {
  let end = 0;
  for (;;) {
    REPLY_MARKER.lastIndex = end;
    if (!REPLY_MARKER.test(subject)) return end;
    end = REPLY_MARKER.lastIndex;
  }
}

function joinWords(...parts: string[]): string {
  return parts
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .join(' ');
}

/** RFC 5322 unfolding (CRLF before whitespace goes), then any other line break becomes a space. */
function oneLine(subject: string): string {
  return subject.replace(/(?:\r\n|\r|\n)(?=[ \t])/g, '').replace(/[\r\n]+/g, ' ');
}

/**
 * The subject members see, on one line. If the label would read differently in its place
 * (TLP:AMBER before a sender's "+ ..." or "strict ...", which read as AMBER+STRICT), it goes at the
 * end instead, where nothing can follow it.
 */
export function subjectWithLabel(subject: string, label: TlpLabel, prefix: string): string {
  const canonical = canonicalizeTlpLabels(oneLine(subject));
  const hasLabel = findTlpLabels(canonical).some((f) => f.label === label);
  const wantedPrefix = prefix.trim();
  const prefixAt = wantedPrefix === '' ? -1 : canonical.toLowerCase().indexOf(wantedPrefix.toLowerCase());
  const [head, rest] =
    prefixAt >= 0
      ? [canonical.slice(0, prefixAt + wantedPrefix.length), canonical.slice(prefixAt + wantedPrefix.length)]
      : [joinWords(canonical.slice(0, replyMarkersEnd(canonical)), wantedPrefix), canonical.slice(replyMarkersEnd(canonical))];
  if (hasLabel) return joinWords(head, rest);
  const inPlace = joinWords(head, label, rest);
  const readsAsLabel = findTlpLabels(inPlace).some((f) => f.label === label);
  return readsAsLabel ? inPlace : joinWords(head, rest, label);
}

/** The placeholder subject outside the encryption: `<prefix> <label> ...`. */
export function outerSubject(label: TlpLabel, prefix: string): string {
  return joinWords(prefix, label, '...');
}
