import { useState } from 'react';
import { Field, Fields, formatTime, HashText, Loaded, Verdict } from '../components/bits.js';
import type { MessageKey } from '../i18n/dict.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { readProven } from '../lib/chain-read.js';
import { decodeOutcomes, decodeTransitions, outcomesKey, transitionsKey } from '../lib/market-state.js';
import type { CycleRecord, Status } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { Link, navigate } from '../router.js';
import { OUTCOME_TEXT } from './outcome-text.js';

const CYCLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

const STATE_TEXT: Record<string, MessageKey> = {
  open: 'stateOpen',
  closed: 'stateClosed',
  matched: 'stateMatched',
  checked: 'stateChecked',
  contracted: 'stateContracted',
  settled: 'stateSettled',
  cancelled: 'stateCancelled',
};

async function load(cycleId: string) {
  const [cycle, status, transitions, outcomes] = await Promise.all([
    api.get<CycleRecord>(`/api/v1/market/cycles/${cycleId}`),
    api.get<Status>('/api/v1/status'),
    readProven(transitionsKey(cycleId)),
    readProven(outcomesKey(cycleId)),
  ]);
  return {
    cycle,
    chainTimeMs: status.timestampMs,
    transitions: transitions.value === null ? [] : decodeTransitions(transitions.value),
    transitionsCheck: transitions.check,
    outcomes: outcomes.value === null ? [] : decodeOutcomes(outcomes.value),
  };
}

type Loaded_ = Awaited<ReturnType<typeof load>>;

function StateName({ state }: { state: string }) {
  const { t } = useI18n();
  const key = STATE_TEXT[state];
  return (
    <>
      <code>{state}</code>
      {key !== undefined && ` (${t(key)})`}
    </>
  );
}

