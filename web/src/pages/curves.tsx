import { useState } from 'react';
import { Field, Fields, Loaded } from '../components/bits.js';
import { SupplyDemandChart } from '../components/supply-demand-chart.js';
import { useAnalysisText } from '../i18n/analysis-text.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { latestSummary } from '../lib/market-analysis.js';
import { readRoundQuotes } from '../lib/quote-book.js';
import type { Session } from '../lib/session.js';
import { useSession } from '../lib/session-store.js';
import { bookOf, clearingPoint, demandCurve, supplyCurve } from '../lib/supply-demand.js';
import type { CycleAnswer } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { Link, navigate } from '../router.js';

const CYCLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The curves from every revealed quotation: for a regulator's session only (src/api/privacy.ts). */
function Curves({ cycle, interval, session }: { cycle: CycleAnswer; interval: number; session: Session }) {
  const a = useAnalysisText();
  const result = useAsync(
    () => readRoundQuotes(cycle.cycleId, cycle.round, session.token),
    [cycle.cycleId, cycle.round, session.token],
  );
  return (
    <Loaded result={result}>
      {(round) => {
        const book = bookOf(round.quotes, interval);
        const demand = demandCurve(book);
        const supply = supplyCurve(book);
        const point = clearingPoint(book);
        const revealed = round.quotes.filter((q) => q.quote !== null && !q.withdrawn).length;
        const rows = [
          ...demand.map((s) => ({ side: a('demand'), ...s })),
          ...supply.map((s) => ({ side: a('supply'), ...s })),
        ];
        return (
          <>
            <p data-testid="quotes-read">
              {a('quotesRead', { count: round.count, round: cycle.round, revealed })}
            </p>
            {rows.length === 0 ? (
              <p>{a('bookEmpty')}</p>
            ) : (
              <>
                <p className="note">{a('bookNote')}</p>
                <SupplyDemandChart
                  demand={demand}
                  supply={supply}
                  point={point}
                  labels={{
                    title: a('chartTitle', { interval }),
                    desc:
                      point.price === null
                        ? a('chartNoCross')
                        : a('chartDesc', { price: point.price, volume: point.volumeWh }),
                    demand: a('demand'),
                    supply: a('supply'),
                    clearing: a('clearing'),
                    price: a('priceAxis'),
                    energy: a('energyAxis'),
                  }}
                />
                <Fields>
                  <Field name={`${a('clearing')}: ${a('clearingPrice')}`}>
                    <span data-testid="curves-price">{point.price ?? '—'}</span>
                  </Field>
                  <Field name={`${a('clearing')}: ${a('volumeWh')}`}>
                    <span data-testid="curves-volume">{point.volumeWh}</span>
                  </Field>
                </Fields>
                <div className="table-wrap">
                  <table data-testid="curve-steps" id="curve-steps">
                    <caption>{a('stepsCaption', { interval })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{a('side')}</th>
                        <th scope="col">{a('stepPrice')}</th>
                        <th scope="col">{a('fromWh')}</th>
                        <th scope="col">{a('toWh')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((r) => (
                        <tr key={`${r.side}-${r.fromWh}`}>
                          <th scope="row">{r.side}</th>
                          <td>{r.price}</td>
                          <td>{r.fromWh}</td>
                          <td>{r.toWh}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

function CycleCurves({ cycleId, interval }: { cycleId: string; interval: number }) {
  const a = useAnalysisText();
  const session = useSession();
  const result = useAsync(() => api.get<CycleAnswer>(`/api/v1/market/cycles/${cycleId}`), [cycleId]);
  const q = encodeURIComponent(cycleId);
  return (
    <Loaded result={result}>
      {(cycle) => {
        const shown = interval < cycle.intervals ? interval : 0;
        const s = latestSummary(cycle, shown);
        const regulator = session !== null && session.role === 'regulator';
        return (
          <>
            <nav aria-label={a('interval')}>
              <ul>
                {Array.from({ length: cycle.intervals }, (_, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: the interval number is the item's identity
                  <li key={i}>
                    <Link
                      href={`/curves?cycle=${q}&interval=${i}`}
                      aria-current={i === shown ? 'page' : undefined}
                    >
                      {`${a('interval')} ${i}`}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
            <h2>{a('chartTitle', { interval: shown })}</h2>
            <section aria-labelledby="published-h">
              <h3 id="published-h">{a('published')}</h3>
              {s === undefined ? (
                <p>{a('noPublished')}</p>
              ) : (
                <Fields>
                  <Field name={a('round')}>{s.round}</Field>
                  <Field name={a('clearingPrice')}>
                    <span data-testid="published-price">{s.clearingPricePerKwh ?? '—'}</span>
                  </Field>
                  <Field name={a('volumeWh')}>
                    <span data-testid="published-volume">{s.volumeWh}</span>
                  </Field>
                </Fields>
              )}
            </section>
            <p className="note" data-testid="curves-privacy">
              {regulator ? a('privacyRegulator', { round: cycle.round }) : a('privacyPublic')}
            </p>
            {regulator ? (
              <Curves cycle={cycle} interval={shown} session={session} />
            ) : (
              <p>{a('signInHint')}</p>
            )}
            <p>
              <Link href={`/analysis?cycle=${q}`}>{a('toAnalysis')}</Link>
            </p>
          </>
        );
      }}
    </Loaded>
  );
}

export function CurvesPage({
  initialCycle,
  initialInterval,
}: {
  initialCycle: string;
  initialInterval: string;
}) {
  const { t } = useI18n();
  const a = useAnalysisText();
  const [cycle, setCycle] = useState(initialCycle);
  const interval = /^\d{1,2}$/.test(initialInterval) ? Number(initialInterval) : 0;
  return (
    <>
      <h1>{a('curvesTitle')}</h1>
      <p>{a('curvesIntro')}</p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/curves?cycle=${encodeURIComponent(cycle.trim())}&interval=${interval}`);
        }}
      >
        <label htmlFor="curves-cycle">{t('cycleId')}</label>
        <input id="curves-cycle" value={cycle} onChange={(e) => setCycle(e.target.value)} />
        <button type="submit">{t('show')}</button>
      </form>
      {CYCLE_ID.test(initialCycle) && <CycleCurves cycleId={initialCycle} interval={interval} />}
    </>
  );
}
