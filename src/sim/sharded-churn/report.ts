import { shardCommitteeConflictKey } from '../../cross-zone/committee-application.js';
import { readShardCommittee, readShardCredit } from '../../cross-zone/directory.js';
import { readShardHead, shardBlockKey } from '../../cross-zone/root-application.js';
import { readAccountRecord, readTradeRecord } from '../../cross-zone/state-book.js';
import { toHex } from '../../crypto/hash.js';
import { readHandoverCertificate } from '../../roles/handover.js';
import { tradeId } from '../../sharding/index.js';
import type { EpochChain } from '../churn/epoch-chain.js';
import { agreedState } from './carriers.js';
import type { ShardedChurnOptions, ShardedChurnResult } from './types.js';
import type { ClientAccount, PlannedCrossTrade } from './workload.js';

export interface ShardedChurnRun {
  readonly options: ShardedChurnOptions;
  readonly zones: readonly EpochChain[];
  readonly root: EpochChain;
  readonly planned: readonly PlannedCrossTrade[];
  readonly genesisAccounts: readonly (readonly ClientAccount[])[];
  readonly forgedCertificates: number;
  readonly byzantineShares: number;
  readonly leakedKeyDecisions: number;
  readonly crossMessagesLost: number;
  readonly virtualMs: number;
}

/** What a sharded run under churn shows, checked on every chain's agreed blocks and final state. */
export function shardedChurnReport(run: ShardedChurnRun, done: boolean): ShardedChurnResult {
  const { zones, root } = run;
  const chains = [...zones, root];
  const nameOf = (chain: EpochChain) => (chain === root ? 'root' : `shard ${zones.indexOf(chain)}`);
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 12) problems.push(text);
  };

  let epochSafetyViolations = 0;
  let blockDivergences = 0;
  for (const chain of chains) {
    const epochProblems = chain.epochProblems();
    epochSafetyViolations += epochProblems.length;
    for (const p of epochProblems.slice(0, 2)) problem(`${nameOf(chain)}: epoch: ${p}`);
    blockDivergences += chain.divergences;
  }

  const committeeRecordViolations = committeeRecordProblems(zones, chains, nameOf, problem);

  // Trades: decided alike in every shard of each, and nothing created or lost once all are decided.
  let committed = 0;
  let aborted = 0;
  let atomicityViolations = 0;
  let undecided = 0;
  for (const { trade } of run.planned) {
    const id = toHex(tradeId(trade));
    const statuses = trade.legs.map((leg) => readTradeRecord(agreedState(zones[leg.shard]!), id)?.status);
    if (statuses.some((s) => s === undefined || s === 'locked')) undecided++;
    if (statuses.includes('committed') && statuses.includes('aborted')) {
      atomicityViolations++;
      problem(
        `atomicity: trade ${id.slice(0, 16)} is ${statuses.join(' / ')} in shards ${trade.legs.map((l) => l.shard).join(', ')}`,
      );
    } else if (statuses.every((s) => s === 'committed')) committed++;
    else if (statuses.every((s) => s === 'aborted')) aborted++;
  }
  let conservationViolations = 0;
  if (undecided === 0) {
    let money = 0n;
    let energy = 0n;
    let genesisMoney = 0n;
    let genesisEnergy = 0n;
    run.genesisAccounts.forEach((accounts, shard) => {
      const state = agreedState(zones[shard]!);
      for (const account of accounts) {
        genesisMoney += account.money;
        genesisEnergy += account.energy;
        const record = readAccountRecord(state, account.account);
        if (record === undefined) continue;
        money += record.money + record.lockedMoney;
        energy += record.energy + record.lockedEnergy;
        if (record.lockedMoney !== 0n || record.lockedEnergy !== 0n) {
          conservationViolations++;
          problem(
            `conservation: ${account.account.slice(0, 12)} in shard ${shard} holds a lock after every trade closed`,
          );
        }
      }
    });
    if (money !== genesisMoney || energy !== genesisEnergy) {
      conservationViolations++;
      problem(`conservation: money ${money} of ${genesisMoney}, energy ${energy} of ${genesisEnergy}`);
    }
  }

  // Finality: every shard block the root recorded is the one that shard's honest nodes hold.
  let finalityViolations = 0;
  const rootState = agreedState(root);
  zones.forEach((zone, shard) => {
    const head = readShardHead(rootState, shard);
    if (head === undefined) return;
    for (let height = 1; height <= head.height; height++) {
      const record = rootState.get(shardBlockKey(shard, height));
      if (record === undefined) continue;
      const block = zone.canonical[height - 1]?.block;
      if (
        block === undefined ||
        toHex(record.subarray(0, 32)) !== toHex(block.hash) ||
        toHex(record.subarray(32, 64)) !== toHex(block.header.stateRoot)
      ) {
        finalityViolations++;
        problem(`finality: the root holds another block ${height} of shard ${shard} than its nodes`);
      }
    }
  });

  let reconfigurations = 0;
  let replacedVerifiers = 0;
  let suspendedNodes = 0;
  const suspensionDelaysMs: number[] = [];
  const boundaryPausesMs: number[] = [];
  const firstCommitRounds: number[] = [];
  for (const zone of zones) {
    reconfigurations += zone.reachedEpoch();
    replacedVerifiers += zone.committeeHistory().replaced;
    suspendedNodes += zone.suspendedAtMs.size;
    suspensionDelaysMs.push(...zone.suspensionDelays(done));
    const { pauses, rounds } = zone.boundaryPauses();
    boundaryPausesMs.push(...pauses);
    firstCommitRounds.push(...rounds);
  }
  for (const chain of chains) for (const p of chain.problems) problem(`${nameOf(chain)}: ${p}`);
  if (!done) {
    const epochs = zones.map((zone) => zone.reachedEpoch()).join(', ');
    const heads = zones.map((_, shard) => readShardHead(rootState, shard)?.height ?? 0).join(', ');
    const lengths = zones.map((zone) => zone.canonical.length).join(', ');
    problem(
      `liveness: ${run.planned.length - undecided} of ${run.planned.length} trades decided; epochs ${epochs} of ${run.options.cycles}; the root final over heights ${heads} of ${lengths}`,
    );
  }
  return {
    seed: run.options.seed,
    shards: run.options.shards,
    nodesPerShard: run.options.nodesPerShard,
    standby: run.options.standby,
    faultyPerShard: run.options.faultyPerShard,
    schedulers: chains.map((chain) => chain.scheduler),
    reconfigurations,
    replacedVerifiers,
    suspendedNodes,
    suspensionDelaysMs,
    epochSafetyViolations,
    blockDivergences,
    committeeRecordViolations,
    atomicityViolations,
    conservationViolations,
    finalityViolations,
    livenessOk: done,
    tradesPlanned: run.planned.length,
    crossCommitted: committed,
    crossAborted: aborted,
    forgedCertificates: run.forgedCertificates,
    byzantineShares: run.byzantineShares,
    leakedKeyDecisions: run.leakedKeyDecisions,
    replayedMessages: chains.reduce((sum, chain) => sum + chain.replayed, 0),
    colludingAttacks: chains.reduce((sum, chain) => sum + chain.colludingAttacks.length, 0),
    crossMessagesLost: run.crossMessagesLost,
    boundaryPausesMs,
    firstCommitRounds,
    virtualMs: run.virtualMs,
    problems,
  };
}

