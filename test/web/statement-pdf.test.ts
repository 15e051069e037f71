import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dictionaries } from '../../web/src/i18n/dict.js';
import { fontRuns, latinLiteral, textWidth, ucs2Hex, wrapText } from '../../web/src/lib/pdf-fonts.js';
import { LINE_REASONS, parseCsv, type StatementJson, statementCsv } from '../../web/src/lib/statement-csv.js';
import { StatementPdfError, type StatementSource, statementPdf } from '../../web/src/lib/statement-pdf.js';
import { statementPdfText } from '../../web/src/lib/statement-pdf-text.js';
import { readPdf } from './pdf-read.js';

// The settlement statement PDF read back by an independent reader: a cross-reference table whose
// every offset lands on its object, the statement's figures (the CSV's, cell for cell), escaped
// strings, Chinese set in STSong-Light as UTF-16BE, numbered pages, the same bytes every time.

const STATEMENT: StatementJson = {
  cycleId: 'c-9',
  member: 'cd'.repeat(32),
  contractedWh: 1_700_500,
  meteredWh: 1_500_000,
  net: '512340',
  lines: [
    { kind: 'energySale', energyWh: 1_500_000, amount: '600000' },
    { kind: 'crossingFee', energyWh: 1_500_000, amount: '-30000' },
    { kind: 'breachLiability', energyWh: 200_500, amount: '-57660' },
  ],
  liabilities: [
    {
      contractId: 'c-9/0/0',
      interval: 0,
      counterparty: 'ab'.repeat(32),
      code: 'NON_DELIVERY',
      energyWh: 200_500,
      amount: '-57660',
      reason: 'delivered 1,000,000 of 1,200,500 Wh (short) \\ see (meter) log',
    },
  ],
};
const SOURCE: StatementSource = {
  height: 1234,
  blockHash: 'ef'.repeat(32),
  atMs: Date.UTC(2026, 10, 29, 12, 0, 5),
};

/** Every text operation of every page, one string each, in drawing order. */
const texts = (bytes: Uint8Array) => readPdf(bytes).pages.flatMap((p) => p.texts.map((t) => t.text));

