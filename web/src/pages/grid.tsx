import { useState } from 'react';
import { HashText, Loaded } from '../components/bits.js';
import { FeederDiagram, FeederLegend, type Selection, useFeederLabels } from '../components/feeder.js';
import { useI18n } from '../i18n/i18n.js';
import { ApiError, api } from '../lib/api.js';
import { readProven } from '../lib/chain-read.js';
import { BUSES, FEEDER_LINES } from '../lib/ieee33.js';
import {
  dealsKey,
  decodeDeals,
  decodeOutcomes,
  emptyFlags,
  type Flags,
  type IntervalOutcome,
  outcomesKey,
  readReason,
} from '../lib/market-state.js';
import { type Flow, type FlowRead, readPowerFlow } from '../lib/power-flow.js';
import { useSession } from '../lib/session-store.js';
import type { CycleRecord } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { navigate } from '../router.js';
import { type FlowChoice, FlowChooser, FlowNote, FlowViolations } from './grid-flow.js';
import { OUTCOME_TEXT } from './outcome-text.js';

const CYCLE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** An adjusted deal as the page lists it, from the deal record or from the flow's answer. */
interface AdjustedDeal {
  readonly seller: string;
  readonly buyer: string;
  readonly matchedWh: number;
  readonly energyWh: number;
  readonly reason: string;
}

interface CheckView {
  readonly cycle: CycleRecord;
  readonly flow: FlowRead;
  readonly outcome: IntervalOutcome | undefined;
  readonly adjusted: AdjustedDeal[];
  /** True when the deal list is private to its parties and the regulator (not signed in as one). */
  readonly dealsPrivate: boolean;
  readonly flags: Flags | null;
}

/** A private record read without the right session: null instead of an error for the page. */
async function readIfAllowed(keyHex: string, token: string | undefined) {
  try {
    return await readProven(keyHex, token);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return null;
    throw error;
  }
}

async function load(cycleId: string, interval: number, token: string | undefined): Promise<CheckView> {
  const cycle = await api.get<CycleRecord>(`/api/v1/market/cycles/${cycleId}`);
  const [outcomes, deals, flow] = await Promise.all([
    readProven(outcomesKey(cycleId)),
    readIfAllowed(dealsKey(cycleId, interval), token),
    readPowerFlow(cycleId, interval, cycle.gridEnterprise, token),
  ]);
  const dealsPrivate = deals === null;
  const outcome =
    outcomes.value === null ? undefined : decodeOutcomes(outcomes.value).find((o) => o.interval === interval);
  // The grid enterprise reads no deal list (its parties are seller and buyer), but the flow's
  // answer names the adjusted deals of the interval.
  const adjusted: AdjustedDeal[] =
    flow.kind === 'flow'
      ? [...flow.answer.adjustments]
      : deals === null || deals.value === null
        ? []
        : decodeDeals(deals.value)
            .filter((d) => d.adjustmentReason !== '')
            .map((d) => ({ ...d, reason: d.adjustmentReason }));
  const hidden = dealsPrivate && flow.kind !== 'flow';
  if (outcome === undefined) return { cycle, flow, outcome, adjusted, dealsPrivate: hidden, flags: null };
  const flags = readReason(outcome.reason, emptyFlags());
  for (const deal of adjusted) readReason(deal.reason, flags);
  return { cycle, flow, outcome, adjusted, dealsPrivate: hidden, flags };
}

function Flagged({ flags }: { flags: Flags }) {
  const { t } = useI18n();
  const labels = useFeederLabels();
  const items = [
    ...FEEDER_LINES.filter((l) => flags.lines.has(`${Math.min(l.from, l.to)}-${Math.max(l.from, l.to)}`)).map(
      (l) => labels.line(l, flags),
    ),
    ...BUSES.filter(
      (b) => flags.voltageLow.has(b.id) || flags.voltageHigh.has(b.id) || flags.substation.has(b.id),
    ).map((b) => labels.bus(b, flags)),
  ];
  return (
    <section aria-labelledby="flagged-h">
      <h2 id="flagged-h">{t('flaggedTitle')}</h2>
      {flags.notConverged && <p>{t('gridNotConverged')}</p>}
      <ul data-testid="grid-flags">
        {items.length === 0 ? <li>{t('none')}</li> : items.map((text) => <li key={text}>{text}</li>)}
      </ul>
    </section>
  );
}

