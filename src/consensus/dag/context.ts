import type { Committee, ConsensusEffect, ValidatorIndex } from '../interface.js';
import type { Signatures } from './signing.js';
import type { DagConfig, DagMessage } from './types.js';

export type Effect = ConsensusEffect<DagMessage>;

/** What every part of one DAG validator reads and never changes: who it is, and its committee. */
export interface DagContext {
  readonly index: ValidatorIndex;
  readonly committee: Committee;
  readonly size: number;
  /** 2f + 1. */
  readonly quorum: number;
  /** f + 1. */
  readonly validity: number;
  readonly config: DagConfig;
  readonly signatures: Signatures;
  /** The application's structural check of one batch entry, when it has one. */
  readonly acceptsEntry: ((entry: Uint8Array) => boolean) | undefined;
  /** Members new to the committee this epoch (`DagValidatorInit.newcomers`). */
  readonly newcomers: ReadonlySet<ValidatorIndex>;
}

/** The `author:round` key of a slot: one header per slot is signed and voted for. */
export function slotKey(author: number, round: number): string {
  return `${author}:${round}`;
}
