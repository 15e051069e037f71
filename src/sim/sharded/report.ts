import type { Committee } from '../../consensus/interface.js';
import { bytesEqual, toHex } from '../../crypto/index.js';
import { type CrossTrade, RootFollower, type ShardDirectory, tradeId } from '../../sharding/index.js';
import type { InvariantChecker } from '../checks.js';
import { ByzantineShardNode } from './byzantine-master.js';
import type { RootNode } from './root-node.js';
import { ShardNode } from './shard-node.js';
import type { CommitteeScheduler, ShardedOptions, ShardedResult } from './types.js';
import { shardAccounts } from './workload.js';

/** What the report reads of a finished sharded run. */
export interface ReportView {
  readonly options: ShardedOptions;
  readonly chainId: string;
  readonly rootShard: number;
  readonly rootCommittee: Committee;
  readonly directory: ShardDirectory;
  readonly shells: readonly unknown[];
  readonly checkers: readonly InvariantChecker[];
  readonly problems: readonly string[];
  readonly equivocationViolated: boolean;
  readonly crossMessagesLost: number;
  readonly nowMs: number;
  readonly restarts: number;
  readonly schedulers: readonly CommitteeScheduler[];
  readonly heldMessages: readonly number[];
  readonly colludingAttacks: number;
  readonly twinsProven: number;
  shardNodes(shard: number): ShardNode[];
  rootNodes(): RootNode[];
  shardHeights(): number[];
}

/**
 * The checks of a sharded run, made once it ends: each shard's honest validators hold the same
 * blocks and state roots; the root chain and a common node following it prove only blocks the
 * shards committed; every trade is applied in all its shards or none; nothing is spent twice;
 * money and energy summed over the shards equal genesis.
 */
