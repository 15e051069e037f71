import type { Committee } from '../../consensus/interface.js';
import type { ExecutedBlock } from '../../ledger/chain-state.js';
import { readCommittee } from '../../roles/committee-state.js';
import { orderedVertexOf } from '../../sharding/credit-evidence.js';
import { batchEntries, decodeBlockEvidence, decodeBlockProof } from '../../validator/evidence.js';

/**
 * What must hold of a chain across handovers, read from its blocks alone: each block is stamped
 * with the epoch its parent's state records, every batch certificate in it verifies against that
 * epoch's committee (a certificate of one epoch never counts in another), and each epoch's order
 * runs 0, 1, 2, … without a gap from the first block of the epoch. Returns one line per breach.
 */
export function epochSafetyProblems(
  chain: readonly { readonly block: ExecutedBlock; readonly proof: Uint8Array }[],
  genesisCommittee: Committee,
): string[] {
  const problems: string[] = [];
  let committee = genesisCommittee;
  let nextSequence = 0;
  for (const { block, proof } of chain) {
    const { header } = block;
    if (header.epoch !== committee.epoch) {
      problems.push(
        `block ${header.height} is stamped epoch ${header.epoch}, its parent's committee is of epoch ${committee.epoch}`,
      );
    } else if (header.evidence.length > 0) {
      const evidence = decodeBlockEvidence(header.evidence);
      const proofs = proof.length === 0 ? [] : decodeBlockProof(proof);
      const entries = batchEntries(
        evidence,
        block.transactions.map((tx) => tx.bytes),
      );
      if (entries === null || proofs.length !== evidence.batches.length) {
        problems.push(`block ${header.height}: its evidence does not account for its batches and proofs`);
      } else {
        evidence.batches.forEach((batch, i) => {
          if (batch.sequence !== nextSequence)
            problems.push(
              `block ${header.height}: batch ${batch.sequence} of epoch ${committee.epoch}, expected ${nextSequence}`,
            );
          nextSequence = batch.sequence + 1;
          try {
            orderedVertexOf(
              {
                sequence: batch.sequence,
                round: batch.round,
                proposer: batch.proposer,
                evidence: batch.certificate,
                proof: proofs[i]!,
                transactions: entries[i]!,
              },
              committee,
              true,
            );
          } catch (error) {
            problems.push(
              `block ${header.height}: ${(error as Error).message} against epoch ${committee.epoch}'s committee`,
            );
          }
        });
      }
    }
    const after = readCommittee({ get: (key) => block.view.getState(key) });
    if (after !== null && after.epoch !== committee.epoch) {
      if (after.epoch !== committee.epoch + 1)
        problems.push(
          `block ${header.height} moves the committee from epoch ${committee.epoch} to ${after.epoch}`,
        );
      committee = after;
      nextSequence = 0;
    }
  }
  return problems;
}
