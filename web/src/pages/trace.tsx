import { useState } from 'react';
import { Field, Fields, formatTime, HashText, Loaded, Verdict } from '../components/bits.js';
import { ProofChain } from '../components/final.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { fromHex, toHex } from '../lib/hex.js';
import { decodeMarketAction, type FieldValue, type MarketAction } from '../lib/market-action.js';
import { decodeEnvelope, type Envelope, signatureValid } from '../lib/transaction.js';
import type { Block, TxDetail } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { checkTransaction } from '../lib/verify.js';
import { Link, navigate } from '../router.js';

const TX_HASH = /^[0-9a-f]{64}$/;

async function load(hash: string) {
  const tx = await api.get<TxDetail>(`/api/v1/transactions/${hash}`);
  const block = await api.get<Block>(`/api/v1/blocks/${tx.height}`);
  let envelope: Envelope | null = null;
  try {
    envelope = decodeEnvelope(fromHex(tx.bytes));
  } catch {
    envelope = null;
  }
  let action: MarketAction | null = null;
  if (envelope?.type === 'market') {
    try {
      action = decodeMarketAction(envelope.payload);
    } catch {
      action = null;
    }
  }
  // The envelope's signature is the action's only one: its sender is who took the action.
  const signed = envelope !== null && action !== null && signatureValid(envelope);
  return { tx, block, envelope, action, signed, check: checkTransaction(tx, block) };
}

function Value({ value }: { value: FieldValue }) {
  const { locale } = useI18n();
  if (value.kind === 'key') return <HashText value={value.value} />;
  if (value.kind === 'time') return <>{`${formatTime(value.ms, locale)} (${value.ms})`}</>;
  return <>{value.value}</>;
}

function Action({ action, envelope, signed }: { action: MarketAction; envelope: Envelope; signed: boolean }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="action-h" className="card">
      <h2 id="action-h">
        {t('marketAction')}: <code data-testid="action-type">{action.type}</code>
      </h2>
      <Fields>
        <Field name={t('sender')}>
          <HashText value={toHex(envelope.sender)} />
        </Field>
        <Field name={t('envelopeNonce')}>{envelope.nonce.toString()}</Field>
        <Field name={t('envelopeSignature')}>
          <span data-testid="envelope-signature">{signed ? t('signatureValid') : t('signatureInvalid')}</span>
        </Field>
      </Fields>
      {action.fields.length > 0 && (
        <div className="table-wrap">
          <table data-testid="action-fields">
            <thead>
              <tr>
                <th scope="col">{t('fieldName')}</th>
                <th scope="col">{t('fieldValue')}</th>
              </tr>
            </thead>
            <tbody>
              {action.fields.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>
                    <Value value={value} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!action.complete && (
        <>
          <p>{t('decodedPartly')}</p>
          <HashText value={toHex(envelope.payload)} />
        </>
      )}
    </section>
  );
}

function CycleLinks({ cycleId }: { cycleId: string }) {
  const { t } = useI18n();
  const q = encodeURIComponent(cycleId);
  return (
    <section aria-labelledby="cycle-h">
      <h2 id="cycle-h">{t('concernsCycle', { id: cycleId })}</h2>
      <ul data-testid="cycle-links">
        <li>
          <Link href={`/trading?cycle=${q}`}>{t('openInTrading')}</Link>
        </li>
        <li>
          <Link href={`/grid?cycle=${q}&interval=0`}>{t('openInGrid')}</Link>
        </li>
        <li>
          <Link href={`/market?cycle=${q}`}>{t('openInMarket')}</Link>
        </li>
      </ul>
    </section>
  );
}

function Trace({ hash }: { hash: string }) {
  const { t, locale } = useI18n();
  const result = useAsync(() => load(hash), [hash]);
  return (
    <Loaded result={result}>
      {({ tx, block, envelope, action, signed, check }) => (
        <>
          {envelope !== null && action !== null && (
            <Action action={action} envelope={envelope} signed={signed} />
          )}
          {envelope !== null && action === null && (
            <section aria-labelledby="payload-h">
              <h2 id="payload-h">{t('payload')}</h2>
              <p>
                {envelope.type === 'market'
                  ? t('badMarketPayload')
                  : t('notMarketTx', { type: envelope.type })}
              </p>
              <HashText value={toHex(envelope.payload)} />
            </section>
          )}
          <section aria-labelledby="proof-h" className="card">
            <h2 id="proof-h">
              {t('proofTitle')}: <Verdict ok={check.verified} />
            </h2>
            <ProofChain check={check} header={block} />
            <Fields>
              <Field name={t('inBlock')}>
                <Link href={`/blocks/${tx.height}`}>{tx.height}</Link>
              </Field>
              <Field name={t('time')}>{formatTime(block.timestampMs, locale)}</Field>
              <Field name={t('position')}>{tx.index}</Field>
              <Field name={t('receipt')}>{tx.ok ? t('ok') : t('refused', { code: tx.code })}</Field>
              <Field name={t('hash')}>
                <Link href={`/tx/${tx.hash}`}>
                  <HashText value={tx.hash} />
                </Link>
              </Field>
            </Fields>
          </section>
          {action?.cycleId != null && <CycleLinks cycleId={action.cycleId} />}
        </>
      )}
    </Loaded>
  );
}

export function TracePage({ initialTx }: { initialTx: string }) {
  const { t } = useI18n();
  const [hash, setHash] = useState(initialTx);
  return (
    <>
      <h1>{t('traceTitle')}</h1>
      <p>{t('traceIntro')}</p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(`/trace?tx=${encodeURIComponent(hash.trim().toLowerCase())}`);
        }}
      >
        <label htmlFor="trace-tx">{t('txHash')}</label>
        <input id="trace-tx" value={hash} onChange={(e) => setHash(e.target.value)} size={66} />
        <button type="submit">{t('trace')}</button>
      </form>
      {TX_HASH.test(initialTx) && <Trace hash={initialTx} />}
    </>
  );
}
