/**
 * A generation company's or power user's quotations for one trading cycle: the cycle's gates with
 * the time left, the quote form, and each quotation this browser sent with what the chain holds
 * for it. In a sealed market the commitment goes on chain first and the quotation with its salt
 * stays in this browser (sealed with the member's key) until the reveal gate.
 */
import { useEffect, useState } from 'react';
import { ErrorNote, HashText, Loaded } from '../components/bits.js';
import { SignerPanel } from '../components/signer.js';
import { useI18n } from '../i18n/i18n.js';
import { useTradeText } from '../i18n/trade-text.js';
import { api } from '../lib/api.js';
import { fromHex } from '../lib/hex.js';
import { marketRules, memberOf, type PublicMember, type Receipt, sendAction } from '../lib/market-chain.js';
import { type OwnAction, type Quotation, quoteCommitment } from '../lib/market-tx.js';
import { readQuoteEntry } from '../lib/quote-entry.js';
import { dropReveal, keepReveal, listReveals, openReveal, restoreReveals } from '../lib/reveal-store.js';
import { type SigningKey, sessionFor, useSigningKey } from '../lib/signing-key.js';
import type { CycleRecord, Status } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { navigate } from '../router.js';
import { QuoteForm } from './quote-form.js';
import { Gates, nextBlockTimeMs, RevealWarnings, useNow } from './quote-gates.js';
import { QuoteList } from './quote-list.js';

const CYCLE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const REFRESH_MS = 4000;
const TRADERS = ['generator', 'user'];

async function load(cycleId: string, signer: SigningKey) {
  const [cycle, status, rules, member] = await Promise.all([
    api.get<CycleRecord>(`/api/v1/market/cycles/${encodeURIComponent(cycleId)}`),
    api.get<Status>('/api/v1/status'),
    marketRules(),
    memberOf(signer.publicKey),
  ]);
  const kept = listReveals(localStorage, signer.publicKey).filter((e) => e.cycleId === cycleId);
  const session = kept.length === 0 ? null : await sessionFor(signer);
  const entries = await Promise.all(
    kept.map(async (e) => ({
      kept: e,
      chain:
        session === null ? null : await readQuoteEntry(session.token, cycleId, signer.publicKey, e.quoteId),
    })),
  );
  return { cycle, chainTimeMs: status.timestampMs, rules, member, entries };
}

export type Desk = Awaited<ReturnType<typeof load>>;

const mayQuote = (m: PublicMember | null) =>
  m !== null && m.status === 'approved' && TRADERS.includes(m.role);

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