function Deadlines({ cycle, chainTimeMs }: { cycle: CycleRecord; chainTimeMs: number }) {
  const { t, locale } = useI18n();
  const rows: [MessageKey, number][] = [
    ['gateClosure', cycle.gateClosureMs],
    ['deliveryStart', cycle.deliveryStartMs],
    ['deliveryEnd', cycle.deliveryStartMs + cycle.intervals * cycle.intervalMs],
  ];
  return (
    <section aria-labelledby="deadlines-h">
      <h2 id="deadlines-h">{t('deadlinesTitle')}</h2>
      <p className="note">{t('chainTimeNote', { time: formatTime(chainTimeMs, locale) })}</p>
      <div className="table-wrap">
        <table data-testid="deadlines">
          <thead>
            <tr>
              <th scope="col">{t('deadline')}</th>
              <th scope="col">{t('time')}</th>
              <th scope="col">{t('cycleState')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([name, ms]) => (
              <tr key={name}>
                <th scope="row">{t(name)}</th>
                <td>{formatTime(ms, locale)}</td>
                <td>{ms <= chainTimeMs ? t('passed') : t('ahead')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function TransitionLog({ v }: { v: Loaded_ }) {
  const { t, locale } = useI18n();
  return (
    <section aria-labelledby="log-h">
      <h2 id="log-h">
        {t('transitionsTitle')}: <Verdict ok={v.transitionsCheck.verified} />
      </h2>
      {v.transitions.length === 0 ? (
        <p>{t('noTransitions')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="transitions">
            <thead>
              <tr>
                <th scope="col">{t('fromState')}</th>
                <th scope="col">{t('toState')}</th>
                <th scope="col">{t('round')}</th>
                <th scope="col">{t('time')}</th>
                <th scope="col">{t('height')}</th>
                <th scope="col">{t('code')}</th>
                <th scope="col">{t('reason')}</th>
              </tr>
            </thead>
            <tbody>
              {v.transitions.map((x) => (
                <tr key={`${x.height}-${x.from}-${x.to}`}>
                  <td>{x.from}</td>
                  <td>{x.to}</td>
                  <td>{x.round}</td>
                  <td>{formatTime(x.atMs, locale)}</td>
                  <td>
                    <Link href={`/blocks/${x.height}`}>{x.height}</Link>
                  </td>
                  <td>
                    <code>{x.code}</code>
                  </td>
                  <td>{x.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Intervals({ v }: { v: Loaded_ }) {
  const { t, locale } = useI18n();
  const { cycle } = v;
  const q = encodeURIComponent(cycle.cycleId);
  const latest = (interval: number) =>
    [...cycle.summaries].reverse().find((s) => s.interval === interval && s.round <= cycle.round);
  return (
    <section aria-labelledby="intervals-h">
      <h2 id="intervals-h">{t('intervalsTitle')}</h2>
      <p className="note">{t('supplyDemandNote')}</p>
      <p>
        <Link href={`/curves?cycle=${q}&interval=0`}>{t('navCurves')}</Link> ·{' '}
        <Link href={`/analysis?cycle=${q}`}>{t('navAnalysis')}</Link>
      </p>
      <div className="table-wrap">
        <table data-testid="intervals">
          <thead>
            <tr>
              <th scope="col">{t('interval')}</th>
              <th scope="col">{t('deliveryWindow')}</th>
              <th scope="col">{t('round')}</th>
              <th scope="col">{t('price')}</th>
              <th scope="col">{t('volume')}</th>
              <th scope="col">{t('participants')}</th>
              <th scope="col">{t('checkOutcome')}</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: cycle.intervals }, (_, i) => {
              const s = latest(i);
              const o = v.outcomes.find((x) => x.interval === i);
              const start = cycle.deliveryStartMs + i * cycle.intervalMs;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: the interval number is the row's identity
                <tr key={i}>
                  <th scope="row">{i}</th>
                  <td>
                    {formatTime(start, locale)} – {formatTime(start + cycle.intervalMs, locale)}
                  </td>
                  <td>{s?.round ?? '—'}</td>
                  <td>{s?.clearingPricePerKwh ?? '—'}</td>
                  <td>{s?.volumeWh ?? '—'}</td>
                  <td>{s?.participants ?? '—'}</td>
                  <td>
                    {o === undefined ? (
                      t('notChecked')
                    ) : (
                      <Link href={`/grid?cycle=${q}&interval=${i}`}>
                        {t(OUTCOME_TEXT[o.outcome] ?? 'outcomeSecure')}
                      </Link>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CycleView({ cycleId }: { cycleId: string }) {
  const { t, locale } = useI18n();
  const result = useAsync(() => load(cycleId), [cycleId]);
  return (
    <Loaded result={result}>
      {(v) => (
        <>
          <h2>
            {t('cycleSummary', { id: v.cycle.cycleId, intervals: v.cycle.intervals, round: v.cycle.round })}
          </h2>
          <Fields>
            <Field name={t('cycleState')}>
              <span data-testid="cycle-state">
                <StateName state={v.cycle.state} />
              </span>
            </Field>
            {v.cycle.stateSinceMs !== undefined && v.cycle.stateSinceMs > 0 && (
              <Field name={t('stateSince')}>{formatTime(v.cycle.stateSinceMs, locale)}</Field>
            )}
            {v.cycle.reasonCode !== undefined && v.cycle.reasonCode !== '' && (
              <Field name={t('lastReason')}>
                <code>{v.cycle.reasonCode}</code> {v.cycle.reason}
              </Field>
            )}
            <Field name={t('openedAt')}>
              <Link href={`/blocks/${v.cycle.openedAtHeight}`}>{v.cycle.openedAtHeight}</Link>
            </Field>
            <Field name={t('gridEnterprise')}>
              <HashText value={v.cycle.gridEnterprise} />
            </Field>
            <Field name={t('deals')}>{v.cycle.deals}</Field>
            <Field name={t('contractedWh')}>{v.cycle.contractedWh}</Field>
          </Fields>
          <Deadlines cycle={v.cycle} chainTimeMs={v.chainTimeMs} />
          <TransitionLog v={v} />
          <Intervals v={v} />
        </>
      )}
    </Loaded>
  );
}

export function TradingPage({ initialCycle }: { initialCycle: string }) {
  const { t } = useI18n();
  const [cycle, setCycle] = useState(initialCycle);
  return (
    <>
      <h1>{t('tradingTitle')}</h1>
      <p>{t('tradingIntro')}</p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/trading?cycle=${encodeURIComponent(cycle.trim())}`);
        }}
      >
        <label htmlFor="trading-cycle">{t('cycleId')}</label>
        <input id="trading-cycle" value={cycle} onChange={(e) => setCycle(e.target.value)} />
        <button type="submit">{t('show')}</button>
      </form>
      {CYCLE_ID.test(initialCycle) && <CycleView cycleId={initialCycle} />}
    </>
  );
}
