export { ed25519Scheme, type Signer, sm2Scheme } from '../crypto/scheme.js';
export { encodeKvPut, KV_PUT } from '../ledger/application.js';
export { encodeTransaction, signTransaction, type Transaction } from '../ledger/transaction.js';
export {
  abortableSleep,
  ClientError,
  type ClientErrorCode,
  type ClientOptions,
  type CommittedTransaction,
  GridShardClient,
  type NodeStatus,
  type RequestOptions,
  type SubmitResult,
  urlsFrom,
} from './client.js';
export type { CommitWait } from './commit-wait.js';
