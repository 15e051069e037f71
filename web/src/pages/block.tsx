import { Field, Fields, formatTime, HashText, Loaded } from '../components/bits.js';
import { FinalPanel } from '../components/final.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { headerMatchesHash } from '../lib/header.js';
import type { Block } from '../lib/types.js';
import { useAsync } from '../lib/use-async.js';
import { Link } from '../router.js';

export function BlockPage({ height }: { height: number }) {
  const { t, locale } = useI18n();
  const block = useAsync(() => api.get<Block>(`/api/v1/blocks/${height}`), [height]);
  return (
    <>
      <h1>{t('blockTitle', { height })}</h1>
      <nav aria-label={t('blockTitle', { height })} className="pager">
        {height > 0 && <Link href={`/blocks/${height - 1}`}>← {t('previous')}</Link>}
        <Link href={`/blocks/${height + 1}`}>{t('next')} →</Link>
      </nav>
      <Loaded result={block}>
        {(b) => {
          const sound = headerMatchesHash(b);
          return (
            <>
              <p className={sound ? 'good' : 'bad'} data-testid="header-check">
                {t('headerCheck', { result: sound ? t('matches') : t('mismatch') })}
              </p>
              <Fields>
                <Field name={t('hash')}>
                  <HashText value={b.hash} />
                </Field>
                <Field name={t('time')}>{formatTime(b.timestampMs, locale)}</Field>
                <Field name={t('epoch')}>{b.epoch}</Field>
                <Field name={t('previousHash')}>
                  <HashText value={b.previousHash} />
                </Field>
                <Field name={t('txRoot')}>
                  <HashText value={b.txRoot} />
                </Field>
                <Field name={t('receiptsRoot')}>
                  <HashText value={b.receiptsRoot} />
                </Field>
                <Field name={t('stateRoot')}>
                  <HashText value={b.stateRoot} />
                </Field>
              </Fields>
              <FinalPanel key={b.hash} block={b} />
              <h2>{t('transactions')}</h2>
              {b.transactions.length === 0 ? (
                <p>{t('noTransactions')}</p>
              ) : (
                <div className="table-wrap">
                  <table data-testid="block-transactions">
                    <thead>
                      <tr>
                        <th scope="col">{t('position')}</th>
                        <th scope="col">{t('hash')}</th>
                        <th scope="col">{t('receipt')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {b.transactions.map((tx, i) => (
                        <tr key={tx.hash}>
                          <td>{i}</td>
                          <td>
                            <Link href={`/tx/${tx.hash}`}>
                              <HashText value={tx.hash} />
                            </Link>
                          </td>
                          <td className={tx.ok ? 'good' : 'bad'}>
                            {tx.ok ? t('ok') : t('refused', { code: tx.code })}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          );
        }}
      </Loaded>
    </>
  );
}
