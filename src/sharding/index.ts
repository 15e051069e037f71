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
export { ShardingError, type ShardingErrorCode } from './errors.js';
export { CASE33_DEMO_ZONES, type FeederTopology, MAX_ZONES, type Zone, ZoneMap } from './zones.js';