function AdjustedDeals({
  deals,
  interval,
  hidden,
}: {
  deals: AdjustedDeal[];
  interval: number;
  hidden: boolean;
}) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="adjusted-h">
      <h2 id="adjusted-h">{t('adjustedDeals', { interval })}</h2>
      {hidden ? (
        <p>{t('dealsPrivate')}</p>
      ) : deals.length === 0 ? (
        <p>{t('noAdjustedDeals')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="adjusted-deals">
            <thead>
              <tr>
                <th scope="col">{t('seller')}</th>
                <th scope="col">{t('buyer')}</th>
                <th scope="col">{t('matchedWh')}</th>
                <th scope="col">{t('afterCheckWh')}</th>
                <th scope="col">{t('reason')}</th>
              </tr>
            </thead>
            <tbody>
              {deals.map((d, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: deals keep their order in the record
                <tr key={i}>
                  <td>
                    <HashText value={`${d.seller.slice(0, 12)}…`} />
                  </td>
                  <td>
                    <HashText value={`${d.buyer.slice(0, 12)}…`} />
                  </td>
                  <td>{d.matchedWh}</td>
                  <td>{d.energyWh}</td>
                  <td>{d.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SelectionNote({
  selected,
  flags,
  flow = null,
}: {
  selected: Selection | null;
  flags: Flags | null;
  flow?: Flow | null;
}) {
  const { t } = useI18n();
  const labels = useFeederLabels();
  const label =
    selected === null
      ? null
      : selected.kind === 'bus'
        ? labels.bus(BUSES[selected.index]!, flags, flow)
        : labels.line(FEEDER_LINES[selected.index]!, flags, flow);
  return (
    <p className="note" aria-live="polite" data-testid="grid-selected">
      {label === null ? t('gridSelectHint') : t('gridSelected', { label })}
    </p>
  );
}

function Checked({ cycleId, interval }: { cycleId: string; interval: number }) {
  const { t } = useI18n();
  const [selected, setSelected] = useState<Selection | null>(null);
  const [view, setView] = useState<FlowChoice>('asMatched');
  const session = useSession();
  const result = useAsync(() => load(cycleId, interval, session?.token), [cycleId, interval, session?.token]);
  return (
    <Loaded result={result}>
      {(v) => {
        const flow = v.flow.kind === 'flow' ? v.flow.answer[view] : null;
        return (
          <>
            <p data-testid="grid-outcome">
              {v.outcome === undefined
                ? t('gridNoCheck', { interval })
                : t('gridOutcome', {
                    interval,
                    outcome: t(OUTCOME_TEXT[v.outcome.outcome] ?? 'outcomeSecure'),
                  })}
              {v.outcome !== undefined && v.outcome.reason !== '' && (
                <> {t('gridOutcomeReason', { reason: v.outcome.reason })}</>
              )}
            </p>
            {v.flow.kind === 'flow' && <FlowChooser value={view} onChange={setView} />}
            <FeederDiagram flags={v.flags} flow={flow} selected={selected} onSelect={setSelected} />
            <SelectionNote selected={selected} flags={v.flags} flow={flow} />
            <FlowNote read={v.flow} flow={flow} />
            <FeederLegend values={flow !== null} />
            {flow !== null ? <FlowViolations flow={flow} /> : v.flags !== null && <Flagged flags={v.flags} />}
            <AdjustedDeals deals={v.adjusted} interval={interval} hidden={v.dealsPrivate} />
          </>
        );
      }}
    </Loaded>
  );
}

function Unchecked() {
  const [selected, setSelected] = useState<Selection | null>(null);
  return (
    <>
      <FeederDiagram flags={null} selected={selected} onSelect={setSelected} />
      <SelectionNote selected={selected} flags={null} />
      <FeederLegend />
    </>
  );
}

export function GridPage({
  initialCycle,
  initialInterval,
}: {
  initialCycle: string;
  initialInterval: string;
}) {
  const { t } = useI18n();
  const [cycle, setCycle] = useState(initialCycle);
  const [intervalText, setIntervalText] = useState(initialInterval === '' ? '0' : initialInterval);
  const chosen = /^\d{1,2}$/.test(initialInterval) ? Number(initialInterval) : 0;
  return (
    <>
      <h1>{t('gridTitle')}</h1>
      <p>{t('gridIntro')}</p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(
            `/grid?cycle=${encodeURIComponent(cycle.trim())}&interval=${encodeURIComponent(intervalText)}`,
          );
        }}
      >
        <label htmlFor="grid-cycle">{t('cycleId')}</label>
        <input id="grid-cycle" value={cycle} onChange={(e) => setCycle(e.target.value)} />
        <label htmlFor="grid-interval">{t('gridInterval')}</label>
        <input
          id="grid-interval"
          type="number"
          min={0}
          max={95}
          value={intervalText}
          onChange={(e) => setIntervalText(e.target.value)}
        />
        <button type="submit">{t('show')}</button>
      </form>
      {CYCLE_ID.test(initialCycle) ? <Checked cycleId={initialCycle} interval={chosen} /> : <Unchecked />}
    </>
  );
}