function QuoteDesk({ cycleId, signer }: { cycleId: string; signer: SigningKey }) {
  const tt = useTradeText();
  const [tick, setTick] = useState(0);
  const result = useAsync(() => load(cycleId, signer), [cycleId, signer.publicKey, tick], true);
  const clock = useNow();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ what: string; receipt: Receipt } | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [editing, setEditing] = useState<{ quoteId: string; quote: Quotation } | null>(null);
  // A quotation sent clears the form for the next one.
  const [sent, setSent] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  /** Sends one action, shows its receipt and reloads; `after` runs on the receipt first. */
  const act = async (
    what: string,
    make: () => Promise<OwnAction>,
    after?: (r: Receipt) => Promise<void> | void,
  ) => {
    setBusy(true);
    setError(null);
    try {
      const receipt = await sendAction(signer.seed, await make());
      await after?.(receipt);
      setOutcome({ what, receipt });
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
      setTick((n) => n + 1);
    }
  };

  const submit = (d: Desk, quoteId: string, quote: Quotation) => {
    const amend = editing !== null;
    const at = { member: signer.publicKey, cycleId, quoteId };
    const previous = listReveals(localStorage, signer.publicKey).find(
      (e) => e.cycleId === cycleId && e.quoteId === quoteId,
    );
    const salt = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const commitment = d.rules.sealedBids
      ? quoteCommitment(fromHex(signer.publicKey), cycleId, quoteId, quote, salt)
      : new Uint8Array(32);
    return act(
      amend ? tt('actAmend') : d.rules.sealedBids ? tt('actSeal') : tt('actSubmit'),
      async () => {
        // The reveal is kept before the commitment is sent: once that lands, losing it costs the quote.
        await keepReveal(localStorage, signer.seed, { ...at, commitment }, { quote, salt });
        void navigator.storage?.persist?.();
        if (!d.rules.sealedBids)
          return amend
            ? { type: 'amendQuote', cycleId, quoteId, commitment: null, quote }
            : { type: 'submitQuote', cycleId, quoteId, quote };
        return amend
          ? { type: 'amendQuote', cycleId, quoteId, commitment, quote: null }
          : { type: 'commitQuote', cycleId, quoteId, commitment };
      },
      (r) => {
        if (r.ok) {
          setEditing(null);
          setSent((n) => n + 1);
          return;
        }
        // Refused: what the chain holds is unchanged, so is what this browser keeps for it.
        if (previous === undefined) dropReveal(localStorage, at);
        else restoreReveals(localStorage, JSON.stringify([previous]));
      },
    );
  };

  return (
    <Loaded result={result}>
      {(d) => {
        const now = nextBlockTimeMs(d.chainTimeMs, clock);
        return (
          <>
            <h2>{tt('cycleHeading', { id: d.cycle.cycleId, state: d.cycle.state, round: d.cycle.round })}</h2>
            <Gates desk={d} now={now} />
            {outcome !== null && (
              <p className={outcome.receipt.ok ? 'good' : 'error'} role="status" data-testid="quote-receipt">
                {outcome.receipt.ok
                  ? tt('actionDone', { what: outcome.what, height: outcome.receipt.height })
                  : tt('actionRefused', { what: outcome.what, code: outcome.receipt.code })}{' '}
                <HashText value={outcome.receipt.hash} />
              </p>
            )}
            {error !== null && <ErrorNote error={error} />}
            {!mayQuote(d.member) ? (
              <p className="note" data-testid="no-quote-actions">
                {tt('noQuoteActions', {
                  role: d.member?.role ?? tt('unregistered'),
                  status: d.member?.status ?? '—',
                })}
              </p>
            ) : (
              <>
                <RevealWarnings
                  desk={d}
                  now={now}
                  onBackup={() =>
                    download(
                      `reveals-${signer.publicKey.slice(0, 8)}.json`,
                      JSON.stringify(listReveals(localStorage, signer.publicKey), null, 2),
                      'application/json',
                    )
                  }
                  onRestore={async (file) => {
                    restoreReveals(localStorage, await file.text());
                    setTick((n) => n + 1);
                  }}
                  onAdvance={() => act(tt('actAdvance'), async () => ({ type: 'advanceCycle', cycleId }))}
                  busy={busy}
                />
                <QuoteList
                  desk={d}
                  now={now}
                  busy={busy}
                  onAmend={async (quoteId, kept) => {
                    const opened = await openReveal(kept, signer.seed);
                    if (opened !== null) setEditing({ quoteId, quote: opened.quote });
                  }}
                  onWithdraw={(quoteId) =>
                    act(tt('actWithdraw'), async () => ({ type: 'withdrawQuote', cycleId, quoteId }))
                  }
                  onReveal={(quoteId, kept) =>
                    act(tt('actReveal'), async () => {
                      const opened = await openReveal(kept, signer.seed);
                      if (opened === null) throw new Error(tt('revealUnreadable'));
                      return {
                        type: 'revealQuote',
                        cycleId,
                        quoteId,
                        quote: opened.quote,
                        salt: opened.salt,
                      };
                    })
                  }
                  onForget={(quoteId) => {
                    dropReveal(localStorage, { member: signer.publicKey, cycleId, quoteId });
                    setTick((n) => n + 1);
                  }}
                />
                {d.cycle.state === 'open' && now < d.cycle.gateClosureMs && d.member !== null && (
                  <QuoteForm
                    key={editing?.quoteId ?? `new-${sent}`}
                    cycle={d.cycle}
                    rules={d.rules}
                    member={d.member}
                    editing={editing}
                    busy={busy}
                    onSubmit={(quoteId, quote) => submit(d, quoteId, quote)}
                    onCancel={() => setEditing(null)}
                  />
                )}
              </>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

export function QuotesPage({ initialCycle }: { initialCycle: string }) {
  const tt = useTradeText();
  const { t } = useI18n();
  const signer = useSigningKey();
  const [cycle, setCycle] = useState(initialCycle);
  return (
    <>
      <h1>{tt('quotesTitle')}</h1>
      <p className="intro">{tt('quotesIntro')}</p>
      <SignerPanel />
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/quotes?cycle=${encodeURIComponent(cycle.trim())}`);
        }}
      >
        <label htmlFor="quotes-cycle">{t('cycleId')}</label>
        <input id="quotes-cycle" value={cycle} onChange={(e) => setCycle(e.target.value)} />
        <button type="submit">{t('show')}</button>
      </form>
      {signer !== null && CYCLE_ID.test(initialCycle) && (
        <QuoteDesk cycleId={initialCycle} signer={signer} key={signer.publicKey} />
      )}
      {signer === null && CYCLE_ID.test(initialCycle) && <p className="note">{tt('unlockToQuote')}</p>}
    </>
  );
}
