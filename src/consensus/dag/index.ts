import type { ConsensusProtocol } from '../interface.js';
import { decodeDagMessage, encodeDagMessage } from './codec.js';
import { DagCore } from './core.js';
import type { DagMessage, DagValidatorInit } from './types.js';

/** The asynchronous certified-DAG protocol with the threshold coin, behind the common boundary. */
export const dagProtocol: ConsensusProtocol<DagMessage, DagValidatorInit> = {
  name: 'dag',
  create: (init) => new DagCore(init),
  encodeMessage: encodeDagMessage,
  decodeMessage: decodeDagMessage,
};

export { decodeDagMessage, digestKey, encodeDagMessage, headerDigest } from './codec.js';
export { DagCore } from './core.js';
export {
  decodeEquivocationProof,
  type EquivocationProof,
  encodeEquivocationProof,
  verifyEquivocationProof,
} from './equivocation.js';
export { DagError, type DagErrorCode } from './errors.js';
export {
  type CertificateEvidence,
  decodeCertificateEvidence,
  encodeCertificateEvidence,
  encodeVertexEvidence,
  verifyCertificateEvidence,
  verifyVertexProof,
} from './evidence.js';
export { dagGenesis } from './genesis.js';
export { headerSigningBytes, voteSigningBytes } from './signing.js';
export { snapshotNextSequence } from './snapshot.js';
export {
  type Certificate,
  type DagConfig,
  type DagMessage,
  type DagValidatorInit,
  DEFAULT_DAG_CONFIG,
  type Header,
  type Vote,
  type VoteSignature,
} from './types.js';
export { isCoinRound, leaderRoundOf, slotPosition, supportRoundOf, waveOfCoinRound } from './waves.js';
