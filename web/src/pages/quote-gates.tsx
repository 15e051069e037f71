/** The cycle's gates with the time left, and the warnings about reveals this browser holds. */
import { useEffect, useState } from 'react';
import { formatTime } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { useTradeText } from '../i18n/trade-text.js';
import { quoteStatus } from '../lib/quote-entry.js';
import { formatDuration } from '../lib/throughput.js';
import type { Desk } from './quotes.js';

export { MAX_BLOCK_STEP_MS, nextBlockTimeMs } from './quote-gates-time.js';

/** The browser's clock, once a second, for the estimate above. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export const revealClosesMs = (d: Desk) => d.cycle.gateClosureMs + d.rules.revealWindowMs;

export function Gates({ desk, now }: { desk: Desk; now: number }) {
  const tt = useTradeText();
  const { locale } = useI18n();
  const rows: [string, string, number][] = [
    ['gate', tt('gateClosure'), desk.cycle.gateClosureMs],
    ...(desk.rules.sealedBids
      ? [['reveal', tt('revealCloses'), revealClosesMs(desk)] as [string, string, number]]
      : []),
    ['delivery', tt('deliveryStarts'), desk.cycle.deliveryStartMs],
  ];
  return (
    <section aria-labelledby="gates-h">
      <h3 id="gates-h">{tt('gatesTitle')}</h3>
      <p className="note">{tt('gatesNote', { time: formatTime(desk.chainTimeMs, locale) })}</p>
      <div className="table-wrap">
        <table data-testid="gates">
          <thead>
            <tr>
              <th scope="col">{tt('gate')}</th>
              <th scope="col">{tt('time')}</th>
              <th scope="col">{tt('timeLeft')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([id, name, ms]) => (
              <tr key={id} data-gate={id}>
                <th scope="row">{name}</th>
                <td>{formatTime(ms, locale)}</td>
                <td>{ms > now ? formatDuration(ms - now) : tt('gatePassed')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function RevealWarnings(props: {
  desk: Desk;
  now: number;
  busy: boolean;
  onBackup: () => void;
  onRestore: (file: File) => void;
  onAdvance: () => void;
}) {
  const tt = useTradeText();
  const { locale } = useI18n();
  const { desk, now } = props;
  const sealed = desk.entries.filter((e) => quoteStatus(e.chain) === 'sealed');
  const closes = revealClosesMs(desk);
  const { state, gateClosureMs } = desk.cycle;
  return (
    <>
      {sealed.length > 0 && (
        <section className="alert" aria-labelledby="reveal-warning-h" data-testid="reveal-warning">
          <h3 id="reveal-warning-h">{tt('onlyCopyTitle', { n: sealed.length })}</h3>
          <p>{tt('onlyCopy')}</p>
          {state === 'closed' && now < closes && (
            <p role="alert">
              <strong>
                {tt('revealNow', { time: formatTime(closes, locale), left: formatDuration(closes - now) })}
              </strong>
            </p>
          )}
          {state !== 'open' && state !== 'closed' && <p role="alert">{tt('revealLapsed')}</p>}
          {state === 'closed' && now >= closes && <p role="alert">{tt('revealLate')}</p>}
          <div className="inline-form">
            <button type="button" onClick={props.onBackup}>
              {tt('backupReveals')}
            </button>
          </div>
        </section>
      )}
      <div className="inline-form">
        <label htmlFor="restore-reveals">{tt('restoreReveals')}</label>
        <input
          id="restore-reveals"
          type="file"
          accept="application/json"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file !== undefined) props.onRestore(file);
          }}
        />
      </div>
      {state === 'open' && now >= gateClosureMs && (
        <p className="note">
          {tt('gatePassedOpen')}{' '}
          {desk.chainTimeMs >= gateClosureMs + desk.rules.stepGraceMs && (
            <button type="button" disabled={props.busy} onClick={props.onAdvance}>
              {tt('advanceByRule')}
            </button>
          )}
        </p>
      )}
    </>
  );
}
