/** Loading, showing and forgetting the genesis file commit proofs are checked against. */
import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { pinGenesis, useTrustedGenesis } from '../lib/genesis-store.js';
import { GenesisFileError, parseGenesisFile } from '../lib/trusted-genesis.js';
import { HashText } from './bits.js';

export function GenesisPin() {
  const { t } = useI18n();
  const genesis = useTrustedGenesis();
  const [error, setError] = useState<string | null>(null);
  const load = async (file: File | undefined) => {
    if (file === undefined) return;
    try {
      pinGenesis(parseGenesisFile(file.name, new Uint8Array(await file.arrayBuffer())));
      setError(null);
    } catch (e) {
      setError(e instanceof GenesisFileError ? e.message : String(e));
    }
  };
  return (
    <div className="genesis-pin" data-testid="genesis-pin">
      <h3 id="genesis-pin-h">{t('genesisTitle')}</h3>
      {genesis === null ? (
        <p data-testid="genesis-state" data-state="none">
          {t('genesisNone')}
        </p>
      ) : (
        <p data-testid="genesis-state" data-state="pinned">
          {t('genesisPinned', {
            name: genesis.name,
            chain: genesis.chainId,
            shard: genesis.shardId,
            count: genesis.validators.length,
          })}{' '}
          <span className="sr-only">SHA-256 </span>
          <HashText value={genesis.sha256} />
        </p>
      )}
      <label htmlFor="genesis-file">{t('genesisLoad')}</label>{' '}
      <input
        id="genesis-file"
        type="file"
        accept=".json,application/json"
        onChange={(event) => void load(event.target.files?.[0])}
      />
      {genesis !== null && (
        <button type="button" onClick={() => pinGenesis(null)}>
          {t('genesisForget')}
        </button>
      )}
      {error !== null && (
        <p className="error" role="alert" data-testid="genesis-error">
          {t('genesisRefused', { detail: error })}
        </p>
      )}
    </div>
  );
}
