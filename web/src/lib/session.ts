/**
 * Sign-in: the API's challenge signed with the member's Ed25519 key over the UTF-8 bytes of
 * `gridshard/session/v1|<chainId>|<challenge>` (src/api/sessions.ts), exchanged for a bearer token.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import type { ApiClient } from './api.js';
import { toHex, utf8 } from './hex.js';

export interface Session {
  readonly token: string;
  readonly expiresAtMs: number;
  readonly role: string;
  readonly publicKey: string;
}

export function sessionSigningBytes(chainId: string, challenge: string): Uint8Array {
  return utf8(`gridshard/session/v1|${chainId}|${challenge}`);
}

export async function signIn(api: ApiClient, chainId: string, seed: Uint8Array): Promise<Session> {
  const publicKey = toHex(ed25519.getPublicKey(seed));
  const { challenge } = await api.post<{ challenge: string }>('/api/v1/auth/challenge', undefined);
  const signature = toHex(ed25519.sign(sessionSigningBytes(chainId, challenge), seed));
  const opened = await api.post<{ token: string; expiresAtMs: number; role: string }>(
    '/api/v1/auth/session',
    { publicKey, challenge, signature },
  );
  return { ...opened, publicKey };
}
