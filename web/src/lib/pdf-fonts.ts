/**
 * The two fonts the portal's PDFs use, neither embedded: Helvetica (a standard Type 1 font every
 * reader has) in WinAnsiEncoding for Latin text, and STSong-Light (an Adobe-GB1 CID font the
 * readers supply) through the UniGB-UCS2-H CMap for everything WinAnsi cannot encode, Chinese
 * above all. Text is split into runs by font, measured with the fonts' advance widths so lines
 * can be wrapped and figures right-aligned, and encoded the way each font's strings are written.
 */

export type PdfFontName = 'latin' | 'cjk';

export interface FontRun {
  readonly font: PdfFontName;
  readonly text: string;
}

/** WinAnsiEncoding's bytes 0x80–0x9F, which are not Latin-1 (0x81, 0x8D, 0x8F, 0x90, 0x9D unused). */
const WIN_ANSI_HIGH: Record<number, number> = {
  8364: 0x80,
  8218: 0x82,
  402: 0x83,
  8222: 0x84,
  8230: 0x85,
  8224: 0x86,
  8225: 0x87,
  710: 0x88,
  8240: 0x89,
  352: 0x8a,
  8249: 0x8b,
  338: 0x8c,
  381: 0x8e,
  8216: 0x91,
  8217: 0x92,
  8220: 0x93,
  8221: 0x94,
  8226: 0x95,
  8211: 0x96,
  8212: 0x97,
  732: 0x98,
  8482: 0x99,
  353: 0x9a,
  8250: 0x9b,
  339: 0x9c,
  382: 0x9e,
  376: 0x9f,
};

/** The WinAnsi byte of a code point, or null when the encoding has none. */
export function winAnsiByte(codePoint: number): number | null {
  if (codePoint >= 0x20 && codePoint <= 0x7e) return codePoint;
  if (codePoint >= 0xa0 && codePoint <= 0xff) return codePoint;
  return WIN_ANSI_HIGH[codePoint] ?? null;
}

/** Helvetica advance widths (1/1000 em) of the printable ASCII bytes 0x20–0x7E, in order. */
const HELVETICA_ASCII = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** Helvetica widths of the WinAnsi bytes above 0x7E that are not a Latin letter with a mark. */
const HELVETICA_HIGH: Record<number, number> = {
  128: 556,
  130: 222,
  131: 556,
  132: 333,
  133: 1000,
  134: 556,
  135: 556,
  136: 333,
  137: 1000,
  139: 333,
  140: 1000,
  145: 222,
  146: 222,
  147: 333,
  148: 333,
  149: 350,
  150: 556,
  151: 1000,
  152: 333,
  153: 1000,
  155: 333,
  156: 944,
  160: 278,
  161: 333,
  166: 260,
  168: 333,
  169: 737,
  170: 370,
  172: 584,
  173: 333,
  174: 737,
  175: 333,
  176: 400,
  177: 584,
  178: 333,
  179: 333,
  180: 333,
  182: 537,
  183: 278,
  184: 333,
  185: 333,
  186: 365,
  188: 834,
  189: 834,
  190: 834,
  191: 611,
  198: 1000,
  208: 722,
  215: 584,
  216: 778,
  222: 667,
  223: 611,
  230: 889,
  240: 556,
  247: 584,
  248: 611,
  254: 556,
};

/** STSong-Light's ideographs and full-width forms are one em wide (the CID font's /DW). */
export const CJK_WIDTH = 1000;

function latinWidth(codePoint: number): number {
  const byte = winAnsiByte(codePoint)!;
  if (byte <= 0x7e) return HELVETICA_ASCII[byte - 0x20]!;
  const listed = HELVETICA_HIGH[byte];
  if (listed !== undefined) return listed;
  // A letter with a mark is as wide as its letter (Š as S, é as e); the rest are figure-wide.
  const base = String.fromCodePoint(codePoint).normalize('NFD').codePointAt(0)!;
  return base >= 0x20 && base <= 0x7e ? HELVETICA_ASCII[base - 0x20]! : 556;
}

