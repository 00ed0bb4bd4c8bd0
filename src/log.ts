/**
 * One line per event: time, level, an upper-case verb, then key=value fields. Only metadata is
 * ever logged (addresses, sizes, fingerprints, decisions): never message content or key material.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(verb: string, fields?: LogFields): void;
  info(verb: string, fields?: LogFields): void;
  warn(verb: string, fields?: LogFields): void;
  error(verb: string, fields?: LogFields): void;
}

function fmt(v: string | number | boolean | null): string {
  const s = String(v);
  // Values cannot break the one-line format: control characters are escaped.
  const safe = s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return /[\s"=]/.test(safe) || safe === '' ? JSON.stringify(safe) : safe;
}

export function formatLine(level: LogLevel, verb: string, fields: LogFields, at: Date): string {
  const parts = [at.toISOString(), level.toUpperCase(), verb];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    parts.push(`${k}=${fmt(v)}`);
  }
  return parts.join(' ');
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const min = RANK[level];
  const at = (lv: LogLevel) => (verb: string, fields: LogFields = {}) => {
    if (RANK[lv] >= min) write(formatLine(lv, verb, fields, new Date()));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
