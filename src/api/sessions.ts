import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import { CHALLENGE_HEX_LENGTH, sessionSigningBytes } from '../routes/index.js';
import type { ApiLimits } from './limits.js';

export { CHALLENGE_HEX_LENGTH, sessionSigningBytes } from '../routes/index.js';

/**
 * Sessions for private reads. A client asks for a challenge, signs it with its key and gets a
 * bearer token bound to that key for a limited time; the key's role is read from the on-chain
 * registry at each request, so a suspension takes effect at once.
 *
 * Challenges are stateless: nonce, expiry and an HMAC (a per-process random key) over both and
 * the client address, so issuing one stores nothing and a flood of requests evicts no one's.
 * Single use is enforced by a bounded set of answered challenges; when it is full the oldest
 * entry leaves and every challenge expiring no later than it is refused from then on, so a
 * forgotten challenge can never be answered twice.
 *
 * Sessions are bounded per holder: a member key (registered and admitted on chain) holds a few
 * of its own, any other key shares a small guest pool, counted per client address. A holder over
 * its share loses its own oldest session; a full pool loses the oldest session of whoever holds
 * the most. A client minting throw-away keys thus only ever evicts itself, and never a member.
 */
const CHALLENGE_DOMAIN = 'gridshard/challenge/v1';
const NONCE_BYTES = 16;
// The nonce, the 8-byte expiry and the HMAC-SHA256 make the CHALLENGE_HEX_LENGTH that the
// session route declares.

export interface Session {
  readonly publicKey: string;
  readonly expiresAtMs: number;
  /** A member key's own session, or one from the shared guest pool. */
  readonly kind: 'member' | 'guest';
}

interface Held extends Session {
  readonly holder: string;
}

export type SessionLimits = Pick<
  ApiLimits,
  | 'challengeTtlMs'
  | 'usedChallenges'
  | 'sessionTtlMs'
  | 'sessionsPerMember'
  | 'memberSessions'
  | 'guestSessions'
  | 'guestSessionsPerClient'
>;

export class SessionTable {
  /** Answered challenges (nonce hex) with their expiry, in the order they were answered. */
  private readonly used = new Map<string, number>();
  private usedFloorMs = Number.NEGATIVE_INFINITY;
  private readonly sessions = new Map<string, Held>();
  /** Tokens of each holder with a session, oldest first; never larger than `sessions`. */
  private readonly holders = new Map<string, string[]>();
  private readonly counts = { member: 0, guest: 0 };

  constructor(
    private readonly chainId: string,
    private readonly limits: SessionLimits,
    private readonly macKey: Uint8Array = randomBytes(32),
  ) {}

  get size(): { readonly member: number; readonly guest: number; readonly usedChallenges: number } {
    return { ...this.counts, usedChallenges: this.used.size };
  }

  /** A challenge for `client` (its address key); nothing is stored. */
  challenge(client: string, nowMs: number): { challenge: string; expiresAtMs: number } {
    const nonce = randomBytes(NONCE_BYTES);
    const expiresAtMs = nowMs + this.limits.challengeTtlMs;
    const expiry = Buffer.alloc(8);
    expiry.writeBigUInt64BE(BigInt(expiresAtMs));
    const mac = this.mac(nonce, expiry, client);
    return { challenge: Buffer.concat([nonce, expiry, mac]).toString('hex'), expiresAtMs };
  }

