import type { Committee } from '../consensus/interface.js';
import type { LedgerStore } from '../ledger/store.js';
import { readCommitteeOfEpoch } from '../roles/committee-state.js';

/**
 * The committee that ordered the blocks of `epoch`: genesis's for the genesis epoch; for a later
 * one, the committee the chain's state recorded at that handover, read from a ledger this node
 * re-executed itself (so nothing a peer says picks the keys). Null for an epoch the ledger has not
 * reached: its committee is not known here yet.
 */
export function committeeOfEpoch(
  store: Pick<LedgerStore, 'getState'>,
  genesis: Committee,
  epoch: number,
): Committee | null {
  if (epoch === genesis.epoch) return genesis;
  return readCommitteeOfEpoch({ get: (key) => store.getState(key) }, epoch);
}