export function shardedReport(
  run: ReportView,
  planned: readonly { trade: CrossTrade }[],
  live: boolean,
): ShardedResult {
  const K = run.options.shards;
  const problems = [...run.problems];
  const note = (message: string) => {
    if (problems.length < 20) problems.push(message);
  };
  let stateRootDivergences = 0;
  let finalityViolations = 0;
  for (let s = 0; s < K; s++) {
    const nodes = run.shardNodes(s);
    const longest = nodes.reduce((a, b) => (a.chain.length >= b.chain.length ? a : b));
    for (const node of nodes)
      node.chain.forEach((block, h) => {
        const reference = longest.chain[h]!;
        if (!bytesEqual(block.hash, reference.hash) || !bytesEqual(block.stateRoot, reference.stateRoot)) {
          stateRootDivergences++;
          note(`shard ${s}: validator ${node.index} differs at height ${h + 1}`);
        }
      });
    for (const root of run.rootNodes())
      for (let h = 1; h <= longest.chain.length; h++) {
        const proof = root.ledger.proof(s, h);
        if (proof !== undefined && !bytesEqual(proof.statement.blockHash, longest.chain[h - 1]!.hash)) {
          finalityViolations++;
          note(`root validator ${root.index} holds a proof of another block at shard ${s} height ${h}`);
        }
      }
  }
  for (const root of run.rootNodes()) finalityViolations += root.ledger.conflicts.length;
  // A common node that holds only the genesis committees follows the root chain from its proofs.
  const follower = new RootFollower(run.chainId, run.rootShard, run.rootCommittee, run.directory);
  try {
    for (const block of run.rootNodes()[0]?.provenBlocks() ?? []) follower.accept(block);
  } catch (error) {
    finalityViolations++;
    note(`a common node refused root block ${follower.rootHeight + 1}: ${(error as Error).message}`);
  }
  for (let s = 0; s < K; s++) {
    const longest = run.shardNodes(s).reduce((a, b) => (a.chain.length >= b.chain.length ? a : b));
    for (let h = 1; h <= follower.finalHeight(s); h++) {
      const final = follower.finalBlock(s, h)!;
      const held = longest.chain[h - 1];
      if (
        held === undefined ||
        !bytesEqual(final.blockHash, held.hash) ||
        !bytesEqual(final.stateRoot, held.stateRoot)
      ) {
        finalityViolations++;
        note(`a common node was proven shard ${s} block ${h} that its honest validators did not commit`);
      }
    }
  }
  let atomicityViolations = 0;
  let crossShardCommitted = 0;
  let crossShardAborted = 0;
  let localCommitted = 0;
  for (const { trade } of planned) {
    const id = tradeId(trade);
    const statuses = new Set<string>();
    for (const leg of trade.legs)
      for (const node of run.shardNodes(leg.shard)) statuses.add(node.ledger.status(id) ?? 'unseen');
    if (statuses.has('committed') && statuses.has('aborted')) {
      atomicityViolations++;
      note(`trade ${toHex(id).slice(0, 16)} committed in one shard and aborted in another`);
    }
    if (trade.legs.length === 1) {
      if (statuses.has('committed')) localCommitted++;
    } else if (statuses.size === 1 && statuses.has('committed')) crossShardCommitted++;
    else if (statuses.has('aborted') && !statuses.has('committed')) crossShardAborted++;
  }
  let doubleSpends = 0;
  const refusedDecisions: Record<string, number> = {};
  const masterAttacks: Record<string, number> = {};
  for (const shell of run.shells) {
    if (shell instanceof ShardNode) {
      doubleSpends += shell.ledger.overdrafts + shell.desk.conflictingVotes;
      for (const [code, count] of shell.refused)
        refusedDecisions[code] = (refusedDecisions[code] ?? 0) + count;
    }
    if (shell instanceof ByzantineShardNode)
      for (const [attack, count] of shell.attacks)
        masterAttacks[attack] = (masterAttacks[attack] ?? 0) + count;
  }
  let conservationViolations = 0;
  if (live) {
    const genesis = shardAccounts(K, run.options.ampleFunds === true).flat();
    const expected = genesis.reduce(
      (t, [, b]) => ({ money: t.money + b.money, energy: t.energy + b.energy }),
      {
        money: 0n,
        energy: 0n,
      },
    );
    // Every honest validator of every shard: each combination of one per shard must conserve.
    const perShard = Array.from({ length: K }, (_, s) =>
      run.shardNodes(s).map((node) => node.ledger.totals()),
    );
    for (let s = 0; s < K; s++)
      if (
        perShard[s]!.some((t) => t.money !== perShard[s]![0]!.money || t.energy !== perShard[s]![0]!.energy)
      ) {
        conservationViolations++;
        note(`shard ${s}: honest validators hold different totals`);
      }
    const money = perShard.reduce((sum, totals) => sum + totals[0]!.money, 0n);
    const energy = perShard.reduce((sum, totals) => sum + totals[0]!.energy, 0n);
    if (money !== expected.money || energy !== expected.energy) {
      conservationViolations++;
      note(`totals ${money} money ${energy} Wh, genesis ${expected.money} money ${expected.energy} Wh`);
    }
  }
  const agreementOk = run.checkers.every((checker) => !checker.agreementViolated);
  for (const checker of run.checkers) for (const problem of checker.problems) note(problem);
  if (!live) {
    const open: string[] = [];
    for (const { trade } of planned) {
      const id = tradeId(trade);
      for (const leg of trade.legs)
        for (const node of run.shardNodes(leg.shard)) {
          const status = node.ledger.status(id);
          if (status === undefined || status === 'locked')
            open.push(`${toHex(id).slice(0, 8)}@${leg.shard}/${node.index}:${status ?? 'unseen'}`);
        }
    }
    const heights = run.shardHeights();
    const roots = run.rootNodes().map((root) => heights.map((_, s) => root.ledger.finalHeight(s)).join(','));
    note(
      `liveness: by ${run.nowMs} ms, ${open.length} trade legs still open (${open.slice(0, 8).join(' ')}); ` +
        `shard heights ${heights.join(',')}, root final heights ${roots.join(' | ')}`,
    );
  }
  const root = run.rootNodes()[0];
  return {
    seed: run.options.seed,
    shards: K,
    nodesPerShard: run.options.nodesPerShard,
    faultyPerShard: run.options.faultyPerShard,
    agreementOk,
    livenessOk: live,
    equivocationOk: !run.equivocationViolated,
    stateRootDivergences,
    atomicityViolations,
    doubleSpends,
    conservationViolations,
    finalityViolations,
    crossShardCommitted,
    crossShardAborted,
    localCommitted,
    refusedDecisions,
    masterAttacks,
    crossMessagesLost: run.crossMessagesLost,
    rootFinalHeights: Array.from({ length: K }, (_, s) => root?.ledger.finalHeight(s) ?? 0),
    followerFinalHeights: Array.from({ length: K }, (_, s) => follower.finalHeight(s)),
    virtualMs: run.nowMs,
    restarts: run.restarts,
    schedulers: run.schedulers,
    heldMessages: run.heldMessages,
    colludingAttacks: run.colludingAttacks,
    twinsProven: run.twinsProven,
    problems,
  };
}

/** True when the run broke nothing and finished. */
export function shardedRunOk(result: ShardedResult): boolean {
  return (
    result.agreementOk &&
    result.livenessOk &&
    result.equivocationOk &&
    result.stateRootDivergences === 0 &&
    result.atomicityViolations === 0 &&
    result.doubleSpends === 0 &&
    result.conservationViolations === 0 &&
    result.finalityViolations === 0
  );
}
