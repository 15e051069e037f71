/**
 * Reads back what the portal's PDF writer writes, independently of it: the cross-reference table
 * (every offset must land on its object), the trailer, the pages in order, and each page's text
 * operations decoded by font (Helvetica strings as WinAnsi, STSong-Light hex strings as UTF-16BE).
 * Only the subset the writer uses: uncompressed streams, literal and hex strings, `Tm`, `Tf`, `Tj`.
 */
import assert from 'node:assert/strict';

export interface TextOp {
  readonly x: number;
  readonly y: number;
  /** The runs of one `BT … ET`, with the font resource each was shown in. */
  readonly runs: readonly { font: string; raw: string; text: string }[];
  readonly text: string;
}

export interface ReadPdf {
  readonly raw: string;
  readonly objects: ReadonlyMap<number, string>;
  readonly pages: readonly { content: string; texts: readonly TextOp[] }[];
  readonly trailer: string;
}

/** WinAnsi bytes 0x80–0x9F the statements use; the rest of 0xA0–0xFF is Latin-1. */
const WIN_ANSI_HIGH: Record<number, string> = {
  133: '…',
  145: '‘',
  146: '’',
  147: '“',
  148: '”',
  150: '–',
  151: '—',
};

function winAnsi(bytes: number[]): string {
  return bytes
    .map((b) => {
      if (b >= 0x20 && b <= 0x7e) return String.fromCharCode(b);
      if (b >= 0xa0) return String.fromCharCode(b);
      const c = WIN_ANSI_HIGH[b];
      if (c === undefined) throw new Error(`WinAnsi byte ${b.toString(16)} not expected`);
      return c;
    })
    .join('');
}

/** The bytes of a literal string starting at `s[at] === '('`, and the index after its `)`. */
function literal(s: string, at: number): { bytes: number[]; end: number } {
  const bytes: number[] = [];
  let depth = 0;
  let i = at + 1;
  for (;;) {
    const c = s[i];
    if (c === undefined) throw new Error('unterminated string');
    if (c === '\\') {
      const n = s[i + 1]!;
      const oct = /^[0-7]{1,3}/.exec(s.slice(i + 1, i + 4));
      if (oct) {
        bytes.push(Number.parseInt(oct[0], 8));
        i += 1 + oct[0].length;
        continue;
      }
      const named: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
      assert.ok(n in named, `unknown escape \\${n}`);
      bytes.push(named[n]!);
      i += 2;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      if (depth === 0) return { bytes, end: i + 1 };
      depth--;
    }
    bytes.push(c.charCodeAt(0));
    i++;
  }
}

function textOps(content: string): TextOp[] {
  const ops: TextOp[] = [];
  for (const block of content.matchAll(/BT ([\s\S]*?)\nET/g)) {
    const body = block[1]!;
    const tm = /^1 0 0 1 (-?[\d.]+) (-?[\d.]+) Tm/.exec(body);
    assert.ok(tm, `text block without Tm: ${body.slice(0, 40)}`);
    const runs: { font: string; raw: string; text: string }[] = [];
    let font = '';
    let i = tm[0].length;
    while (i < body.length) {
      const rest = body.slice(i);
      const tf = /^\s*\/(F\d) [\d.]+ Tf /.exec(rest);
      if (tf) {
        font = tf[1]!;
        i += tf[0].length;
        continue;
      }
      const hex = /^<([0-9A-F]*)> Tj/.exec(rest);
      if (hex) {
        assert.equal(hex[1]!.length % 4, 0, 'UTF-16BE hex of whole code units');
        let text = '';
        for (let k = 0; k < hex[1]!.length; k += 4)
          text += String.fromCharCode(Number.parseInt(hex[1]!.slice(k, k + 4), 16));
        runs.push({ font, raw: hex[0].slice(0, -3), text });
        i += hex[0].length;
        continue;
      }
      if (rest.startsWith('(')) {
        const { bytes, end } = literal(body, i);
        assert.ok(body.startsWith(' Tj', end), 'a string is shown with Tj');
        runs.push({ font, raw: body.slice(i, end), text: winAnsi(bytes) });
        i = end + 3;
        continue;
      }
      if (/^\s*$/.test(rest)) break;
      throw new Error(`unexpected text operation: ${rest.slice(0, 40)}`);
    }
    ops.push({ x: Number(tm[1]), y: Number(tm[2]), runs, text: runs.map((r) => r.text).join('') });
  }
  return ops;
}

export function readPdf(bytes: Uint8Array): ReadPdf {
  const raw = Buffer.from(bytes).toString('latin1');
  assert.ok(raw.startsWith('%PDF-1.4\n'), 'PDF header');
  assert.ok(raw.endsWith('%%EOF\n'), 'ends with %%EOF');
  const tail = /startxref\n(\d+)\n%%EOF\n$/.exec(raw);
  assert.ok(tail, 'startxref at the end');
  const xrefAt = Number(tail[1]);
  assert.equal(raw.slice(xrefAt, xrefAt + 5), 'xref\n', 'startxref points at the xref table');
  const head = /^xref\n0 (\d+)\n/.exec(raw.slice(xrefAt));
  assert.ok(head);
  const size = Number(head[1]);
  let at = xrefAt + head[0].length;
  const objects = new Map<number, string>();
  for (let n = 0; n < size; n++) {
    const entry = raw.slice(at, at + 20);
    assert.match(entry, /^\d{10} \d{5} [nf] \n$/, `xref entry ${n} is 20 bytes`);
    at += 20;
    if (n === 0) {
      assert.equal(entry, '0000000000 65535 f \n');
      continue;
    }
    const offset = Number(entry.slice(0, 10));
    assert.ok(raw.startsWith(`${n} 0 obj\n`, offset), `xref offset of object ${n} points at "${n} 0 obj"`);
    const end = raw.indexOf('\nendobj\n', offset);
    objects.set(n, raw.slice(offset + `${n} 0 obj\n`.length, end));
  }
  const trailer = raw.slice(at, raw.lastIndexOf('startxref'));
  assert.match(trailer, new RegExp(`^trailer\\n<< /Size ${size} /Root 1 0 R`));

  const pagesRef = /\/Pages (\d+) 0 R/.exec(objects.get(1)!);
  assert.ok(pagesRef, 'catalog names its pages');
  const tree = objects.get(Number(pagesRef[1]))!;
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(tree)?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((m) =>
    Number(m[1]),
  );
  assert.equal(Number(/\/Count (\d+)/.exec(tree)?.[1]), kids.length);
  const pages = kids.map((k) => {
    const page = objects.get(k)!;
    assert.match(page, /\/Type \/Page /);
    const contentRef = Number(/\/Contents (\d+) 0 R/.exec(page)?.[1]);
    const stream = objects.get(contentRef)!;
    const m = /^<< \/Length (\d+) >>\nstream\n/.exec(stream);
    assert.ok(m, 'content stream with its length');
    const length = Number(m[1]);
    const content = stream.slice(m[0].length, m[0].length + length);
    assert.equal(stream.slice(m[0].length + length), 'endstream', 'the stream is exactly /Length bytes');
    return { content, texts: textOps(content) };
  });
  return { raw, objects, pages, trailer };
}
