import { useState } from 'react';
import { Loaded } from '../components/bits.js';
import { DataTable } from '../components/data-table.js';
import { type AnalysisKey, useAnalysisText } from '../i18n/analysis-text.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { readProven } from '../lib/chain-read.js';
import { decodeMeters, meterKey, privateTable, publicTable } from '../lib/market-analysis.js';
import { dealsKey, decodeDeals, decodeOutcomes, outcomesKey } from '../lib/market-state.js';
import type { Session } from '../lib/session.js';
import { useSession } from '../lib/session-store.js';
import type { CycleAnswer } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { Link, navigate } from '../router.js';

const CYCLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

const PUBLIC_HEADERS: AnalysisKey[] = [
  'interval',
  'round',
  'clearingPrice',
  'volumeWh',
  'participants',
  'checkOutcome',
];
const PRIVATE_HEADERS: AnalysisKey[] = [
  'interval',
  'deals',
  'matchedWh',
  'contractedWh',
  'congestionCutWh',
  'crossingFees',
  'meteredSupplyWh',
  'supplyDeviationWh',
  'meteredDemandWh',
  'demandDeviationWh',
];

async function loadPublic(cycleId: string) {
  const [cycle, outcomes] = await Promise.all([
    api.get<CycleAnswer>(`/api/v1/market/cycles/${cycleId}`),
    readProven(outcomesKey(cycleId)),
  ]);
  return publicTable(cycle, outcomes.value === null ? [] : decodeOutcomes(outcomes.value));
}

/** The deals of every interval and the meter readings of every party to them (a regulator's reads). */
async function loadPrivate(cycleId: string, intervals: number, token: string) {
  const deals = await Promise.all(
    Array.from({ length: intervals }, async (_, i) => {
      const read = await readProven(dealsKey(cycleId, i), token);
      return read.value === null ? [] : decodeDeals(read.value);
    }),
  );
  const parties = [...new Set(deals.flat().flatMap((d) => [d.seller, d.buyer]))];
  const meters = new Map(
    await Promise.all(
      parties.map(async (p) => {
        const read = await api.get<{ value: string | null }>(`/api/v1/state/${meterKey(cycleId, p)}`, token);
        return [p, read.value === null ? [] : decodeMeters(read.value)] as const;
      }),
    ),
  );
  return privateTable(intervals, deals, meters);
}

function PrivateFigures({
  cycleId,
  intervals,
  session,
}: {
  cycleId: string;
  intervals: number;
  session: Session;
}) {
  const a = useAnalysisText();
  const result = useAsync(
    () => loadPrivate(cycleId, intervals, session.token),
    [cycleId, intervals, session.token],
  );
  return (
    <Loaded result={result}>
      {(table) => (
        <DataTable
          table={table}
          headers={PRIVATE_HEADERS.map((k) => a(k))}
          caption={a('privateTable')}
          file={`analysis-${cycleId}-contracts.csv`}
          testId="analysis-private"
        />
      )}
    </Loaded>
  );
}

function CycleAnalysis({ cycleId }: { cycleId: string }) {
  const a = useAnalysisText();
  const session = useSession();
  const result = useAsync(() => loadPublic(cycleId), [cycleId]);
  const q = encodeURIComponent(cycleId);
  return (
    <Loaded result={result}>
      {(table) => (
        <>
          <p className="note">{a('noZones')}</p>
          <section aria-labelledby="public-h">
            <h2 id="public-h">{a('publicTable')}</h2>
            <p className="note">{a('publicNote')}</p>
            <DataTable
              table={table}
              headers={PUBLIC_HEADERS.map((k) => a(k))}
              caption={a('publicTable')}
              file={`analysis-${cycleId}-prices.csv`}
              testId="analysis-public"
            />
          </section>
          <section aria-labelledby="private-h">
            <h2 id="private-h">{a('privateTable')}</h2>
            {session !== null && session.role === 'regulator' ? (
              <>
                <p className="note">{a('privateNote')}</p>
                <PrivateFigures cycleId={cycleId} intervals={table.rows.length} session={session} />
              </>
            ) : (
              <p className="note" data-testid="analysis-privacy">
                {a('privateNeedsRegulator')} {a('signInHint')}
              </p>
            )}
          </section>
          <p>
            <Link href={`/curves?cycle=${q}&interval=0`}>{a('toCurves')}</Link>
          </p>
        </>
      )}
    </Loaded>
  );
}

export function AnalysisPage({ initialCycle }: { initialCycle: string }) {
  const { t } = useI18n();
  const a = useAnalysisText();
  const [cycle, setCycle] = useState(initialCycle);
  return (
    <>
      <h1>{a('analysisTitle')}</h1>
      <p>{a('analysisIntro')}</p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/analysis?cycle=${encodeURIComponent(cycle.trim())}`);
        }}
      >
        <label htmlFor="analysis-cycle">{t('cycleId')}</label>
        <input id="analysis-cycle" value={cycle} onChange={(e) => setCycle(e.target.value)} />
        <button type="submit">{t('show')}</button>
      </form>
      {CYCLE_ID.test(initialCycle) && <CycleAnalysis cycleId={initialCycle} />}
    </>
  );
}
