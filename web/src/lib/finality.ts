/**
 * Reads a block's commit proof and the committee's keys from the node and checks the proof in
 * this browser against the block the page shows. A proof the node has not collected yet is
 * `pending` (404), not a failure; the committee's keys come from the node's network answer.
 */
import { ApiError, api } from './api.js';
import { type CommitCheck, checkCommitProof, committeeFromNetwork } from './commit-proof.js';
import type { HeaderFields } from './header.js';
import type { Network } from './types.js';

export interface CommitProofAnswer {
  readonly height: number;
  readonly proof: string;
}

export type Finality =
  | { readonly state: 'pending' }
  | {
      readonly state: 'checked';
      readonly check: CommitCheck;
      /** Public key (hex) of each validator index, as the network answer lists them. */
      readonly keys: ReadonlyMap<number, string>;
    }
  | { readonly state: 'unavailable'; readonly detail: string };

export async function loadFinality(header: HeaderFields): Promise<Finality> {
  let answer: CommitProofAnswer;
  let network: Network;
  try {
    [answer, network] = await Promise.all([
      api.get<CommitProofAnswer>(`/api/v1/blocks/${header.height}/commit-proof`),
      api.get<Network>('/api/v1/network'),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { state: 'pending' };
    const detail = error instanceof ApiError ? `${error.message} (${error.code})` : String(error);
    return { state: 'unavailable', detail };
  }
  const check = checkCommitProof(answer.proof, header, committeeFromNetwork(network));
  return { state: 'checked', check, keys: new Map(network.validators.map((v) => [v.index, v.publicKey])) };
}
