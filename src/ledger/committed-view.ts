import type { BlockHeader } from './block.js';
import { LedgerError } from './errors.js';
import type { StateProof, StateSnapshot } from './sparse-merkle.js';

/**
 * One committed block as readers see it: its header and hash, and the state after it, with
 * proofs against that state's root. Nothing in a view changes once it is published: the ledger
 * executes the next block on its working state and, only when that block is on disk, publishes a
 * new view in one assignment. A reader that takes a view once and answers from it alone can
 * therefore never pair one block's head with another block's state.
 */
export interface CommittedView {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly header: BlockHeader;
  /** The header's state root, which every value and proof of this view is checked against. */
  readonly stateRoot: Uint8Array;
  getState(key: Uint8Array): Uint8Array | undefined;
  proveState(key: Uint8Array): StateProof;
}

/** A view of a block over the snapshot of the state it produced; refuses a snapshot of another root. */
export function committedView(header: BlockHeader, hash: Uint8Array, state: StateSnapshot): CommittedView {
  if (!Buffer.from(state.root).equals(header.stateRoot)) {
    throw new LedgerError('STORE_CORRUPT', `state does not match the state root of block ${header.height}`, {
      height: header.height,
    });
  }
  return Object.freeze({
    height: header.height,
    hash,
    header,
    stateRoot: state.root,
    getState: (key: Uint8Array) => state.get(key),
    proveState: (key: Uint8Array) => state.prove(key),
  });
}
