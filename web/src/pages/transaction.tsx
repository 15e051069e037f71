import { Field, Fields, HashText, Loaded, Verdict } from '../components/bits.js';
import { ProofChain } from '../components/final.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { fromHex, toHex } from '../lib/hex.js';
import { decodeEnvelope, decodePayload, type Envelope, signatureValid } from '../lib/transaction.js';
import type { Block, TxDetail } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { checkTransaction } from '../lib/verify.js';
import { Link } from '../router.js';

async function load(hash: string) {
  const tx = await api.get<TxDetail>(`/api/v1/transactions/${hash}`);
  const block = await api.get<Block>(`/api/v1/blocks/${tx.height}`);
  let envelope: Envelope | null = null;
  try {
    envelope = decodeEnvelope(fromHex(tx.bytes));
  } catch {
    envelope = null;
  }
  return { tx, block, envelope, check: checkTransaction(tx, block) };
}

function Payload({ envelope }: { envelope: Envelope }) {
  const { t } = useI18n();
  const decoded = decodePayload(envelope.type, envelope.payload);
  if (decoded.kind === 'kv.put')
    return (
      <Fields>
        <Field name={t('kvKey')}>
          <code>{decoded.key}</code>
        </Field>
        <Field name={t('kvValue')}>
          <code>{decoded.value}</code>
        </Field>
      </Fields>
    );
  return <HashText value={decoded.hex} />;
}

export function TransactionPage({ hash }: { hash: string }) {
  const { t } = useI18n();
  const result = useAsync(() => load(hash), [hash]);
  return (
    <>
      <h1>{t('txTitle')}</h1>
      <p>
        <HashText value={hash} />
      </p>
      <Loaded result={result}>
        {({ tx, block, envelope, check }) => (
          <>
            <section aria-labelledby="proof-h" className="card">
              <h2 id="proof-h">
                {t('proofTitle')}: <Verdict ok={check.verified} />
              </h2>
              <ProofChain check={check} header={block} />
            </section>
            <Fields>
              <Field name={t('inBlock')}>
                <Link href={`/blocks/${tx.height}`}>{tx.height}</Link>
              </Field>
              <Field name={t('position')}>{tx.index}</Field>
              <Field name={t('receipt')}>{tx.ok ? t('ok') : t('refused', { code: tx.code })}</Field>
              {envelope !== null && (
                <>
                  <Field name={t('chainId')}>{envelope.chainId}</Field>
                  <Field name={t('type')}>
                    <code>{envelope.type}</code>
                    {envelope.type === 'market' && (
                      <>
                        {' '}
                        <Link href={`/trace?tx=${tx.hash}`}>{t('navTrace')}</Link>
                      </>
                    )}
                  </Field>
                  <Field name={t('sender')}>
                    <HashText value={toHex(envelope.sender)} />
                  </Field>
                  <Field name={t('nonce')}>{envelope.nonce.toString()}</Field>
                  <Field name={t('signature')}>
                    <span data-testid="signature">
                      {signatureValid(envelope) ? t('signatureValid') : t('signatureInvalid')}
                    </span>
                  </Field>
                </>
              )}
            </Fields>
            {envelope !== null && (
              <section aria-labelledby="payload-h">
                <h2 id="payload-h">{t('payload')}</h2>
                <Payload envelope={envelope} />
              </section>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
