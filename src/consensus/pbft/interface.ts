import type { ConsensusCore, ValidatorIndex } from '../interface.js';
import type { PbftError } from './errors.js';
import type { PbftMessage } from './messages.js';

/** What the simulator's leader-targeting adversary and the benchmark read from a PBFT validator. */
export interface PbftCore extends ConsensusCore<PbftMessage> {
  /** The view this validator is in (or is changing to). */
  readonly currentView: number;
  /** The primary of `currentView`: the validator the protocol relies on next. */
  readonly currentPrimary: ValidatorIndex;
  /** True between sending a view-change and accepting the matching new-view. */
  readonly viewChanging: boolean;
  /** Batches executed (committed) so far. */
  readonly executedCount: number;
  /** Peer messages refused so far (bad signature, bad proof, wrong sender), and the last reason. */
  readonly rejectedCount: number;
  readonly lastRejection: PbftError | undefined;
}