  /**
   * A token for the key when the challenge was issued to this client, is unexpired and unused,
   * and the signature over it verifies; null otherwise. The challenge is spent by any attempt
   * that names it correctly, so each costs at most one signature check.
   */
  open(
    client: string,
    publicKeyHex: string,
    challenge: string,
    signatureHex: string,
    member: boolean,
    nowMs: number,
  ): { token: string; session: Session } | null {
    if (!this.spend(client, challenge, nowMs)) return null;
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
    const kind = member ? 'member' : 'guest';
    const holder = member ? `member:${publicKeyHex}` : `guest:${client}`;
    const share = member ? this.limits.sessionsPerMember : this.limits.guestSessionsPerClient;
    const pool = member ? this.limits.memberSessions : this.limits.guestSessions;
    let held = this.live(holder, nowMs);
    while (held.length >= share) held = this.revoke(held[0]!);
    if (this.counts[kind] >= pool) this.sweep(kind, nowMs);
    if (this.counts[kind] >= pool) this.evictFromLargest(kind, nowMs);
    const token = toHex(new Uint8Array(randomBytes(32)));
    const session: Held = {
      publicKey: publicKeyHex,
      expiresAtMs: nowMs + this.limits.sessionTtlMs,
      kind,
      holder,
    };
    this.sessions.set(token, session);
    this.counts[kind]++;
    this.holders.set(holder, [...(this.holders.get(holder) ?? []), token]);
    return { token, session: { publicKey: session.publicKey, expiresAtMs: session.expiresAtMs, kind } };
  }

  lookup(token: string, nowMs: number): Session | null {
    const session = this.sessions.get(token);
    if (session === undefined) return null;
    if (session.expiresAtMs < nowMs) {
      this.revoke(token);
      return null;
    }
    return session;
  }

  private mac(nonce: Uint8Array, expiry: Uint8Array, client: string): Buffer {
    return createHmac('sha256', this.macKey)
      .update(`${CHALLENGE_DOMAIN}|${this.chainId}|`)
      .update(nonce)
      .update(expiry)
      .update(`|${client}`)
      .digest();
  }

  private spend(client: string, challenge: string, nowMs: number): boolean {
    if (challenge.length !== CHALLENGE_HEX_LENGTH || !/^[0-9a-f]+$/.test(challenge)) return false;
    const bytes = Buffer.from(challenge, 'hex');
    const nonce = bytes.subarray(0, NONCE_BYTES);
    const expiry = bytes.subarray(NONCE_BYTES, NONCE_BYTES + 8);
    const expiresAtMs = Number(expiry.readBigUInt64BE());
    if (expiresAtMs < nowMs || expiresAtMs <= this.usedFloorMs) return false;
    if (!timingSafeEqual(this.mac(nonce, expiry, client), bytes.subarray(NONCE_BYTES + 8))) return false;
    const id = nonce.toString('hex');
    if (this.used.has(id)) return false;
    for (const [oldest, expires] of this.used) {
      if (expires >= nowMs && this.used.size < this.limits.usedChallenges) break;
      this.used.delete(oldest);
      if (expires >= nowMs) this.usedFloorMs = Math.max(this.usedFloorMs, expires);
    }
    this.used.set(id, expiresAtMs);
    return true;
  }

  /** The holder's unexpired tokens, oldest first (expired ones are dropped on the way). */
  private live(holder: string, nowMs: number): string[] {
    for (const token of this.holders.get(holder) ?? []) {
      const session = this.sessions.get(token);
      if (session !== undefined && session.expiresAtMs < nowMs) this.revoke(token);
    }
    return this.holders.get(holder) ?? [];
  }

  /** Ends a session; returns its holder's remaining tokens. */
  private revoke(token: string): string[] {
    const session = this.sessions.get(token);
    if (session === undefined) return [];
    this.sessions.delete(token);
    this.counts[session.kind]--;
    const rest = (this.holders.get(session.holder) ?? []).filter((t) => t !== token);
    if (rest.length === 0) this.holders.delete(session.holder);
    else this.holders.set(session.holder, rest);
    return rest;
  }

  private sweep(kind: Session['kind'], nowMs: number): void {
    for (const [token, session] of this.sessions)
      if (session.kind === kind && session.expiresAtMs < nowMs) this.revoke(token);
  }

  private evictFromLargest(kind: Session['kind'], nowMs: number): void {
    let largest: string[] = [];
    for (const holder of [...this.holders.keys()]) {
      if (!holder.startsWith(`${kind}:`)) continue;
      const tokens = this.live(holder, nowMs);
      if (tokens.length > largest.length) largest = tokens;
    }
    if (largest.length > 0) this.revoke(largest[0]!);
  }
}
