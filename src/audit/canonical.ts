/**
 * One byte string per JSON value, so a hash over it does not depend on how an object happened to
 * be built or read back from the store. For the values we accept this is RFC 8785 (JCS): object
 * keys sorted by UTF-16 code units, no whitespace, ECMAScript number and string serialisation.
 */
import { createHash } from 'node:crypto';

/**
 * Throws TypeError for anything JSON cannot carry faithfully: undefined (except as an object
 * property, see below), NaN and ±Infinity, bigint, functions, symbols, class instances such as
 * Date or Map, array holes and cycles. Silently coercing those (as JSON.stringify does) would let
 * two different payloads share a hash, or make a stored entry hash differently after a round trip.
 *
 * Object properties whose value is undefined are left out, exactly as JSON.stringify and thus the
 * store do: `{ a: 1, b: undefined }` and `{ a: 1 }` are the same record once stored.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set<object>(), '$');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function write(value: unknown, open: Set<object>, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, open, path);
    default:
      throw new TypeError(`${path}: a ${typeof value} is not a JSON value`);
  }
}

function writeObject(value: object, open: Set<object>, path: string): string {
  if (open.has(value)) throw new TypeError(`${path}: cycle`);
  open.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) {
        if (!(i in value) || value[i] === undefined) throw new TypeError(`${path}[${i}]: undefined in an array`);
        items.push(write(value[i], open, `${path}[${i}]`));
      }
      return `[${items.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`${path}: only plain objects are JSON objects (got ${value.constructor.name})`);
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      members.push(`${JSON.stringify(key)}:${write(v, open, `${path}.${key}`)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    open.delete(value);
  }
}
