/** The quotations this browser sent for the cycle, what the chain holds for each, and their actions. */
import { type TradeKey, useTradeText } from '../i18n/trade-text.js';
import { quoteStatus } from '../lib/quote-entry.js';
import type { SealedReveal } from '../lib/reveal-store.js';
import { revealClosesMs } from './quote-gates.js';
import type { Desk } from './quotes.js';

const STATUS_TEXT: Record<ReturnType<typeof quoteStatus>, TradeKey> = {
  unknown: 'qNotOnChain',
  sealed: 'qSealed',
  open: 'qOpen',
  revealed: 'qRevealed',
  withdrawn: 'qWithdrawn',
};

export function QuoteList(props: {
  desk: Desk;
  now: number;
  busy: boolean;
  onAmend: (quoteId: string, kept: SealedReveal) => void;
  onWithdraw: (quoteId: string) => void;
  onReveal: (quoteId: string, kept: SealedReveal) => void;
  onForget: (quoteId: string) => void;
}) {
  const tt = useTradeText();
  const { desk, now, busy } = props;
  const beforeGate = desk.cycle.state === 'open' && now < desk.cycle.gateClosureMs;
  const revealOpen = desk.cycle.state === 'closed' && now < revealClosesMs(desk);
  if (desk.entries.length === 0) return <p>{tt('noQuotesHere')}</p>;
  return (
    <section aria-labelledby="my-quotes-h">
      <h3 id="my-quotes-h">{tt('myQuotes')}</h3>
      <div className="table-wrap">
        <table data-testid="my-quotes">
          <thead>
            <tr>
              <th scope="col">{tt('quoteId')}</th>
              <th scope="col">{tt('round')}</th>
              <th scope="col">{tt('onChain')}</th>
              <th scope="col">{tt('actions')}</th>
            </tr>
          </thead>
          <tbody>
            {desk.entries.map(({ kept, chain }) => {
              const status = quoteStatus(chain);
              const live = status === 'sealed' || status === 'open';
              return (
                <tr key={kept.quoteId} data-quote={kept.quoteId}>
                  <th scope="row">{kept.quoteId}</th>
                  <td>{chain?.round ?? '—'}</td>
                  <td data-testid="quote-status">{tt(STATUS_TEXT[status])}</td>
                  <td>
                    <div className="inline-form">
                      {live && beforeGate && (
                        <>
                          <button
                            type="button"
                            disabled={busy}
                            onClick={() => props.onAmend(kept.quoteId, kept)}
                          >
                            {tt('amend', { id: kept.quoteId })}
                          </button>
                          <button
                            type="button"
                            disabled={busy}
                            onClick={() => props.onWithdraw(kept.quoteId)}
                          >
                            {tt('withdraw', { id: kept.quoteId })}
                          </button>
                        </>
                      )}
                      {status === 'sealed' && revealOpen && (
                        <button
                          type="button"
                          disabled={busy}
                          onClick={() => props.onReveal(kept.quoteId, kept)}
                        >
                          {tt('reveal', { id: kept.quoteId })}
                        </button>
                      )}
                      {!live && (
                        <button type="button" className="quiet" onClick={() => props.onForget(kept.quoteId)}>
                          {tt('forget', { id: kept.quoteId })}
                        </button>
                      )}
                    </div>
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