/**
 * Every committee a chain recorded for a zone shard must be the one that shard's chain handed
 * over to, with the credit its certificate carries; a second list kept as a conflict needs more
 * than a third of a committee to sign two, so it counts too.
 */
function committeeRecordProblems(
  zones: readonly EpochChain[],
  chains: readonly EpochChain[],
  nameOf: (chain: EpochChain) => string,
  problem: (text: string) => void,
): number {
  let violations = 0;
  for (const chain of chains) {
    const state = agreedState(chain);
    zones.forEach((zone, shard) => {
      const zoneState = agreedState(zone);
      for (let epoch = 1; ; epoch++) {
        if (state.get(shardCommitteeConflictKey(shard, epoch)) !== undefined) {
          violations++;
          problem(`${nameOf(chain)} holds two proven committees of shard ${shard} for epoch ${epoch}`);
        }
        const recorded = readShardCommittee(state, shard, epoch);
        if (recorded === null) break;
        const actual = zone.committeesByEpoch.get(epoch);
        const keys = (c: { members: readonly { publicKey: Uint8Array }[] }) =>
          c.members.map((m) => toHex(m.publicKey)).join();
        const credit = readHandoverCertificate(zoneState, epoch)?.credit.join();
        if (
          actual === undefined ||
          keys(recorded) !== keys(actual) ||
          readShardCredit(state, shard, epoch)?.join() !== credit
        ) {
          violations++;
          problem(
            `${nameOf(chain)} recorded another committee of shard ${shard} for epoch ${epoch} than the shard handed over to`,
          );
        }
      }
    });
  }
  return violations;
}
