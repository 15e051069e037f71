import { Field, Fields, Loaded } from '../components/bits.js';
import type { Locale } from '../i18n/dict.js';
import { useI18n } from '../i18n/i18n.js';
import { ApiError, api } from '../lib/api.js';
import type { Session } from '../lib/session.js';
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
  const { t, locale } = useI18n();
  const result = useAsync(() => load(cycleId, session), [cycleId, session.token]);
  return (
    <Loaded result={result}>
      {({ statement, contracts }) => (
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
        </>
      )}
    </Loaded>
  );
}
