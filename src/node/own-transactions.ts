import { ed25519Scheme, type Signer } from '../crypto/scheme.js';
import { readNonce } from '../ledger/nonces.js';
import type { ReadableState } from '../ledger/state-interface.js';
import { encodeTransaction, signTransaction } from '../ledger/transaction.js';

export interface OwnTransactionsInit {
  readonly seed: Uint8Array;
  readonly chainId: string;
  readonly shardId: number;
  /** The node's committed state, where the key's next nonce is read. */
  readonly state: () => ReadableState;
  /** Admits a transaction into this node's mempool (throws a typed error if refused). */
  readonly submit: (bytes: Uint8Array) => unknown;
}

/**
 * Transactions a node signs by itself with one key (proofs it relays, decisions it carries): the
 * nonce goes on from the chain's, or from the last one handed in when that is further, so several
 * in flight never reuse one. A refused transaction does not use its nonce up.
 */
export class OwnTransactions {
  readonly signer: Signer;
  private nextNonce = 0n;

  constructor(private readonly init: OwnTransactionsInit) {
    this.signer = ed25519Scheme.signer(init.seed);
  }

  /** Signs and hands in one transaction; throws what the mempool refused it with. */
  submit(type: string, payload: Uint8Array): void {
    const committed = readNonce(this.init.state(), this.signer.publicKey);
    const nonce = this.nextNonce > committed ? this.nextNonce : committed;
    const tx = signTransaction(this.signer, {
      chainId: this.init.chainId,
      shardId: this.init.shardId,
      type,
      payload,
      nonce,
    });
    this.init.submit(encodeTransaction(tx));
    this.nextNonce = nonce + 1n;
  }
}
