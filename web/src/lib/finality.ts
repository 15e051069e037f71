/**
 * Reads a block's commit proof and checks it in this browser against the block the page shows. A
 * proof the node has not collected yet is `pending` (404), not a failure. The committee's keys
 * come from the genesis file the reader pinned (trusted-genesis.ts) when there is one, so a node
 * serving another committee is refused; otherwise from the node's own network answer, which only
 * shows that the node's committee signed.
 */
import { ApiError, api } from './api.js';
import { type CommitCheck, checkCommitProof, committeeFromNetwork } from './commit-proof.js';
import type { HeaderFields } from './header.js';
import { committeeFromGenesis, sameCommittee, type TrustedGenesis } from './trusted-genesis.js';
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
      /** Public key (hex) of each validator index, as the keys checked against list them. */
      readonly keys: ReadonlyMap<number, string>;
      /** Where the keys came from: the pinned genesis file, or the node's network answer. */
      readonly source: 'genesis' | 'node';
      /** With a pinned genesis: whether the node lists the same committee (null if it did not answer). */
      readonly nodeAgrees: boolean | null;
    }
  | { readonly state: 'unavailable'; readonly detail: string };

async function nodeNetwork(): Promise<Network | null> {
  try {
    return await api.get<Network>('/api/v1/network');
  } catch {
    return null;
  }
}

export async function loadFinality(
  header: HeaderFields,
  genesis: TrustedGenesis | null = null,
): Promise<Finality> {
  let answer: CommitProofAnswer;
  let network: Network | null;
  try {
    [answer, network] = await Promise.all([
      api.get<CommitProofAnswer>(`/api/v1/blocks/${header.height}/commit-proof`),
      genesis === null ? api.get<Network>('/api/v1/network') : nodeNetwork(),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { state: 'pending' };
    const detail = error instanceof ApiError ? `${error.message} (${error.code})` : String(error);
    return { state: 'unavailable', detail };
  }
  if (genesis === null) {
    const listed = network!;
    const check = checkCommitProof(answer.proof, header, committeeFromNetwork(listed));
    const keys = new Map(listed.validators.map((v) => [v.index, v.publicKey]));
    return { state: 'checked', check, keys, source: 'node', nodeAgrees: null };
  }
  const keys = new Map(genesis.validators.map((v) => [v.index, v.publicKey]));
  const nodeAgrees = network === null ? null : sameCommittee(genesis, network);
  const check: CommitCheck =
    header.chainId !== genesis.chainId || header.shardId !== genesis.shardId
      ? { ok: false, reason: 'otherGenesis', chainId: genesis.chainId, shardId: genesis.shardId }
      : checkCommitProof(answer.proof, header, committeeFromGenesis(genesis));
  return { state: 'checked', check, keys, source: 'genesis', nodeAgrees };
}
