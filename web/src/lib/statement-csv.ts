/**
 * A settlement statement (GET /api/v1/market/cycles/:cycle/statements/:key) as CSV, one row per
 * statement line with its kind and why it is there, one per breach-liability case with its
 * contract, interval, counterparty, code and reason, and the net. Amounts are money units as
 * decimal integers (no rounding); the net equals the sum of the lines and the liability rows sum
 * to the breach-liability line, which `parseStatementCsv` lets a reader check.
 * Fields are quoted as RFC 4180 says: commas, quotes and line breaks survive the round trip.
 */

export interface StatementJson {
  readonly cycleId: string;
  readonly member: string;
  readonly contractedWh: number;
  readonly meteredWh: number;
  readonly net: string;
  readonly lines: readonly { kind: string; energyWh: number; amount: string }[];
  readonly liabilities?: readonly {
    contractId: string;
    interval: number;
    counterparty: string;
    code: string;
    energyWh: number;
    amount: string;
    reason: string;
  }[];
}

/** Why a line of each kind is on a statement (docs/MARKET.md, Settlement). */
export const LINE_REASONS: Record<string, string> = {
  energySale: 'energy sold under the cycle’s contracts, at the contract price',
  energyPurchase: 'energy bought under the cycle’s contracts, at the contract price',
  crossingFee: 'crossing (T&D) fee of contracts between voltage levels or buses',
  imbalance: 'metered energy differing from the contracts, within the tolerance band',
  penalty: 'deviation beyond the tolerance band, at the penalty price',
  subsidy: 'subsidy on the grid enterprise’s purchases',
  breachLiability: 'breach liability under binding contracts (one row per case below)',
  gridSupply: 'energy of lapsed contracts bought from the grid enterprise at the composite price',
};

export const CSV_COLUMNS = [
  'row',
  'cycle_id',
  'member',
  'kind',
  'contract_id',
  'interval',
  'counterparty',
  'code',
  'energy_wh',
  'amount',
  'reason',
] as const;

const quote = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function statementCsv(s: StatementJson): string {
  const rows: (string | number)[][] = [[...CSV_COLUMNS]];
  for (const l of s.lines) {
    rows.push([
      'line',
      s.cycleId,
      s.member,
      l.kind,
      '',
      '',
      '',
      '',
      l.energyWh,
      l.amount,
      LINE_REASONS[l.kind] ?? '',
    ]);
  }
  for (const b of s.liabilities ?? []) {
    rows.push([
      'liability',
      s.cycleId,
      s.member,
      'breachLiability',
      b.contractId,
      b.interval,
      b.counterparty,
      b.code,
      b.energyWh,
      b.amount,
      b.reason,
    ]);
  }
  rows.push([
    'net',
    s.cycleId,
    s.member,
    'net',
    '',
    '',
    '',
    '',
    '',
    s.net,
    'credit minus debit; positive: the member receives',
  ]);
  return `${rows.map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
}

/** RFC 4180 fields, quoted or not. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

export interface CsvTotals {
  /** Sum of the statement lines, per kind and overall. */
  readonly byKind: ReadonlyMap<string, bigint>;
  readonly linesTotal: bigint;
  readonly liabilitiesTotal: bigint;
  readonly net: bigint;
}

/** Reads a statement CSV back into its totals; throws on a file of another shape. */
export function parseStatementCsv(text: string): CsvTotals {
  const [header, ...rows] = parseCsv(text);
  if (header?.join(',') !== CSV_COLUMNS.join(',')) throw new Error('not a settlement statement CSV');
  const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
  const byKind = new Map<string, bigint>();
  let linesTotal = 0n;
  let liabilitiesTotal = 0n;
  let net: bigint | null = null;
  for (const r of rows) {
    const amount = BigInt(r[col('amount')] ?? '');
    const kind = r[col('kind')] ?? '';
    if (r[col('row')] === 'line') {
      byKind.set(kind, (byKind.get(kind) ?? 0n) + amount);
      linesTotal += amount;
    } else if (r[col('row')] === 'liability') liabilitiesTotal += amount;
    else if (r[col('row')] === 'net') net = amount;
    else throw new Error(`unknown row ${r[col('row')]}`);
  }
  if (net === null) throw new Error('the CSV has no net row');
  return { byKind, linesTotal, liabilitiesTotal, net };
}
