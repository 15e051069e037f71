import { useState } from 'react';
import { ErrorNote, formatTime, HashText } from '../components/bits.js';
import { useI18n } from '../i18n/i18n.js';
import { api } from '../lib/api.js';
import { exportKeystore } from '../lib/keystore.js';
import { listReveals } from '../lib/reveal-store.js';
import { signIn } from '../lib/session.js';
import { setSession, useSession } from '../lib/session-store.js';
import type { Status } from '../lib/types.js';
import { listKeys, removeKey, unlockKey, type VaultEntry } from '../lib/vault.js';
import { CreateKeyForm, ImportKeyForm } from './keys-forms.js';

function download(name: string, json: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

function KeyRow({ entry, onChange }: { entry: VaultEntry; onChange: (message: string) => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const id = `pw-${entry.publicKey.slice(0, 12)}`;

  const withSeed = async (use: (seed: Uint8Array) => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      const seed = await unlockKey(entry, password);
      if (seed === null) throw new Error(t('wrongPassword'));
      await use(seed);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="key card">
      <p>
        <strong>{entry.label}</strong> <HashText value={entry.publicKey} />
      </p>
      <div className="inline-form">
        <label htmlFor={id}>{t('password')}</label>
        <input
          id={id}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            withSeed(async (seed) => {
              const { chainId } = await api.get<Status>('/api/v1/status');
              setSession(await signIn(api, chainId, seed));
            })
          }
        >
          {t('signIn')}
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            withSeed(async (seed) =>
              download(`keystore-${entry.publicKey.slice(0, 8)}.json`, await exportKeystore(seed, password)),
            )
          }
        >
          {t('exportKeystore')}
        </button>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            // Reveals kept for sealed quotations open only with this key: removing it loses them.
            const kept = listReveals(localStorage, entry.publicKey).length;
            if (kept > 0 && !confirm(t('removeKeyWithReveals', { n: kept }))) return;
            removeKey(localStorage, entry.publicKey);
            onChange('');
          }}
        >
          {t('remove')}
        </button>
      </div>
      {busy && <p aria-busy="true">{t('working')}</p>}
      {error !== null && <ErrorNote error={error} />}
    </li>
  );
}

export function KeysPage() {
  const { t, locale } = useI18n();
  const [message, setMessage] = useState('');
  const [, setVersion] = useState(0);
  const session = useSession();
  const keys = listKeys(localStorage);
  const changed = (m: string) => {
    setMessage(m);
    setVersion((v) => v + 1);
  };

  return (
    <>
      <h1>{t('keysTitle')}</h1>
      <p className="intro">{t('keysIntro')}</p>
      {session !== null && (
        <section className="card session" aria-live="polite" data-testid="session">
          <p>{t('signedInAs', { key: `${session.publicKey.slice(0, 16)}…` })}</p>
          <p>
            <strong data-testid="role">{t('roleReported', { role: session.role })}</strong>
          </p>
          <p>{t('sessionUntil', { time: formatTime(session.expiresAtMs, locale) })}</p>
          <button type="button" onClick={() => setSession(null)}>
            {t('signOut')}
          </button>
        </section>
      )}
      {message !== '' && (
        <p className="good" role="status">
          {message}
        </p>
      )}
      <section aria-labelledby="keys-h">
        <h2 id="keys-h">{t('yourKeys')}</h2>
        {keys.length === 0 ? (
          <p>{t('noKeys')}</p>
        ) : (
          <ul className="keys">
            {keys.map((entry) => (
              <KeyRow key={entry.publicKey} entry={entry} onChange={changed} />
            ))}
          </ul>
        )}
        <p className="note">{t('exportNote')}</p>
      </section>
      <div className="grid">
        <div className="card">
          <CreateKeyForm onDone={changed} />
        </div>
        <div className="card">
          <ImportKeyForm onDone={changed} />
        </div>
      </div>
    </>
  );
}
