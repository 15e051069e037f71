/** The signed-in session, shared by the pages and kept for the tab's life (sessionStorage). */
import { useSyncExternalStore } from 'react';
import type { Session } from './session.js';

const KEY = 'gridshard.session';
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s !== null && typeof s.token === 'string' && s.expiresAtMs > Date.now() ? s : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();

export function setSession(session: Session | null): void {
  current = session;
  if (session === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(session));
  for (const listener of listeners) listener();
}

/** The session now, outside React. */
export function currentSession(): Session | null {
  return current !== null && current.expiresAtMs > Date.now() ? current : null;
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => current,
  );
}
