/**
 * A settlement statement as a PDF for the member's books: who, which cycle, the block the
 * statement was settled in and its time, every line with why it is there, every breach-liability
 * case, the totals and the net, on numbered A4 pages. The figures are the CSV's (statement-csv.ts):
 * the same statement answer, amounts as the chain's whole money units, energies in Wh, unrounded
 * and ungrouped. Nothing reads the clock: the date printed and written is the settlement block's.
 */

import { textWidth, wrapText } from './pdf-fonts.js';
import { A4, type Align, PdfPage, pdfDocument } from './pdf-writer.js';
import type { StatementJson } from './statement-csv.js';
import { type StatementPdfText, statementPdfText } from './statement-pdf-text.js';

/** The block a statement was written in: the cycle's `settled` transition (market-state.ts). */
export interface StatementSource {
  readonly height: number;
  /** Null when the block's header could not be read or did not hash to itself. */
  readonly blockHash: string | null;
  /** The block's time, which is the settlement's. */
  readonly atMs: number;
}

export interface StatementPdfOptions {
  readonly locale: keyof typeof statementPdfText;
  readonly source?: StatementSource | null;
}

export class StatementPdfError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`statement ${field}: ${detail}`);
    this.name = 'StatementPdfError';
  }
}

const MARGIN = 50;
const RIGHT = A4.width - MARGIN;
const TOP = A4.height - 56;
const BOTTOM = 64;
const SIZE = 9;
const LEADING = 12;

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

function amountOf(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !INTEGER.test(value))
    throw new StatementPdfError(field, 'not a whole amount');
  return BigInt(value);
}

function whOf(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new StatementPdfError(field, 'not a whole number of Wh');
  return value;
}

function textOf(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new StatementPdfError(field, 'not text');
  return value;
}

/** Throws a `StatementPdfError` naming the first field of another shape than the API's. */
function validate(s: StatementJson): void {
  textOf(s.cycleId, 'cycleId');
  textOf(s.member, 'member');
  whOf(s.contractedWh, 'contractedWh');
  whOf(s.meteredWh, 'meteredWh');
  amountOf(s.net, 'net');
  if (!Array.isArray(s.lines)) throw new StatementPdfError('lines', 'not a list');
  for (const [i, l] of s.lines.entries()) {
    textOf(l.kind, `lines[${i}].kind`);
    whOf(l.energyWh, `lines[${i}].energyWh`);
    amountOf(l.amount, `lines[${i}].amount`);
  }
  if (s.liabilities !== undefined && !Array.isArray(s.liabilities))
    throw new StatementPdfError('liabilities', 'not a list');
  for (const [i, b] of (s.liabilities ?? []).entries()) {
    for (const f of ['contractId', 'counterparty', 'code', 'reason'] as const)
      textOf(b[f], `liabilities[${i}].${f}`);
    whOf(b.interval, `liabilities[${i}].interval`);
    whOf(b.energyWh, `liabilities[${i}].energyWh`);
    amountOf(b.amount, `liabilities[${i}].amount`);
  }
}

/** `YYYY-MM-DD HH:MM:SS UTC`. */
export function utcTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));

interface Cell {
  readonly x: number;
  readonly width: number;
  readonly text: string;
  readonly align?: Align;
}

/** Pages filled top down; a row that does not fit below the cursor starts a new page. */
class Layout {
  readonly pages: PdfPage[] = [];
  private page!: PdfPage;
  private y = 0;
  /** Redrawn at the top of a page a table continues on. */
  private tableHeader: (() => void) | null = null;

  constructor(private readonly runningHead: string) {
    this.newPage();
  }

  private newPage() {
    this.page = new PdfPage();
    this.pages.push(this.page);
    this.y = TOP;
    if (this.pages.length > 1) {
      this.page.text(MARGIN, this.y, 8, fitted(this.runningHead, 8, RIGHT - MARGIN));
      this.y -= LEADING * 1.5;
      this.tableHeader?.();
    }
  }

  space(points: number) {
    this.y -= points;
  }

  /** Cells side by side, each wrapped to its width; the row is as tall as its tallest cell. */
  row(cells: readonly Cell[], size = SIZE, keepWithNext = 0) {
    const wrapped = cells.map((c) => wrapText(c.text, size, c.width));
    const height = Math.max(...wrapped.map((w) => w.length)) * LEADING;
    if (this.y - height - keepWithNext < BOTTOM) this.newPage();
    for (const [i, c] of cells.entries()) {
      const x = c.align === 'right' ? c.x + c.width : c.x;
      for (const [j, line] of wrapped[i]!.entries())
        this.page.text(x, this.y - SIZE - j * LEADING, size, line, c.align);
    }
    this.y -= height;
  }

  heading(text: string, size = 11) {
    if (this.y - LEADING * 4 < BOTTOM) this.newPage();
    this.space(6);
    this.page.text(MARGIN, this.y - size, size, text);
    this.y -= size + 6;
  }

  rule() {
    this.page.rule(MARGIN, this.y - 2, RIGHT, this.y - 2);
    this.y -= 5;
  }

  /** Starts a table: `draw` puts its header row here and on each page the table continues on. */
  table(draw: () => void) {
    this.tableHeader = () => {
      draw();
      this.rule();
    };
    this.tableHeader();
  }

  endTable() {
    this.tableHeader = null;
  }

  title(text: string) {
    this.page.text(MARGIN, this.y - 16, 16, text);
    this.y -= 30;
  }
}

