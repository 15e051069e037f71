/** The pinned genesis, kept in this browser's localStorage and shared by the pages. */
import { useSyncExternalStore } from 'react';
import { KEY_HEX, type TrustedGenesis } from './trusted-genesis.js';

const STORE_KEY = 'gridshard.trusted-genesis.v1';
const listeners = new Set<() => void>();

function read(): TrustedGenesis | null {
  try {
    const raw = localStorage.getItem(STORE_KEY);
    if (raw === null) return null;
    const g = JSON.parse(raw) as TrustedGenesis;
    // Re-checked on the way in: storage is another input.
    const ok =
      typeof g.name === 'string' &&
      typeof g.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(g.sha256) &&
      typeof g.chainId === 'string' &&
      Number.isSafeInteger(g.shardId) &&
      Array.isArray(g.validators) &&
      g.validators.every(
        (v, i) => v.index === i && typeof v.publicKey === 'string' && KEY_HEX.test(v.publicKey),
      );
    return ok ? g : null;
  } catch {
    return null;
  }
}

let current: TrustedGenesis | null = read();

export function pinGenesis(genesis: TrustedGenesis | null): void {
  current = genesis;
  if (genesis === null) localStorage.removeItem(STORE_KEY);
  else localStorage.setItem(STORE_KEY, JSON.stringify(genesis));
  for (const listener of listeners) listener();
}

export function trustedGenesis(): TrustedGenesis | null {
  return current;
}

export function useTrustedGenesis(): TrustedGenesis | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
