export {
  AttestationCollector,
  type AttestationOutcome,
  type ConflictingAttestations,
} from './attestations.js';
export {
  type Attestation,
  type CommitProof,
  type CommitStatement,
  commitStatementBytes,
  decodeAttestation,
  decodeCommitProof,
  encodeAttestation,
  encodeCommitProof,
  MAX_ATTESTATION_BYTES,
  MAX_COMMITTEE_SIZE,
  sameStatement,
  signCommitStatement,
  verifyAttestation,
  verifyCommitProof,
} from './commit-proof.js';
export {
  type CommitteeChange,
  decodeCommitteeChange,
  electionDigest,
  electionOutcomeProblem,
  encodeCommitteeChange,
  handoverSigningBytes,
  membersDigest,
  verifyCommitteeChange,
} from './committee-change.js';
export {
  type CertifiedVertex,
  CREDIT_SCALE,
  type CreditScores,
  type CreditTally,
  type CreditWeights,
  type CycleEvidence,
  carryCredit,
  checkWeights,
  creditScores,
  DEFAULT_CREDIT_CARRY,
  DEFAULT_CREDIT_WEIGHTS,
  type Equivocation,
  equivocator,
  MAX_CREDIT_WEIGHT,
  MAX_CYCLE_ROUNDS,
  tallyCycle,
} from './credit.js';
export { drawMastersByCredit, type Election, electRoles, type ShardRoles } from './credit-election.js';
export { CreditError, type CreditErrorCode } from './credit-errors.js';
export {
  acknowledgedVertices,
  equivocatorOf,
  type OrderedVertex,
  orderedVertexOf,
  type RecordedBatch,
} from './credit-evidence.js';
export {
  type CrossDecision,
  decisionOutcome,
  decodeDecision,
  encodeDecision,
  type Outcome,
  type ShardDirectory,
  VOTE_EPOCHS_AFTER_HANDOVER,
} from './cross-decision.js';
export {
  type CrossTrade,
  checkTrade,
  decodeTrade,
  encodeTrade,
  type LegEntry,
  legOf,
  MAX_TRADE_LEGS,
  SESSION_LENGTH,
  type TradeLeg,
  tradeId,
} from './cross-trade.js';
export {
  ABORT_REASONS,
  type AbortReason,
  type CertifiedVote,
  decodeVoteShare,
  encodeVoteShare,
  signVote,
  type VoteShare,
  type VoteStatement,
  type VoteVerdict,
  verifyCertifiedVote,
  verifyVoteShare,
  voteStatementBytes,
} from './cross-vote.js';
export { ShardingError, type ShardingErrorCode } from './errors.js';
export { type DeskAnswer, MasterDesk } from './master-desk.js';
export { drawMasters } from './masters.js';
export { type MemberSignature, sortedSignatures, verifyQuorumSignatures } from './quorum.js';
export { type RootBlock, RootFollower, rootBlockHash } from './root-chain.js';
export { type FinalityConflict, type Inclusion, RootLedger } from './root-ledger.js';
export { type AccountRecord, MemoryShardBook, type ShardBook, type TradeRecord } from './shard-book.js';
export {
  type Balance,
  type DecisionEffect,
  ShardLedger,
  TRADE_OPEN_CYCLES,
  type TradeStatus,
  tradeOpen,
} from './shard-ledger.js';
export { CASE33_DEMO_ZONES, type FeederTopology, MAX_ZONES, type Zone, ZoneMap } from './zones.js';
