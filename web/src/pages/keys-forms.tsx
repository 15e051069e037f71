/** The two forms of the keys page: create a key, import one (seed or CLI keystore file). */
import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { fromHex } from '../lib/hex.js';
import { importKeystore, KeystoreError } from '../lib/keystore.js';
import { newSeed, storeKey } from '../lib/vault.js';

const MIN_PASSWORD = 8;

export function CreateKeyForm({ onDone }: { onDone: (message: string) => void }) {
  const { t } = useI18n();
  const [label, setLabel] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  return (
    <form
      className="stack"
      aria-labelledby="create-h"
      onSubmit={async (event) => {
        event.preventDefault();
        if (password.length < MIN_PASSWORD) return setProblem(t('passwordTooShort'));
        setBusy(true);
        setProblem('');
        const entry = await storeKey(localStorage, newSeed(), label.trim() || 'key', password);
        setBusy(false);
        setPassword('');
        onDone(t('keyCreated', { key: entry.publicKey }));
      }}
    >
      <h2 id="create-h">{t('createKey')}</h2>
      <label htmlFor="create-label">{t('label')}</label>
      <input id="create-label" value={label} onChange={(e) => setLabel(e.target.value)} />
      <label htmlFor="create-password">{t('password')}</label>
      <input
        id="create-password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      {problem !== '' && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? t('working') : t('create')}
      </button>
    </form>
  );
}

export function ImportKeyForm({ onDone }: { onDone: (message: string) => void }) {
  const { t } = useI18n();
  const [label, setLabel] = useState('');
  const [seedHex, setSeedHex] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [filePassword, setFilePassword] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');

  const seedFrom = async (): Promise<Uint8Array | string> => {
    if (file !== null) {
      try {
        return await importKeystore(JSON.parse(await file.text()), filePassword);
      } catch (error) {
        return error instanceof KeystoreError && error.code === 'WRONG_PASSWORD'
          ? t('wrongPassword')
          : error instanceof Error
            ? error.message
            : String(error);
      }
    }
    const hex = seedHex.trim().toLowerCase();
    return /^[0-9a-f]{64}$/.test(hex) ? fromHex(hex) : t('badSeed');
  };

  return (
    <form
      className="stack"
      aria-labelledby="import-h"
      onSubmit={async (event) => {
        event.preventDefault();
        if (password.length < MIN_PASSWORD) return setProblem(t('passwordTooShort'));
        setBusy(true);
        setProblem('');
        const seed = await seedFrom();
        if (typeof seed === 'string') {
          setBusy(false);
          return setProblem(seed);
        }
        const entry = await storeKey(localStorage, seed, label.trim() || 'key', password);
        setBusy(false);
        setSeedHex('');
        setPassword('');
        onDone(t('keyCreated', { key: entry.publicKey }));
      }}
    >
      <h2 id="import-h">{t('importKey')}</h2>
      <label htmlFor="import-label">{t('label')}</label>
      <input id="import-label" value={label} onChange={(e) => setLabel(e.target.value)} />
      <label htmlFor="import-seed">{t('seedHex')}</label>
      <input
        id="import-seed"
        spellCheck={false}
        autoComplete="off"
        value={seedHex}
        onChange={(e) => setSeedHex(e.target.value)}
      />
      <label htmlFor="import-file">{t('keystoreJson')}</label>
      <input
        id="import-file"
        type="file"
        accept="application/json,.json"
        onChange={(e) => setFile(e.target.files?.[0] ?? null)}
      />
      {file !== null && (
        <>
          <label htmlFor="import-file-password">{t('keystorePassword')}</label>
          <input
            id="import-file-password"
            type="password"
            value={filePassword}
            onChange={(e) => setFilePassword(e.target.value)}
          />
        </>
      )}
      <label htmlFor="import-password">{t('password')}</label>
      <input
        id="import-password"
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      {problem !== '' && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? t('working') : t('import')}
      </button>
    </form>
  );
}
