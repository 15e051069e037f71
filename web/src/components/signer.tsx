/** Unlocks a vault key for signing market transactions in this tab, or shows which key signs. */
import { useState } from 'react';
import { useTradeText } from '../i18n/trade-text.js';
import { setSigningKey, useSigningKey } from '../lib/signing-key.js';
import { listKeys, unlockKey } from '../lib/vault.js';
import { Link } from '../router.js';
import { HashText } from './bits.js';

export function SignerPanel() {
  const tt = useTradeText();
  const signer = useSigningKey();
  const keys = listKeys(localStorage);
  const [chosen, setChosen] = useState(keys[0]?.publicKey ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');

  if (signer !== null)
    return (
      <section className="card" aria-labelledby="signer-h" data-testid="signer">
        <h2 id="signer-h">{tt('signerTitle')}</h2>
        <p>
          {tt('signingAs', { label: signer.label })} <HashText value={signer.publicKey} />
        </p>
        <button type="button" className="quiet" onClick={() => setSigningKey(null)}>
          {tt('lockKey')}
        </button>
      </section>
    );
  if (keys.length === 0)
    return (
      <section className="card" aria-labelledby="signer-h">
        <h2 id="signer-h">{tt('signerTitle')}</h2>
        <p>
          {tt('noKeyYet')} <Link href="/keys">{tt('toKeys')}</Link>
        </p>
      </section>
    );
  return (
    <section className="card" aria-labelledby="signer-h">
      <h2 id="signer-h">{tt('signerTitle')}</h2>
      <p className="note">{tt('signerNote')}</p>
      <form
        className="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          const entry = keys.find((k) => k.publicKey === chosen);
          if (entry === undefined) return;
          setBusy(true);
          setProblem('');
          const seed = await unlockKey(entry, password);
          setBusy(false);
          setPassword('');
          if (seed === null) return setProblem(tt('unlockFailed'));
          setSigningKey({ publicKey: entry.publicKey, label: entry.label, seed });
        }}
      >
        <label htmlFor="signer-key">{tt('signerKey')}</label>
        <select id="signer-key" value={chosen} onChange={(e) => setChosen(e.target.value)}>
          {keys.map((k) => (
            <option key={k.publicKey} value={k.publicKey}>
              {k.label} · {k.publicKey.slice(0, 12)}…
            </option>
          ))}
        </select>
        <label htmlFor="signer-password">{tt('signerPassword')}</label>
        <input
          id="signer-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? tt('working') : tt('unlock')}
        </button>
      </form>
      {problem !== '' && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