describe('settlement statement PDF', () => {
  it('has a cross-reference table whose offsets land on their objects, and a trailer', () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      const pdf = readPdf(statementPdf(STATEMENT, { locale, source: SOURCE }));
      assert.equal(pdf.pages.length, 1);
      assert.match(pdf.trailer, /\/Info \d+ 0 R/);
      const info = pdf.objects.get(Number(/\/Info (\d+) 0 R/.exec(pdf.trailer)![1]))!;
      assert.match(info, /\/CreationDate \(D:20261129120005Z\)/);
    }
    // The reader's checks bite: one byte more near the start moves every offset after it.
    const bytes = statementPdf(STATEMENT, { locale: 'en', source: SOURCE });
    const shifted = new Uint8Array([...bytes.subarray(0, 100), 0x20, ...bytes.subarray(100)]);
    assert.throws(() => readPdf(shifted), /startxref|offset/);
  });

  it('shows the member, cycle, block, time, every line with its explanation, the cases and totals', () => {
    const t = statementPdfText.en;
    const lines = texts(statementPdf(STATEMENT, { locale: 'en', source: SOURCE }));
    const all = lines.join(' ');
    assert.equal(lines[0], 'Settlement statement');
    for (const want of [
      t.member,
      STATEMENT.member,
      'c-9',
      '1700500',
      '1500000',
      `height 1234, hash ${'ef'.repeat(32)}`,
      '2026-11-29 12:00:05 UTC',
      'Kind',
      'Explanation',
      `Counterparty: ${'ab'.repeat(32)}`,
      'NON_DELIVERY',
      'c-9/0/0',
      'Page 1 of 1',
    ])
      assert.ok(lines.includes(want), `${want} drawn`);
    for (const l of STATEMENT.lines) {
      assert.ok(lines.includes(l.kind));
      assert.ok(all.includes(LINE_REASONS[l.kind]!), `explanation of ${l.kind}`);
    }
    assert.ok(all.includes(`Reason: ${STATEMENT.liabilities![0]!.reason}`));
    // The totals: the sum of the lines, of the cases, and the net, each beside its label.
    const after = (label: string) => lines[lines.findIndex((s) => s.startsWith(label)) + 1];
    assert.equal(after(t.linesTotal), '512340');
    assert.equal(after(t.liabilitiesTotal), '-57660');
    assert.equal(after(t.net), '512340');
  });

  it('prints every figure of the CSV, unchanged', () => {
    const drawn = new Set(texts(statementPdf(STATEMENT, { locale: 'zh-CN', source: SOURCE })));
    const [header, ...rows] = parseCsv(statementCsv(STATEMENT));
    for (const row of rows) {
      for (const column of ['energy_wh', 'amount', 'kind', 'contract_id', 'code'] as const) {
        const value = row[header!.indexOf(column)]!;
        if (value !== '' && value !== 'net') assert.ok(drawn.has(value), `${column} ${value} drawn`);
      }
    }
  });

  it('escapes parentheses and backslashes in Helvetica strings', () => {
    assert.equal(latinLiteral('a(b)c\\d'), '(a\\(b\\)c\\\\d)');
    assert.equal(latinLiteral('it’s €5 — é'), '(it\\222s \\2005 \\227 \\351)');
    const pdf = readPdf(statementPdf(STATEMENT, { locale: 'en', source: SOURCE }));
    assert.ok(pdf.pages[0]!.content.includes('\\(short\\) \\\\ see \\(meter\\) log'));
    assert.ok(
      pdf.pages[0]!.texts.some((op) => op.text === `Reason: ${STATEMENT.liabilities![0]!.reason}`),
      'the reason reads back whole',
    );
  });

  it('sets Chinese in STSong-Light as UTF-16BE hex, and Latin text in Helvetica', () => {
    const bytes = statementPdf(STATEMENT, { locale: 'zh-CN', source: SOURCE });
    const pdf = readPdf(bytes);
    const fonts = [...pdf.objects.values()].join('\n');
    assert.match(fonts, /\/BaseFont \/STSong-Light-UniGB-UCS2-H \/Encoding \/UniGB-UCS2-H/);
    assert.match(fonts, /\/Registry \(Adobe\) \/Ordering \(GB1\)/);
    assert.match(fonts, /\/BaseFont \/Helvetica \/Encoding \/WinAnsiEncoding/);
    // 结算单: U+7ED3 U+7B97 U+5355.
    assert.ok(pdf.pages[0]!.content.includes('/F2 16 Tf <7ED37B975355> Tj'));
    const runs = pdf.pages.flatMap((p) => p.texts.flatMap((op) => op.runs));
    for (const run of runs) {
      if (run.font === 'F2') assert.match(run.raw, /^<([0-9A-F]{4})+>$/);
      else assert.equal(run.font, 'F1');
      // Nothing WinAnsi can encode goes to the CID font, nothing else to Helvetica.
      assert.equal(/[\u4e00-\u9fff（），：；]/.test(run.text), run.font === 'F2', run.text);
    }
    const heading = pdf.pages[0]!.texts.find((op) => op.text === statementPdfText['zh-CN'].contractedWh)!;
    assert.deepEqual(
      heading.runs.map((r) => [r.font, r.text]),
      [
        ['F2', '合同电量（'],
        ['F1', 'Wh'],
        ['F2', '）'],
      ],
    );
    assert.ok(texts(bytes).includes('第 1 页，共 1 页'));
    // An English statement names no CID font.
    const en = readPdf(statementPdf(STATEMENT, { locale: 'en', source: SOURCE }));
    assert.ok(![...en.objects.values()].some((o) => o.includes('STSong')));
  });

  it('breaks a 200-line statement into numbered pages, the table header on each', () => {
    const lines = Array.from({ length: 200 }, (_, i) => ({
      kind: i % 2 === 0 ? 'imbalance' : 'penalty',
      energyWh: 1000 + i,
      amount: String(-(5000 + i)),
    }));
    const net = String(lines.reduce((sum, l) => sum + BigInt(l.amount), 0n));
    const statement = { ...STATEMENT, lines, liabilities: [], net };
    const pdf = readPdf(statementPdf(statement, { locale: 'en', source: SOURCE }));
    const n = pdf.pages.length;
    assert.ok(n >= 4, `${n} pages`);
    const amounts: string[] = [];
    for (const [i, page] of pdf.pages.entries()) {
      const drawn = page.texts.map((op) => op.text);
      assert.ok(drawn.includes(`Page ${i + 1} of ${n}`));
      if (i > 0) assert.match(drawn[0]!, /^Settlement statement · Trading cycle c-9/);
      if (drawn.some((s) => /^-5\d{3}$/.test(s)))
        assert.ok(drawn.includes('Explanation'), `header on page ${i + 1}`);
      for (const op of page.texts) {
        assert.ok(op.y >= 20 && op.y <= 842 - 40, `inside the page: ${op.text} at ${op.y}`);
        if (/^-5\d{3}$/.test(op.text)) {
          assert.ok(op.y >= 64, 'statement lines stay above the footer');
          amounts.push(op.text);
        }
      }
    }
    assert.deepEqual(
      amounts,
      lines.map((l) => l.amount),
      'every line once, in order',
    );
    const last = pdf.pages.at(-1)!.texts.map((op) => op.text);
    assert.equal(last[last.findIndex((s) => s.startsWith('Net amount')) + 1], net);
  });

  it('writes the same bytes for the same statement, and dates nothing without a source', () => {
    const a = statementPdf(STATEMENT, { locale: 'zh-CN', source: SOURCE });
    const b = statementPdf(structuredClone(STATEMENT), { locale: 'zh-CN', source: { ...SOURCE } });
    assert.deepEqual(Buffer.from(a), Buffer.from(b));
    const bare = statementPdf(STATEMENT, { locale: 'en' });
    assert.deepEqual(Buffer.from(bare), Buffer.from(statementPdf(STATEMENT, { locale: 'en', source: null })));
    assert.ok(!Buffer.from(bare).toString('latin1').includes('/CreationDate'));
    const drawn = texts(bare);
    assert.equal(drawn[drawn.indexOf('Settled in block') + 1], 'not available');
    assert.equal(drawn[drawn.indexOf('As of (block time, UTC)') + 1], 'not available');
  });

  it('refuses a statement of another shape with the field named', () => {
    const bad = (s: unknown, field: string) =>
      assert.throws(
        () => statementPdf(s as StatementJson, { locale: 'en' }),
        (e: unknown) => e instanceof StatementPdfError && e.field === field,
      );
    bad({ ...STATEMENT, net: '1.5' }, 'net');
    bad({ ...STATEMENT, lines: [{ kind: 'penalty', energyWh: -1, amount: '0' }] }, 'lines[0].energyWh');
    bad({ ...STATEMENT, lines: [{ kind: 'penalty', energyWh: 1, amount: 7 }] }, 'lines[0].amount');
    bad({ ...STATEMENT, member: null }, 'member');
    bad(
      { ...STATEMENT, liabilities: [{ ...STATEMENT.liabilities![0], reason: 3 }] },
      'liabilities[0].reason',
    );
  });

  it('labels the download button in both languages', () => {
    assert.equal(dictionaries.en.downloadPdf, 'Download statement as PDF');
    assert.match(dictionaries['zh-CN'].downloadPdf, /PDF/);
  });
});

describe('PDF text runs and lines', () => {
  it('splits text into Helvetica and STSong-Light runs, control and astral characters replaced', () => {
    assert.deepEqual(fontRuns('净额 net'), [
      { font: 'cjk', text: '净额' },
      { font: 'latin', text: ' net' },
    ]);
    assert.deepEqual(fontRuns('a\tb😀'), [{ font: 'latin', text: 'a b?' }]);
    assert.equal(ucs2Hex('单'), '<5355>');
  });

  it('wraps at spaces, between Chinese characters and inside overlong words, within the width', () => {
    const width = 100;
    for (const text of [
      LINE_REASONS.imbalance!,
      statementPdfText['zh-CN'].lineReasons.crossingFee!,
      'x'.repeat(80),
    ]) {
      const lines = wrapText(text, 9, width);
      assert.ok(lines.length > 1, text);
      for (const line of lines) assert.ok(textWidth(line, 9) <= width, `${line} fits`);
      assert.equal(lines.join('').replaceAll(' ', ''), text.replaceAll(' ', ''));
    }
    assert.deepEqual(wrapText('', 9, 100), ['']);
    assert.equal(textWidth('0123456789', 10), 55.6);
    assert.equal(textWidth('结算', 10), 20);
  });
});
