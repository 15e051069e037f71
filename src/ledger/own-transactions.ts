import { ed25519Scheme, type Signer } from '../crypto/scheme.js';
import { isGridShardError } from '../errors.js';
import { NONCE_WINDOW, readNonceWindow } from './nonces.js';
import type { ReadableState } from './state-interface.js';
import { encodeTransaction, signTransaction } from './transaction.js';

/**
 * A nonce handed in this long ago that the chain has still not used is taken as lost (dropped from
 * a mempool, left in an epoch's discarded tail) and may be used again.
 */
export const LOST_NONCE_MS = 20_000;

/** Nonces tried for one transaction when the pool still holds the ones picked before. */
const MAX_HELD_NONCES = 8;

export interface OwnTransactionsInit {
  readonly seed: Uint8Array;
  readonly chainId: string;
  readonly shardId: number;
  /** The node's committed state, where the key's nonce window is read. */
  readonly state: () => ReadableState;
  /** Admits a transaction into this node's mempool (throws a typed error if refused). */
  readonly submit: (bytes: Uint8Array) => unknown;
  readonly now: () => number;
}

/**
 * Transactions a node signs by itself with one key (proofs it relays, decisions it carries). Each
 * takes the lowest nonce of the chain's window that is neither used nor handed in within
 * LOST_NONCE_MS, so several in flight never share one, and the nonce of one that never lands is
 * used again instead of staying a gap: gaps would fill the window (NONCE_WINDOW nonces from the
 * lowest unused one), after which every transaction of the key is refused. Reusing the nonce of
 * one that was only slow costs one of the two a BAD_NONCE receipt; these transactions are all
 * sent again when they matter. A refused transaction does not use its nonce up.
 *
 * A pool keeps what it admitted until it is committed or expires, which can take longer than
 * LOST_NONCE_MS (a chain slowed by load, a transaction a consensus core never ordered). A nonce the
 * pool refuses as held (DUPLICATE_TRANSACTION) is therefore taken as in flight again, and the next
 * free one is tried: one transaction stuck in the pool must not hold up every later one of the key
 * until the pool lets it go.
 */
export class OwnTransactions {
  readonly signer: Signer;
  /** Nonces handed in and not yet seen used, with when. */
  private readonly handedIn = new Map<bigint, number>();

  constructor(private readonly init: OwnTransactionsInit) {
    this.signer = ed25519Scheme.signer(init.seed);
  }

  /** Signs and hands in one transaction; throws what the mempool refused it with. */
  submit(type: string, payload: Uint8Array): void {
    for (let attempt = 1; ; attempt++) {
      const nonce = this.nextNonce();
      const tx = signTransaction(this.signer, {
        chainId: this.init.chainId,
        shardId: this.init.shardId,
        type,
        payload,
        nonce,
      });
      try {
        this.init.submit(encodeTransaction(tx));
      } catch (error) {
        if (attempt >= MAX_HELD_NONCES || !isGridShardError(error) || error.code !== 'DUPLICATE_TRANSACTION')
          throw error;
        this.handedIn.set(nonce, this.init.now());
        continue;
      }
      this.handedIn.set(nonce, this.init.now());
      return;
    }
  }

  private nextNonce(): bigint {
    const window = readNonceWindow(this.init.state(), this.signer.publicKey);
    const now = this.init.now();
    for (const nonce of this.handedIn.keys()) if (nonce < window.base) this.handedIn.delete(nonce);
    let oldest: bigint | null = null;
    for (let offset = 0; offset < NONCE_WINDOW; offset++) {
      if (((window.used[offset >> 3]! >> (offset & 7)) & 1) === 1) continue;
      const nonce = window.base + BigInt(offset);
      const at = this.handedIn.get(nonce);
      if (at === undefined || now - at >= LOST_NONCE_MS) return nonce;
      if (oldest === null || at < this.handedIn.get(oldest)!) oldest = nonce;
    }
    // Every free nonce of the window is in flight: the oldest is the likeliest lost.
    return oldest ?? window.base;
  }
}
