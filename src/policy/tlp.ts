/** TLP 2.0: labels and their order, finding labels in mail (fail-closed), and labelled subjects. */
export { TLP_LABELS, tlpRank, isTlpLabel, maxTlp, effectiveTlp, parseTlpOption } from './tlp-labels.js';
export type { TlpLabel } from './tlp-labels.js';
export { findTlpLabels } from './tlp-scan.js';
export type { TlpFinding } from './tlp-scan.js';
export { canonicalizeTlpLabels, subjectWithLabel, outerSubject } from './tlp-subject.js';
