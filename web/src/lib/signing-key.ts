/**
 * The key a member signs market transactions with, unlocked from the vault for this tab: its seed
 * lives in memory only and is gone on reload or when locked.
 */
import { useSyncExternalStore } from 'react';
import { api } from './api.js';
import { type Session, signIn } from './session.js';
import { currentSession as readSession, setSession } from './session-store.js';
import type { Status } from './types.js';

export interface SigningKey {
  readonly publicKey: string;
  readonly label: string;
  readonly seed: Uint8Array;
}

const listeners = new Set<() => void>();
let current: SigningKey | null = null;

export function setSigningKey(key: SigningKey | null): void {
  current = key;
  for (const listener of listeners) listener();
}

export function useSigningKey(): SigningKey | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}

/** A session of the signing key (reused while valid), for reading the member's private records. */
export async function sessionFor(key: SigningKey): Promise<Session> {
  const now = readSession();
  if (now !== null && now.publicKey === key.publicKey && now.expiresAtMs > Date.now() + 60_000) return now;
  const { chainId } = await api.get<Status>('/api/v1/status');
  const opened = await signIn(api, chainId, key.seed);
  setSession(opened);
  return opened;
}
