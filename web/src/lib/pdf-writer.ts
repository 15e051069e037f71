/**
 * A small PDF 1.4 writer: pages of text and rules, set in the two non-embedded fonts of
 * pdf-fonts.ts, written as numbered objects with a cross-reference table of their byte offsets
 * and a trailer. Content streams are left uncompressed and every byte written is ASCII after the
 * header's binary marker, so the same pages give the same bytes and a test can read them back.
 */
import { fontRuns, latinLiteral, textWidth, ucs2Hex, utf16TextString } from './pdf-fonts.js';

/** A4 in points, rounded (595.28 × 841.89). */
export const A4 = { width: 595, height: 842 } as const;

/** Resource names of the fonts in every page's resources. */
const FONT_RESOURCE = { latin: 'F1', cjk: 'F2' } as const;

/** Coordinates with at most two decimals and never `-0`, so numbers print the same everywhere. */
export function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  const rounded = Math.round(n * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export type Align = 'left' | 'right' | 'center';

/** One page's drawing, in points from the bottom left corner. */
export class PdfPage {
  private readonly ops: string[] = [];
  private usesCjk = false;

  /** `text` on one line, its left end, right end or middle at `x` by `align`, baseline at `y`. */
  text(x: number, y: number, size: number, text: string, align: Align = 'left'): this {
    const runs = fontRuns(text);
    if (runs.length === 0) return this;
    const width = textWidth(text, size);
    const left = align === 'left' ? x : align === 'right' ? x - width : x - width / 2;
    const parts = [`BT 1 0 0 1 ${num(left)} ${num(y)} Tm`];
    for (const run of runs) {
      if (run.font === 'cjk') this.usesCjk = true;
      const literal = run.font === 'latin' ? latinLiteral(run.text) : ucs2Hex(run.text);
      parts.push(`/${FONT_RESOURCE[run.font]} ${num(size)} Tf ${literal} Tj`);
    }
    parts.push('ET');
    this.ops.push(parts.join('\n'));
    return this;
  }

  /** A straight line `width` points thick. */
  rule(x1: number, y1: number, x2: number, y2: number, width = 0.5): this {
    this.ops.push(`${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`);
    return this;
  }

  get cjk(): boolean {
    return this.usesCjk;
  }

  content(): string {
    return `${this.ops.join('\n')}\n`;
  }
}

export interface PdfInfo {
  readonly title: string;
  /** Written as the document's creation date; from the data, so the bytes do not depend on the clock. */
  readonly createdAtMs?: number;
  readonly producer?: string;
}

/** `D:YYYYMMDDHHmmSSZ`, the PDF date of a UTC instant. */
export function pdfDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new Error(`not a time: ${ms}`);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

const ascii = (s: string) => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new Error('PDF object text must be ASCII');
    out[i] = c;
  }
  return out;
};

/** The document of `pages` in order. */
export function pdfDocument(pages: readonly PdfPage[], info: PdfInfo): Uint8Array<ArrayBuffer> {
  if (pages.length === 0) throw new Error('a PDF needs at least one page');
  // Objects 1–3 are fixed; the CJK font's three objects exist only when a page uses it.
  const bodies: string[] = [];
  const add = (body: string) => bodies.push(body);
  const withCjk = pages.some((p) => p.cjk);
  const firstPage = withCjk ? 7 : 4;
  const kids = pages.map((_, i) => `${firstPage + 2 * i} 0 R`).join(' ');
  const fonts = withCjk ? '/F1 3 0 R /F2 4 0 R' : '/F1 3 0 R';

  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  if (withCjk) {
    add(
      '<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>',
    );
    add(
      '<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 6 0 R /DW 1000 >>',
    );
    add(
      '<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    );
  }
  for (const [i, page] of pages.entries()) {
    const self = firstPage + 2 * i;
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << ${fonts} >> >> /Contents ${self + 1} 0 R >>`,
    );
    const content = page.content();
    add(`<< /Length ${content.length} >>\nstream\n${content}endstream`);
  }
  const infoEntries = [
    `/Title ${utf16TextString(info.title)}`,
    `/Producer ${utf16TextString(info.producer ?? 'GridShard portal')}`,
  ];
  if (info.createdAtMs !== undefined) infoEntries.push(`/CreationDate (${pdfDate(info.createdAtMs)})`);
  add(`<< ${infoEntries.join(' ')} >>`);
  const infoRef = bodies.length;

  // The header's second line holds bytes above 0x7F so that tools treat the file as binary.
  const chunks: Uint8Array[] = [ascii('%PDF-1.4\n'), new Uint8Array([0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a])];
  let offset = chunks.reduce((n, c) => n + c.length, 0);
  const offsets: number[] = [];
  for (const [i, body] of bodies.entries()) {
    const bytes = ascii(`${i + 1} 0 obj\n${body}\nendobj\n`);
    offsets.push(offset);
    chunks.push(bytes);
    offset += bytes.length;
  }
  // Each cross-reference entry is exactly 20 bytes: 10-digit offset, generation, type, space, LF.
  const xref = [
    'xref',
    `0 ${bodies.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
  ];
  chunks.push(
    ascii(
      `${xref.join('\n')}\ntrailer\n<< /Size ${bodies.length + 1} /Root 1 0 R /Info ${infoRef} 0 R >>\nstartxref\n${offset}\n%%EOF\n`,
    ),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
