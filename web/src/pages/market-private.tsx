import { Field, Fields, Loaded } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { ApiError, api } from '../lib/api.js';
import type { Session } from '../lib/session.js';
import { useAsync } from '../lib/use-async.js';

interface Statement {
  readonly contractedWh: number;
  readonly meteredWh: number;
  readonly net: string;
  readonly lines: { kind: string; energyWh: number; amount: string }[];
}

interface Contracts {
  readonly contracts: { contractId: string; interval: number; energyWh: number; pricePerKwh: number }[];
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
  return { statement, contracts: contracts.contracts };
}

/** The signed-in member's own statement and contracts for one cycle. */
export function MyRecords({ cycleId, session }: { cycleId: string; session: Session }) {
  const { t } = useI18n();
  const result = useAsync(() => load(cycleId, session), [cycleId, session.token]);
  return (
    <Loaded result={result}>
      {({ statement, contracts }) => (
        <>
          <h3>{t('statement')}</h3>
          {statement === null ? (
            <p>{t('noStatement')}</p>
          ) : (
            <Fields>
              <Field name={t('contractedWh')}>{statement.contractedWh}</Field>
              <Field name={t('net')}>{statement.net}</Field>
              {statement.lines.map((l) => (
                <Field key={l.kind} name={l.kind}>{`${l.energyWh} Wh · ${l.amount}`}</Field>
              ))}
            </Fields>
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
        </>
      )}
    </Loaded>
  );
}
