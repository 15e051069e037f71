/** The stepwise quotation form: one row per price step, grouped by delivery interval. */
import { useState } from 'react';
import { type TradeKey, useTradeText } from '../i18n/trade-text.js';
import type { MarketRules, PublicMember } from '../lib/market-chain.js';
import type { Quotation, TradingMode } from '../lib/market-tx.js';
import { checkQuotation, type QuoteProblem } from '../lib/quote-rules.js';
import type { CycleRecord } from '../lib/types.js';

interface Row {
  interval: string;
  price: string;
  energyKwh: string;
}

const WHOLE = /^\d{1,9}$/;
const KWH = /^\d{1,9}(\.\d{1,3})?$/;

const PROBLEM_TEXT: Record<QuoteProblem['rule'], TradeKey> = {
  side: 'qRuleSide',
  buyMode: 'qRuleBuyMode',
  project: 'qRuleProject',
  noCurves: 'qRuleNoCurves',
  intervalOutside: 'qRuleIntervalOutside',
  intervalTwice: 'qRuleIntervalTwice',
  tooManySteps: 'qRuleTooManySteps',
  energy: 'qRuleEnergy',
  setPrice: 'qRuleSetPrice',
  price: 'qRulePrice',
  capacity: 'qRuleCapacity',
};

function toRows(q: Quotation): Row[] {
  return q.curves.flatMap((c) =>
    c.steps.map((s) => ({
      interval: String(c.interval),
      price: String(s.pricePerKwh),
      energyKwh: String(s.energyWh / 1000),
    })),
  );
}

/** The quotation the rows describe, or null while a field is not a number. */
function toQuotation(
  rows: Row[],
  side: 'buy' | 'sell',
  mode: TradingMode,
  project: number,
): Quotation | null {
  const byInterval = new Map<number, { pricePerKwh: number; energyWh: number }[]>();
  for (const r of rows) {
    // Entrusted and grid-purchase sales take the set price: the chain wants 0.
    const price = mode === 'direct' ? r.price : '0';
    if (!WHOLE.test(r.interval) || !WHOLE.test(price) || !KWH.test(r.energyKwh)) return null;
    const steps = byInterval.get(Number(r.interval)) ?? [];
    steps.push({ pricePerKwh: Number(price), energyWh: Math.round(Number(r.energyKwh) * 1000) });
    byInterval.set(Number(r.interval), steps);
  }
  const curves = [...byInterval.entries()]
    .sort(([a], [b]) => a - b)
    .map(([interval, steps]) => ({ interval, steps }));
  return { side, mode, project, curves };
}