/**
 * Characters as the PDF shows them: control characters become spaces, and characters outside the
 * Basic Multilingual Plane, which a UCS-2 CMap cannot name, become `?`.
 */
function printable(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out.push(0x20);
    else if (cp > 0xffff || (cp >= 0xd800 && cp <= 0xdfff)) out.push(0x3f);
    else out.push(cp);
  }
  return out;
}

/** `text` split into maximal runs of one font each: WinAnsi text in Helvetica, the rest in STSong-Light. */
export function fontRuns(text: string): FontRun[] {
  const runs: FontRun[] = [];
  let font: PdfFontName | null = null;
  let chars = '';
  const flush = () => {
    if (font !== null && chars !== '') runs.push({ font, text: chars });
    chars = '';
  };
  for (const cp of printable(text)) {
    const next: PdfFontName = winAnsiByte(cp) === null ? 'cjk' : 'latin';
    if (next !== font) {
      flush();
      font = next;
    }
    chars += String.fromCharCode(cp);
  }
  flush();
  return runs;
}

const units = (cp: number) => (winAnsiByte(cp) === null ? CJK_WIDTH : latinWidth(cp));

/** Width in points of `text` set at `size` points, font by font as `fontRuns` splits it. */
export function textWidth(text: string, size: number): number {
  let sum = 0;
  for (const cp of printable(text)) sum += units(cp);
  return (sum * size) / 1000;
}

/**
 * `text` broken into lines no wider than `maxWidth` points: at spaces, or between any two
 * characters when one is set in the CJK font (Chinese has no spaces), or inside a word too long for
 * a line of its own. Never an empty list: an empty text is one empty line.
 */
export function wrapText(text: string, size: number, maxWidth: number): string[] {
  const maxUnits = (maxWidth * 1000) / size;
  const lines: string[] = [];
  for (const paragraph of text.split(/\r\n|\r|\n/)) {
    const chars = [...paragraph];
    const cps = printable(paragraph);
    let start = 0; // first character of the line being filled
    let breakAt = -1; // where that line may be cut: just after a space or a CJK character
    let width = 0;
    for (let i = 0; i < chars.length; i++) {
      const cp = cps[i]!;
      if (i > start && cp !== 0x20 && width + units(cp) > maxUnits) {
        const cut = breakAt > start ? breakAt : i;
        lines.push(chars.slice(start, cut).join('').trimEnd());
        start = cut;
        while (start < i && cps[start] === 0x20) start++;
        breakAt = -1;
        width = 0;
        for (let k = start; k < i; k++) width += units(cps[k]!);
      }
      width += units(cp);
      if (cp === 0x20 || winAnsiByte(cp) === null) breakAt = i + 1;
    }
    lines.push(chars.slice(start).join('').trimEnd());
  }
  return lines;
}

/** A Helvetica run as a PDF literal string: WinAnsi bytes, `\`, `(` and `)` escaped, bytes above 0x7E in octal. */
export function latinLiteral(text: string): string {
  let out = '(';
  for (const cp of printable(text)) {
    const byte = winAnsiByte(cp);
    if (byte === null) throw new Error(`U+${cp.toString(16)} has no WinAnsi byte`);
    if (byte === 0x5c || byte === 0x28 || byte === 0x29) out += `\\${String.fromCharCode(byte)}`;
    else if (byte > 0x7e) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out})`;
}

/** A run for the UCS-2 CMap as a PDF hex string: each character as its UTF-16BE code unit. */
export function ucs2Hex(text: string): string {
  let out = '<';
  for (const cp of printable(text)) out += cp.toString(16).toUpperCase().padStart(4, '0');
  return `${out}>`;
}

/** A document text string (Info dictionary): UTF-16BE with its byte order mark, as hex. */
export function utf16TextString(text: string): string {
  let out = '<FEFF';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return `${out}>`;
}
