import { GridShardError } from '../errors.js';

export type NodeErrorCode =
  | 'BAD_GENESIS'
  | 'BAD_CERTIFICATE'
  /** A commit proof that does not verify, or that names another block than the one held here. */
  | 'BAD_COMMIT_PROOF'
  | 'BAD_CONFIG'
  | 'NOT_A_VALIDATOR'
  | 'NOT_FOUND'
  /** The signed log file is not one (its header is wrong), or it is used after being closed. */
  | 'BAD_SIGNED_LOG';

export class NodeError extends GridShardError<NodeErrorCode, Record<string, unknown>> {}