/** `statement` as the bytes of a PDF, the same bytes for the same statement, language and source. */
export function statementPdf(
  statement: StatementJson,
  options: StatementPdfOptions,
): Uint8Array<ArrayBuffer> {
  validate(statement);
  const t: StatementPdfText = statementPdfText[options.locale];
  const source = options.source ?? null;
  const layout = new Layout(`${t.title} · ${t.cycle} ${statement.cycleId} · ${t.member} ${statement.member}`);

  layout.title(t.title);
  const field = (name: string, value: string) =>
    layout.row([
      { x: MARGIN, width: 150, text: name },
      { x: MARGIN + 155, width: RIGHT - MARGIN - 155, text: value },
    ]);
  field(t.member, statement.member);
  field(t.cycle, statement.cycleId);
  field(t.contractedWh, String(statement.contractedWh));
  field(t.meteredWh, String(statement.meteredWh));
  field(
    t.block,
    source === null
      ? t.blockUnknown
      : fill(t.blockAt, { height: source.height, hash: source.blockHash ?? t.blockUnknown }),
  );
  field(t.asOf, source === null ? t.asOfUnknown : utcTime(source.atMs));

  // Statement lines: kind, why, energy, amount (columns of the CSV's `line` rows).
  const lineCells = (kind: string, why: string, wh: string, amount: string): Cell[] => [
    { x: MARGIN, width: 95, text: kind },
    { x: MARGIN + 100, width: 235, text: why },
    { x: MARGIN + 340, width: 70, text: wh, align: 'right' },
    { x: RIGHT - 80, width: 80, text: amount, align: 'right' },
  ];
  layout.heading(t.linesTitle);
  layout.table(() => layout.row(lineCells(t.kind, t.explanation, t.energyWh, t.amount)));
  let linesTotal = 0n;
  for (const l of statement.lines) {
    linesTotal += BigInt(l.amount);
    layout.row(lineCells(l.kind, t.lineReasons[l.kind] ?? '', String(l.energyWh), l.amount));
  }
  if (statement.lines.length === 0) layout.row([{ x: MARGIN, width: RIGHT - MARGIN, text: t.noLines }]);
  layout.endTable();

  // Breach-liability cases: the CSV's `liability` rows, the counterparty and reason below each.
  const liabilities = statement.liabilities ?? [];
  let liabilitiesTotal = 0n;
  if (liabilities.length > 0) {
    const caseCells = (
      contract: string,
      interval: string,
      code: string,
      wh: string,
      amount: string,
    ): Cell[] => [
      { x: MARGIN, width: 140, text: contract },
      { x: MARGIN + 145, width: 45, text: interval },
      { x: MARGIN + 195, width: 100, text: code },
      { x: MARGIN + 340, width: 70, text: wh, align: 'right' },
      { x: RIGHT - 80, width: 80, text: amount, align: 'right' },
    ];
    const detail = (text: string) => layout.row([{ x: MARGIN + 12, width: RIGHT - MARGIN - 12, text }]);
    layout.heading(t.liabilitiesTitle);
    layout.table(() => layout.row(caseCells(t.contract, t.interval, t.code, t.energyWh, t.amount)));
    for (const b of liabilities) {
      liabilitiesTotal += BigInt(b.amount);
      const reasonLines = wrapText(`${t.reason}${t.colon}${b.reason}`, SIZE, RIGHT - MARGIN - 12).length;
      // A case's three parts stay on one page.
      layout.row(
        caseCells(b.contractId, String(b.interval), b.code, String(b.energyWh), b.amount),
        SIZE,
        (reasonLines + 1) * LEADING,
      );
      detail(`${t.counterparty}${t.colon}${b.counterparty}`);
      detail(`${t.reason}${t.colon}${b.reason}`);
      layout.space(3);
    }
    layout.endTable();
  }

  const total = (name: string, amount: string) =>
    layout.row([
      { x: MARGIN, width: RIGHT - MARGIN - 140, text: name },
      { x: RIGHT - 130, width: 130, text: amount, align: 'right' },
    ]);
  layout.heading(t.totalsTitle);
  layout.rule();
  total(t.linesTotal, String(linesTotal));
  if (liabilities.length > 0) total(t.liabilitiesTotal, String(liabilitiesTotal));
  total(`${t.net} (${t.netNote})`, statement.net);
  layout.space(LEADING);
  layout.row([{ x: MARGIN, width: RIGHT - MARGIN, text: t.amountsNote }], 8);

  const pages = layout.pages;
  const foot = `${t.title} · ${statement.cycleId}`;
  for (const [i, page] of pages.entries()) {
    page.rule(MARGIN, BOTTOM - 20, RIGHT, BOTTOM - 20, 0.3);
    page.text(MARGIN, BOTTOM - 32, 8, fitted(foot, 8, RIGHT - MARGIN - 120));
    page.text(RIGHT, BOTTOM - 32, 8, fill(t.page, { page: i + 1, pages: pages.length }), 'right');
  }
  return pdfDocument(pages, {
    title: `${t.title} ${statement.cycleId}`,
    ...(source === null ? {} : { createdAtMs: source.atMs }),
  });
}

/** `text` cut with an ellipsis to fit `width`: the footer has one line. */
function fitted(text: string, size: number, width: number): string {
  if (textWidth(text, size) <= width) return text;
  let cut = text;
  while (cut.length > 0 && textWidth(`${cut}…`, size) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}