export function QuoteForm(props: {
  cycle: CycleRecord;
  rules: MarketRules;
  member: PublicMember;
  /** Set when amending: the quote's id and its current quotation. */
  editing: { quoteId: string; quote: Quotation } | null;
  busy: boolean;
  onSubmit: (quoteId: string, quote: Quotation) => void;
  onCancel: () => void;
}) {
  const tt = useTradeText();
  const { member, editing } = props;
  const side = member.role === 'generator' ? 'sell' : 'buy';
  const approved = member.approvedKw.map((kw, i) => [i, kw] as const).filter(([, kw]) => kw > 0);
  const [quoteId, setQuoteId] = useState(editing?.quoteId ?? `q-${Date.now().toString(36)}`);
  const [mode, setMode] = useState<TradingMode>(editing?.quote.mode ?? 'direct');
  const [project, setProject] = useState(editing?.quote.project ?? approved[0]?.[0] ?? 0);
  const [rows, setRows] = useState<Row[]>(
    editing === null ? [{ interval: '0', price: '', energyKwh: '' }] : toRows(editing.quote),
  );
  const setRow = (i: number, field: keyof Row, value: string) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, [field]: value } : r)));
  const quote = toQuotation(rows, side, mode, side === 'sell' ? project : 0);
  const problems = quote === null ? [] : checkQuotation(quote, member, props.cycle, props.rules);
  // The chain counts a quote id in UTF-16 units, at most 64.
  const ok = quote !== null && problems.length === 0 && quoteId.length >= 1 && quoteId.length <= 64;
  const fixedPrice = mode !== 'direct';

  return (
    <form
      aria-labelledby="quote-form-h"
      onSubmit={(event) => {
        event.preventDefault();
        if (ok && quote !== null) props.onSubmit(quoteId, quote);
      }}
    >
      <h3 id="quote-form-h">
        {editing === null ? tt('newQuote') : tt('amendQuoteTitle', { id: editing.quoteId })}
      </h3>
      <p className="note">
        {props.rules.sealedBids ? tt('sealedNote') : tt('openNote')}{' '}
        {tt('priceRange', { floor: props.rules.priceFloorPerKwh, cap: props.rules.priceCapPerKwh })}
      </p>
      <div className="form-grid">
        <div className="stack">
          <label htmlFor="quote-id">{tt('quoteId')}</label>
          <input
            id="quote-id"
            value={quoteId}
            readOnly={editing !== null}
            onChange={(e) => setQuoteId(e.target.value)}
          />
        </div>
        <div className="stack">
          <span>{tt('side')}</span>
          <strong>{side === 'sell' ? tt('sideSell') : tt('sideBuy')}</strong>
        </div>
        {side === 'sell' && (
          <>
            <div className="stack">
              <label htmlFor="quote-mode">{tt('mode')}</label>
              <select id="quote-mode" value={mode} onChange={(e) => setMode(e.target.value as TradingMode)}>
                <option value="direct">{tt('modeDirect')}</option>
                <option value="entrusted">{tt('modeEntrusted')}</option>
                <option value="gridPurchase">{tt('modeGridPurchase')}</option>
              </select>
            </div>
            <div className="stack">
              <label htmlFor="quote-project">{tt('project')}</label>
              <select id="quote-project" value={project} onChange={(e) => setProject(Number(e.target.value))}>
                {approved.map(([i, kw]) => (
                  <option key={i} value={i}>
                    {tt('projectOption', { n: i, kw })}
                  </option>
                ))}
              </select>
            </div>
          </>
        )}
      </div>
      <div className="table-wrap">
        <table data-testid="quote-steps">
          <caption>{tt('stepsCaption', { intervals: props.cycle.intervals })}</caption>
          <thead>
            <tr>
              <th scope="col">{tt('step')}</th>
              <th scope="col">{tt('interval')}</th>
              <th scope="col">{tt('pricePerKwh')}</th>
              <th scope="col">{tt('energyKwh')}</th>
              <th scope="col">
                <span className="sr-only">{tt('actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place by position
              <tr key={i}>
                <th scope="row">{i + 1}</th>
                <td>
                  <input
                    aria-label={tt('stepInterval', { n: i + 1 })}
                    inputMode="numeric"
                    value={r.interval}
                    onChange={(e) => setRow(i, 'interval', e.target.value)}
                  />
                </td>
                <td>
                  <input
                    aria-label={tt('stepPrice', { n: i + 1 })}
                    inputMode="numeric"
                    value={fixedPrice ? '0' : r.price}
                    disabled={fixedPrice}
                    onChange={(e) => setRow(i, 'price', e.target.value)}
                  />
                </td>
                <td>
                  <input
                    aria-label={tt('stepEnergy', { n: i + 1 })}
                    inputMode="decimal"
                    value={r.energyKwh}
                    onChange={(e) => setRow(i, 'energyKwh', e.target.value)}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    className="quiet"
                    onClick={() => setRows(rows.filter((_, j) => j !== i))}
                  >
                    {tt('removeStep', { n: i + 1 })}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button
        type="button"
        onClick={() =>
          setRows([...rows, { interval: rows.at(-1)?.interval ?? '0', price: '', energyKwh: '' }])
        }
      >
        {tt('addStep')}
      </button>
      {quote === null && <p className="note">{tt('stepsIncomplete')}</p>}
      {problems.length > 0 && (
        <ul className="error" data-testid="quote-problems">
          {problems.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity of their own
            <li key={i}>{tt(PROBLEM_TEXT[p.rule], p as unknown as Record<string, string | number>)}</li>
          ))}
        </ul>
      )}
      <div className="inline-form">
        <button type="submit" disabled={!ok || props.busy}>
          {props.busy ? tt('working') : props.rules.sealedBids ? tt('sealAndSend') : tt('signAndSend')}
        </button>
        {editing !== null && (
          <button type="button" className="quiet" onClick={props.onCancel}>
            {tt('cancel')}
          </button>
        )}
      </div>
    </form>
  );
}
