import type { ConsensusProtocol, ValidatorInit } from '../interface.js';
import { decodePbftMessage, encodePbftMessage } from './codec.js';
import { type PbftCore, PbftReplica } from './core.js';
import type { PbftMessage } from './messages.js';
import { DEFAULT_PBFT_OPTIONS, type PbftOptions } from './options.js';

/**
 * The partially synchronous baseline: PBFT behind the same sans-IO interface as the DAG protocol.
 * `create()` returns a PbftCore, whose `currentView` and `currentPrimary` tell an adversary (or a
 * benchmark) which validator the protocol relies on next.
 */
export interface PbftProtocol extends ConsensusProtocol<PbftMessage> {
  readonly options: PbftOptions;
  create(init: ValidatorInit): PbftCore;
}

export function createPbftProtocol(options: Partial<PbftOptions> = {}): PbftProtocol {
  const merged: PbftOptions = { ...DEFAULT_PBFT_OPTIONS, ...options };
  return {
    name: 'pbft',
    options: merged,
    create: (init) => new PbftReplica(init, merged),
    encodeMessage: encodePbftMessage,
    decodeMessage: decodePbftMessage,
  };
}

export const pbftProtocol: PbftProtocol = createPbftProtocol();

export { decodePbftMessage, encodePbftMessage, signingBytes } from './codec.js';
export { FETCH_TIMER, HEARTBEAT_TIMER, type PbftCore, PbftReplica, VIEW_TIMER } from './core.js';
export { PbftError, type PbftErrorCode } from './errors.js';
export {
  type CommitEvidence,
  type DroppedEntry,
  decidedEntries,
  decodeCommitEvidence,
  encodeCommitEvidence,
  type VerifiedCommit,
  verifyCommitEvidence,
  verifyCommitProof,
} from './evidence.js';
export { pbftGenesis, pbftPrimaryOf } from './genesis.js';
export type * from './messages.js';
export { DEFAULT_PBFT_OPTIONS, type PbftOptions } from './options.js';
export { batchDigest, GENESIS_STATE_DIGEST, Keyring } from './signing.js';
