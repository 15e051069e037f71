import { useState } from 'react';
import { Field, Fields, Loaded } from '../components/bits.js';
import { PriceVolumeChart } from '../components/chart.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { useSession } from '../lib/session-store.js';
import type { CycleAnswer } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { navigate } from '../router.js';
import { MyRecords } from './market-private.js';

const CYCLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

function Cycle({ cycleId }: { cycleId: string }) {
  const { t } = useI18n();
  const session = useSession();
  const result = useAsync(() => api.get<CycleAnswer>(`/api/v1/market/cycles/${cycleId}`), [cycleId]);
  return (
    <Loaded result={result}>
      {(c) => (
        <>
          <h2>{t('cycleSummary', { id: c.cycleId, intervals: c.intervals, round: c.round })}</h2>
          <Fields>
            <Field name={t('deals')}>{c.deals}</Field>
            <Field name={t('matchedWh')}>{c.matchedWh}</Field>
            <Field name={t('contractedWh')}>{c.contractedWh}</Field>
            <Field name={t('contracts')}>{c.contracts}</Field>
          </Fields>
          {c.summaries.length === 0 ? (
            <p>{t('noSummaries')}</p>
          ) : (
            <>
              <PriceVolumeChart
                rows={c.summaries}
                labels={{ title: t('chartTitle'), volume: t('volume'), price: t('price') }}
              />
              <div className="table-wrap">
                <table>
                  <caption>{t('chartTitle')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('round')}</th>
                      <th scope="col">{t('interval')}</th>
                      <th scope="col">{t('price')}</th>
                      <th scope="col">{t('volume')}</th>
                      <th scope="col">{t('participants')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {c.summaries.map((s) => (
                      <tr key={`${s.round}-${s.interval}`}>
                        <td>{s.round}</td>
                        <td>{s.interval}</td>
                        <td>{s.clearingPricePerKwh ?? '—'}</td>
                        <td>{s.volumeWh}</td>
                        <td>{s.participants}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          <section aria-labelledby="mine-h">
            <h2 id="mine-h">{t('myRecords')}</h2>
            {session === null ? (
              <p>{t('signInFirst')}</p>
            ) : (
              <MyRecords cycleId={c.cycleId} session={session} />
            )}
          </section>
        </>
      )}
    </Loaded>
  );
}

export function MarketPage({ initialCycle }: { initialCycle: string }) {
  const { t } = useI18n();
  const [cycle, setCycle] = useState(initialCycle);
  return (
    <>
      <h1>{t('marketTitle')}</h1>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/market?cycle=${encodeURIComponent(cycle.trim())}`);
        }}
      >
        <label htmlFor="cycle-id">{t('cycleId')}</label>
        <input id="cycle-id" value={cycle} onChange={(e) => setCycle(e.target.value)} />
        <button type="submit">{t('show')}</button>
      </form>
      {CYCLE_ID.test(initialCycle) && <Cycle cycleId={initialCycle} />}
    </>
  );
}
