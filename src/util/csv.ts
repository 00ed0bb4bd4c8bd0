/**
 * CSV as RFC 4180 writes it (CRLF line ends; a field holding a comma, a double quote, CR or LF is
 * quoted and its quotes doubled), plus one defence RFC 4180 does not know: spreadsheet programs
 * run a cell that starts with = + - @ (or tab / CR) as a formula, so such a text cell gets a
 * leading apostrophe, which spreadsheets show as "this is text". Numbers we format ourselves are
 * left alone.
 */
export type CsvCell = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  const text = typeof cell === 'string' ? neutralizeFormula(cell) : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',') + '\r\n').join('');
}
