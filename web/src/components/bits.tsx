/** Small presentational pieces shared by the pages. */
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { ApiError } from '../lib/api.js';
import type { Async } from '../lib/use-async.js';

export function HashText({ value }: { value: string }) {
  return <code className="hash">{value}</code>;
}

export function Fields({ children }: { children: ReactNode }) {
  return <dl className="fields">{children}</dl>;
}

export function Field({ name, children }: { name: string; children: ReactNode }) {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function Verdict({ ok }: { ok: boolean }) {
  const { t } = useI18n();
  return (
    <strong className={ok ? 'verdict good' : 'verdict bad'} data-testid="verdict">
      {ok ? `✔ ${t('verified')}` : `✘ ${t('notVerified')}`}
    </strong>
  );
}

export function Step({ ok, children }: { ok: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <li className={ok ? 'good' : 'bad'}>
      <span aria-hidden="true">{ok ? '✔' : '✘'}</span> {children}
      <span className="sr-only">: {ok ? t('yes') : t('no')}</span>
    </li>
  );
}

export function ErrorNote({ error }: { error: Error }) {
  const { t } = useI18n();
  const detail = error instanceof ApiError ? `${error.message} (${error.code})` : error.message;
  return (
    <p className="error" role="alert">
      {t('error', { detail })}
    </p>
  );
}

/** Shows loading or the error of `result`, or renders its value. */
export function Loaded<T>({ result, children }: { result: Async<T>; children: (value: T) => ReactNode }) {
  const { t } = useI18n();
  if (result.state === 'loading') return <p aria-busy="true">{t('loading')}</p>;
  if (result.state === 'failed') return <ErrorNote error={result.error} />;
  return <>{children(result.value)}</>;
}

export const formatTime = (ms: number, locale: string) =>
  new Date(ms).toLocaleString(locale, { hour12: false });
