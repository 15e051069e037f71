export { ed25519Scheme, type Signer, sm2Scheme } from '../crypto/scheme.js';
export { encodeKvPut, KV_PUT } from '../ledger/application.js';
export { encodeTransaction, signTransaction, type Transaction } from '../ledger/transaction.js';
export type {
  BlockTransactions,
  CommittedTransaction,
  CreditEvidence,
  CrossAccountAnswer,
  CrossTradeAnswer,
  CycleMastersAnswer,
  KeyGenerationStatus,
  NodeHealth,
  NodeStatus,
  ProvenStateKey,
  RolesAnswer,
  Session,
  ShardingAnswer,
  ShardNetwork,
  StateProof,
  StateValue,
  SubmitResult,
} from './answers.js';
export {
  abortableSleep,
  ClientError,
  type ClientErrorCode,
  type ClientOptions,
  GridShardClient,
  type RequestOptions,
  type RetryBounds,
  retryAfterOf,
  urlsFrom,
} from './client.js';
export type { CommitWait } from './commit-wait.js';
