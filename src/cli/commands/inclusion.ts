import type { Command } from 'commander';
import { shardCommitteeKey } from '../../cross-zone/directory.js';
import {
  type InclusionEvidence,
  type ProvenInclusion,
  verifyRootInclusion,
} from '../../cross-zone/inclusion.js';
import { readShardHead, shardHeadKey } from '../../cross-zone/root-application.js';
import { fromHex, toHex } from '../../crypto/hash.js';
import type { Application } from '../../ledger/application.js';
import type { StateProof } from '../../ledger/sparse-merkle.js';
import { LedgerStore } from '../../ledger/store.js';
import { NodeError } from '../../node/errors.js';
import { committeeOf, type GenesisFile, readGenesisFile } from '../../node/genesis-file.js';
import { GridShardClient } from '../../sdk/client.js';
import type { StateProof as StateProofJson } from '../../sdk/index.js';
import { decodeCommitProof } from '../../sharding/index.js';
import { action, EXIT_OK, printJson } from '../output.js';

function stateProofOf(json: StateProofJson): StateProof {
  const { terminal } = json;
  return {
    siblings: json.siblings.map(fromHex),
    terminal:
      terminal.kind === 'leaf' && terminal.path !== undefined && terminal.valueHash !== undefined
        ? { kind: 'leaf', path: fromHex(terminal.path), valueHash: fromHex(terminal.valueHash) }
        : { kind: 'empty' },
  };
}

/**
 * Asks a root validator and a shard validator for what proves shard `shard`'s newest final block
 * and checks it against the two genesis committees (`verifyRootInclusion`). Neither node is
 * trusted: what they answer is only evidence. Waits up to `waitMs` for the root block whose state
 * was read to have its commit proof.
 */
export async function proveShardInclusion(
  root: GridShardClient,
  shardNode: GridShardClient,
  shard: number,
  rootGenesis: GenesisFile,
  shardGenesis: GenesisFile,
  waitMs = 20_000,
): Promise<ProvenInclusion> {
  const key = toHex(shardHeadKey(shard));
  const deadline = Date.now() + waitMs;
  for (;;) {
    const proven = await root.state(key);
    const rootProof = await root.commitProof(proven.height);
    if (rootProof !== null && proven.value !== null) {
      const headValue = fromHex(proven.value);
      // Only to know which proof to ask the shard for: the check below reads the head again, proven.
      const height = readShardHead({ get: () => headValue }, shard)?.height ?? 0;
      const shardProof = await shardNode.commitProof(height);
      // A block of a later epoch is signed by a committee the root recorded: its record goes along.
      const epoch = shardProof === null ? 0 : decodeCommitProof(fromHex(shardProof.proof)).statement.epoch;
      const shardCommittee = epoch === 0 ? undefined : await committeeRecord(root, shard, epoch);
      if (shardProof !== null && shardCommittee !== null) {
        const evidence: InclusionEvidence = {
          rootCommitProof: fromHex(rootProof.proof),
          headValue,
          stateProof: stateProofOf(proven.proof),
          shardCommitProof: fromHex(shardProof.proof),
          ...(shardCommittee === undefined ? {} : { shardCommittee }),
        };
        return verifyRootInclusion(shard, committeeOf(rootGenesis), committeeOf(shardGenesis), evidence);
      }
    }
    if (Date.now() > deadline)
      throw new NodeError('NOT_FOUND', `no proven block of shard ${shard} on the root chain yet`, { shard });
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The root's record of a shard's committee of `epoch` with its proof, or null until its root block has a commit proof. */
async function committeeRecord(
  root: GridShardClient,
  shard: number,
  epoch: number,
): Promise<NonNullable<InclusionEvidence['shardCommittee']> | null> {
  const proven = await root.state(toHex(shardCommitteeKey(shard, epoch)));
  const rootProof = await root.commitProof(proven.height);
  if (rootProof === null) return null;
  return {
    rootCommitProof: fromHex(rootProof.proof),
    value: proven.value === null ? null : fromHex(proven.value),
    stateProof: stateProofOf(proven.proof),
  };
}

export interface FollowedRootFinality extends ProvenInclusion {
  /** Whether the common node holds that block yet (it may follow a step behind the root). */
  readonly held: boolean;
}

/**
 * A common node's own chain against the root chain: the shard block the root proves final
 * (`proveShardInclusion`) must be the very block this node re-executed at that height. A different
 * one means the node followed a chain the system did not finalise (BAD_COMMIT_PROOF).
 */
export async function rootFinalityOfFollowed(options: {
  readonly root: GridShardClient;
  readonly source: GridShardClient;
  readonly rootGenesis: GenesisFile;
  readonly genesis: GenesisFile;
  readonly dataDir: string;
  readonly application: Application;
  readonly waitMs?: number;
}): Promise<FollowedRootFinality> {
  const shard = options.genesis.shardId;
  const proven = await proveShardInclusion(
    options.root,
    options.source,
    shard,
    options.rootGenesis,
    options.genesis,
    options.waitMs,
  );
  const store = await LedgerStore.open(options.dataDir, options.application);
  try {
    const held = await store.readBlock(proven.height);
    if (held !== undefined && toHex(held.hash) !== proven.blockHash)
      throw new NodeError(
        'BAD_COMMIT_PROOF',
        `the root chain proves shard ${shard} block ${proven.height} ${proven.blockHash}; this node holds ${toHex(held.hash)}`,
        { shard, height: proven.height },
      );
    return { ...proven, held: held !== undefined };
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command('inclusion')
    .description(
      "check from proofs alone that a zone shard's newest block is final on the root chain (root commit proof, state proof, shard commit proof)",
    )
    .requiredOption('--shard <k>', 'the zone shard')
    .requiredOption('--root-api <url>', 'a root validator’s API (untrusted: only its proofs count)')
    .requiredOption('--shard-api <url>', 'a validator of the shard (untrusted likewise)')
    .requiredOption('--root-genesis <file>', 'the root chain’s genesis (its committee’s keys)')
    .requiredOption('--shard-genesis <file>', 'the shard’s genesis (its committee’s keys)')
    .option('--json', 'print the proven block as JSON')
    .action(
      action(
        async (options: {
          shard: string;
          rootApi: string;
          shardApi: string;
          rootGenesis: string;
          shardGenesis: string;
          json?: boolean;
        }) => {
          const shard = Number(options.shard);
          if (!Number.isInteger(shard) || shard < 0)
            throw new NodeError('BAD_CONFIG', '--shard must be a whole number ≥ 0', {});
          const shardGenesis = readGenesisFile(options.shardGenesis);
          if (shardGenesis.shardId !== shard)
            throw new NodeError(
              'BAD_CONFIG',
              `--shard-genesis is the genesis of shard ${shardGenesis.shardId}`,
              {},
            );
          const proven = await proveShardInclusion(
            new GridShardClient(options.rootApi),
            new GridShardClient(options.shardApi),
            shard,
            readGenesisFile(options.rootGenesis),
            shardGenesis,
          );
          if (options.json) printJson(proven);
          else
            console.log(
              `shard ${proven.shard} is final up to height ${proven.height} (block ${proven.blockHash}), recorded in root block ${proven.rootHeight}`,
            );
          return EXIT_OK;
        },
      ),
    );
}

export function registerBench(_bench: Command): void {}
