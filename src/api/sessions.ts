import { randomBytes } from 'node:crypto';
import { fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';

/**
 * Sessions for private reads. A member asks for a challenge, signs it with its key and gets a
 * bearer token bound to that key for a limited time; the member's role is read from the on-chain
 * registry at each request, so a suspension takes effect at once. Challenges are single-use and
 * expire; both tables are bounded.
 */
const SESSION_DOMAIN = 'gridshard/session/v1';

export function sessionSigningBytes(chainId: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${SESSION_DOMAIN}|${chainId}|${challenge}`);
}

export interface Session {
  readonly publicKey: string;
  readonly expiresAtMs: number;
}

export class SessionTable {
  private readonly challenges = new Map<string, number>();
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly chainId: string,
    private readonly challengeTtlMs = 60_000,
    private readonly sessionTtlMs = 3_600_000,
    private readonly maxEntries = 10_000,
  ) {}

  challenge(nowMs: number): { challenge: string; expiresAtMs: number } {
    this.sweep(nowMs);
    if (this.challenges.size >= this.maxEntries) this.challenges.clear();
    const challenge = randomBytes(32).toString('hex');
    const expiresAtMs = nowMs + this.challengeTtlMs;
    this.challenges.set(challenge, expiresAtMs);
    return { challenge, expiresAtMs };
  }

  /** A token for the key when the signature over the challenge verifies; null otherwise. */
  open(
    publicKeyHex: string,
    challenge: string,
    signatureHex: string,
    nowMs: number,
  ): { token: string; session: Session } | null {
    const expires = this.challenges.get(challenge);
    if (expires === undefined || expires < nowMs) return null;
    this.challenges.delete(challenge);
    let valid = false;
    try {
      valid = ed25519Scheme.verify(
        fromHex(publicKeyHex),
        sessionSigningBytes(this.chainId, challenge),
        fromHex(signatureHex),
      );
    } catch {
      valid = false;
    }
    if (!valid) return null;
    if (this.sessions.size >= this.maxEntries) this.sweep(nowMs);
    if (this.sessions.size >= this.maxEntries) return null;
    const token = toHex(new Uint8Array(randomBytes(32)));
    const session = { publicKey: publicKeyHex, expiresAtMs: nowMs + this.sessionTtlMs };
    this.sessions.set(token, session);
    return { token, session };
  }

  lookup(token: string, nowMs: number): Session | null {
    const session = this.sessions.get(token);
    if (session === undefined || session.expiresAtMs < nowMs) return null;
    return session;
  }

  private sweep(nowMs: number): void {
    for (const [challenge, expires] of this.challenges)
      if (expires < nowMs) this.challenges.delete(challenge);
    for (const [token, session] of this.sessions)
      if (session.expiresAtMs < nowMs) this.sessions.delete(token);
  }
}
