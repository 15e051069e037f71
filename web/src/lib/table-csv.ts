/**
 * A shown table as CSV: a header row of column names, then one row per table row, each cell the
 * very text the page shows (integers as decimal digits, no grouping, an empty field where the page
 * shows a dash). RFC 4180 quoting, CRLF line ends; `parseCsv` reads it back.
 */
export type Cell = string | number | null;

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** The text of a cell, on the page and in the CSV; null has none (the page shows a dash). */
export const cellText = (cell: Cell): string => (cell === null ? '' : String(cell));

const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

export function tableCsv(table: Table): string {
  const lines = [table.columns, ...table.rows.map((row) => row.map(cellText))];
  return `${lines.map((line) => line.map(field).join(',')).join('\r\n')}\r\n`;
}
