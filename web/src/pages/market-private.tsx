import { useState } from 'react';
import { Field, Fields, HashText, Loaded } from '../components/bits.js';
import { SignerPanel } from '../components/signer.js';
import type { Locale } from '../i18n/dict.js';
import { useI18n } from '../i18n/i18n.js';
import { useTradeText } from '../i18n/trade-text.js';
import { ApiError, api } from '../lib/api.js';
import { type Receipt, sendAction } from '../lib/market-chain.js';
import type { Session } from '../lib/session.js';
import { useSigningKey } from '../lib/signing-key.js';
import { useAsync } from '../lib/use-async.js';

type Statement = import('../lib/statement-csv.js').StatementJson;

/** Hands `blob` to the browser as a download named `name`. */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

const fileName = (s: Statement, ext: string) => `statement-${s.cycleId}-${s.member.slice(0, 8)}.${ext}`;

/** The CSV and PDF writers load on first use, so they stay out of the first load. */
async function downloadCsv(statement: Statement) {
  const { statementCsv } = await import('../lib/statement-csv.js');
  save(new Blob([statementCsv(statement)], { type: 'text/csv;charset=utf-8' }), fileName(statement, 'csv'));
}

async function downloadPdf(statement: Statement, locale: Locale) {
  const [{ statementPdf }, { settlementSource }] = await Promise.all([
    import('../lib/statement-pdf.js'),
    import('../lib/statement-source.js'),
  ]);
  const source = await settlementSource(statement.cycleId);
  const bytes = statementPdf(statement, { locale, source });
  save(new Blob([bytes], { type: 'application/pdf' }), fileName(statement, 'pdf'));
}

interface Contracts {
  readonly contracts: { contractId: string; interval: number; energyWh: number; pricePerKwh: number }[];
}

/** A contract still waiting for this member's signature (`GET …/awaiting/{key}`). */
interface Awaited {
  readonly contractId: string;
  readonly interval: number;
  readonly roles: readonly string[];
  readonly acceptBeforeMs: number;
}

async function load(cycleId: string, session: Session) {
  const base = `/api/v1/market/cycles/${encodeURIComponent(cycleId)}`;
  const statement = await api
    .get<Statement>(`${base}/statements/${session.publicKey}`, session.token)
    .catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    });
  const contracts = await api.get<Contracts>(`${base}/contracts/${session.publicKey}`, session.token);
  const awaiting = await api.get<{ awaiting: Awaited[] }>(
    `${base}/awaiting/${session.publicKey}`,
    session.token,
  );
  return { statement, contracts: contracts.contracts, awaiting: awaiting.awaiting };
}

/**
 * The contracts that wait for the member's own signature, and the button that signs them: one
 * `acceptContracts` transaction, signed by the unlocked key when it is the signed-in member's.
 */
function ToSign({
  cycleId,
  session,
  awaiting,
  onSent,
}: {
  cycleId: string;
  session: Session;
  awaiting: readonly Awaited[];
  onSent: () => void;
}) {
  const { t } = useI18n();
  const tt = useTradeText();
  const signer = useSigningKey();
  const [busy, setBusy] = useState(false);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [problem, setProblem] = useState('');
  const open = awaiting.filter((a) => a.acceptBeforeMs > Date.now());
  const sign = async () => {
    if (signer === null) return;
    setBusy(true);
    setProblem('');
    try {
      const contractIds = open.map((a) => a.contractId);
      setReceipt(await sendAction(signer.seed, { type: 'acceptContracts', cycleId, contractIds }));
      onSent();
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3>{t('toSign')}</h3>
      {receipt !== null && (
        <p className={receipt.ok ? 'good' : 'error'} role="status" data-testid="accept-receipt">
          {receipt.ok
            ? tt('actionDone', { what: t('acceptAction'), height: receipt.height })
            : tt('actionRefused', { what: t('acceptAction'), code: receipt.code })}{' '}
          <HashText value={receipt.hash} />
        </p>
      )}
      {problem !== '' && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {awaiting.length === 0 ? (
        <p>{t('nothingToSign')}</p>
      ) : (
        <>
          <ul>
            {awaiting.map((a) => (
              <li key={a.contractId}>
                <code>{a.contractId}</code> · {t('interval')} {a.interval} · {a.roles.join(', ')} ·{' '}
                {t('acceptBefore', { time: new Date(a.acceptBeforeMs).toISOString() })}
              </li>
            ))}
          </ul>
          {signer === null ? (
            <SignerPanel />
          ) : signer.publicKey !== session.publicKey ? (
            <p className="note">{t('otherKeyUnlocked')}</p>
          ) : (
            <button type="button" disabled={busy || open.length === 0} onClick={sign}>
              {busy ? tt('working') : t('signContracts', { n: open.length })}
            </button>
          )}
        </>
      )}
    </>
  );
}

/** The signed-in member's own statement and contracts for one cycle. */
export function MyRecords({ cycleId, session }: { cycleId: string; session: Session }) {
  const { t, locale } = useI18n();
  const [tick, setTick] = useState(0);
  const result = useAsync(() => load(cycleId, session), [cycleId, session.token, tick], true);
  return (
    <Loaded result={result}>
      {({ statement, contracts, awaiting }) => (
        <>
          <h3>{t('statement')}</h3>
          {statement === null ? (
            <p>{t('noStatement')}</p>
          ) : (
            <>
              <Fields>
                <Field name={t('contractedWh')}>{statement.contractedWh}</Field>
                <Field name={t('net')}>{statement.net}</Field>
                {statement.lines.map((l) => (
                  <Field key={l.kind} name={l.kind}>{`${l.energyWh} Wh · ${l.amount}`}</Field>
                ))}
              </Fields>
              <button type="button" onClick={() => downloadCsv(statement)}>
                {t('downloadCsv')}
              </button>{' '}
              <button type="button" onClick={() => downloadPdf(statement, locale)}>
                {t('downloadPdf')}
              </button>
            </>
          )}
          <h3>{t('contracts')}</h3>
          {contracts.length === 0 ? (
            <p>{t('noContracts')}</p>
          ) : (
            <ul>
              {contracts.map((c) => (
                <li key={c.contractId}>
                  <code>{c.contractId}</code> · {t('interval')} {c.interval} · {c.energyWh} Wh ·{' '}
                  {c.pricePerKwh}
                </li>
              ))}
            </ul>
          )}
          <ToSign
            cycleId={cycleId}
            session={session}
            awaiting={awaiting}
            onSent={() => setTick((n) => n + 1)}
          />
        </>
      )}
    </Loaded>
  );
}
